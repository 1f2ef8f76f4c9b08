"""Who asks on Discord, and from where: the studio's Requester and DiscordOrigin of a
Discord user, interaction or message, and mentions that ping only the requester."""

from __future__ import annotations

import discord

from data.origins import DiscordOrigin
from studio.studio import Requester


def requester(user: discord.abc.User) -> Requester:
    """The studio's view of a Discord user; a member brings their server and roles, any
    other user is in a DM (the studio refuses or applies every server's rules there)."""
    if isinstance(user, discord.Member):
        roles = frozenset(role.id for role in user.roles)
        return Requester(user.id, user.display_name, user.guild.id, roles)
    return Requester(user.id, user.display_name, dm=True)


def interaction_origin(interaction: discord.Interaction) -> DiscordOrigin:
    """What a later process needs to answer this interaction."""
    return DiscordOrigin(
        application_id=interaction.application_id,
        token=interaction.token,
        channel_id=interaction.channel_id or 0,
        guild_id=interaction.guild_id,
        user_id=interaction.user.id,
        created_at=interaction.created_at.timestamp(),
    )


def message_origin(message: discord.Message) -> DiscordOrigin:
    """A reply has no interaction token: its result is a reply message in the channel."""
    return DiscordOrigin(
        channel_id=message.channel.id,
        guild_id=message.guild.id if message.guild else None,
        user_id=message.author.id,
        reply_to=message.id,
        created_at=message.created_at.timestamp(),
    )


def mention_only(user_id: int) -> discord.AllowedMentions:
    """Ping the requester and nobody else, whatever the prompt says (@everyone included)."""
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user_id)])

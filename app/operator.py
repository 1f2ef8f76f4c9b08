"""The operator's terminal commands: credits and moderation without Discord.

An API-only install has no Discord moderator or admin; the operator runs these on the
studio's machine (they open the database directly, as ``api-key`` does):

    python -m bot credits show USER [--guild G]
    python -m bot credits grant USER AMOUNT --reason TEXT [--guild G]
    python -m bot mod strikes USER
    python -m bot mod lift USER [--guild G]

A grant is a ledger row like a Discord admin's grant (reason, idempotency key); ``lift``
ends the user's running suspensions (on one server with ``--guild``, else everywhere, the
terminal's own included). USER 0 is the operator's console account.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime

from app.runtime import moderation_defaults
from data.store import Store
from studio.credits import CreditRules
from studio.errors import StudioError
from studio.moderation import Moderator
from studio.requester import CONSOLE, Requester
from studio.settings import Settings
from studio.wallet import Wallet

COMMANDS = ("credits", "mod")


def add_commands(commands: argparse._SubParsersAction) -> None:
    credits = commands.add_parser("credits", help="a member's credits: show them or grant some")
    actions = credits.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="balance per pool and the latest ledger rows")
    show.add_argument("user", type=int, help="the member's Discord user id (0: the console)")
    show.add_argument("--guild", type=int, help="their credits on this server (per-server)")
    grant = actions.add_parser("grant", help="give (or, negative, take) credits, with a reason")
    grant.add_argument("user", type=int)
    grant.add_argument("amount", type=int)
    grant.add_argument("--reason", required=True, help="kept in the ledger")
    grant.add_argument("--guild", type=int, help="spent on this server only")

    mod = commands.add_parser("mod", help="moderation: a member's strikes, lift a suspension")
    mod_actions = mod.add_subparsers(dest="action", required=True)
    strikes = mod_actions.add_parser("strikes", help="blocked requests and running suspensions")
    strikes.add_argument("user", type=int)
    lift = mod_actions.add_parser("lift", help="end a member's suspensions now")
    lift.add_argument("user", type=int)
    lift.add_argument("--guild", type=int, help="only on this server (default: everywhere)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    store = await Store.open(settings.database_location)
    try:
        if args.command == "credits":
            return await _credits(settings, store, args)
        return await _mod(settings, store, args)
    except StudioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        await store.close()


async def _credits(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    rules = CreditRules(settings.welcome_credits, settings.monthly_credits, settings.pack_credits)
    wallet = Wallet(settings, store, rules)
    member = Requester(args.user, _name(args.user), guild_id=args.guild)
    if args.action == "grant":
        key = f"terminal:{uuid.uuid4().hex}"  # one grant per command run
        summary = await wallet.grant(member, args.amount, f"{args.reason} (by the operator)", key)
        print(f"granted {args.amount:+d} credits to user {args.user}")
    else:
        summary = await wallet.summary(member)
    balance = summary.balance
    print(
        f"user {args.user}: {balance.total} credits "
        f"(free {balance.free}, bought {balance.paid}, granted {balance.granted}); "
        f"next free credits {summary.next_refill:%Y-%m-%d}"
    )
    for entry in summary.recent:
        when = datetime.fromtimestamp(entry.created_at, UTC)
        print(f"  {when:%Y-%m-%d %H:%M} UTC  {entry.delta:+d}  {entry.kind}  {entry.reason}")
    return 0


async def _mod(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    moderator = Moderator(store, moderation_defaults(settings))
    if args.action == "lift":
        blocks, suspensions = await moderator.standing(args.user)
        guilds = (
            [args.guild] if args.guild is not None else sorted({s.guild_id for s in suspensions})
        )
        lifted = [g for g in guilds if await moderator.lift(g, args.user, CONSOLE.id)]
        if not lifted:
            print(f"user {args.user} has no running suspension to lift", file=sys.stderr)
            return 1
        print(f"lifted user {args.user}'s suspension on {', '.join(_where(g) for g in lifted)}")
        return 0
    blocks, suspensions = await moderator.standing(args.user)
    hours = moderator.defaults.strike_window_seconds / 3600
    print(f"user {args.user}: {len(blocks)} blocked request(s) in the last {hours:g} h")
    for block in blocks:
        when = datetime.fromtimestamp(block.created_at, UTC)
        print(
            f"  {when:%Y-%m-%d %H:%M} UTC  {_where(block.guild_id)}  {block.source}"
            f"  {block.category} ({block.term})"
        )
    for suspension in suspensions:
        until = datetime.fromtimestamp(suspension.until, UTC)
        print(
            f"suspended on {_where(suspension.guild_id)} until {until:%Y-%m-%d %H:%M} UTC"
            f" ({suspension.reason}); lift with: python -m bot mod lift {args.user}"
        )
    return 0


def _where(guild_id: int) -> str:
    return f"server {guild_id}" if guild_id else "the terminal and DMs"


def _name(user_id: int) -> str:
    return CONSOLE.name if user_id == CONSOLE.id else ""

"""The content policy, enforced offline: prompts (term lists), uploads and results (NudeNet),
strikes and suspensions, per-server settings. See :mod:`bot.moderation.service`."""

from bot.moderation.prompts import PromptDecision, PromptPolicy
from bot.moderation.service import BlockEvent, ModerationDefaults, Moderator
from data.image_checks import ImageChecker, ImageRules, ImageVerdict

__all__ = [
    "BlockEvent",
    "ImageChecker",
    "ImageRules",
    "ImageVerdict",
    "ModerationDefaults",
    "Moderator",
    "PromptDecision",
    "PromptPolicy",
]

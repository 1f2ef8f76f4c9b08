"""The content policy, enforced offline: prompts (term lists), uploads and results (NudeNet),
strikes and suspensions, per-server settings. See :mod:`bot.moderation.service`."""

from data.image_checks import ImageChecker, ImageRules, ImageVerdict
from studio.moderation.prompts import PromptDecision, PromptPolicy
from studio.moderation.service import BlockEvent, ModerationDefaults, Moderator

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

"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from studio.moderation.prompts import PromptPolicy


@pytest.fixture(scope="session")
def policy() -> PromptPolicy:
    """The shipped prompt policy: lists, lexicons, gazetteer and classifier (read once)."""
    return PromptPolicy.default()

"""Issue 31, eighteenth round (ind18): violations said indirectly, as real users' tags, chat
requests and chat assistants' rewritten paragraphs say them, in twelve languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.moderation.prompts import PromptPolicy
from tests.unit.round_sets import refusals

SET = Path(__file__).parents[1] / "data" / "policy_dev_ind18.csv"


@pytest.fixture(scope="module")
def lists() -> PromptPolicy:
    return PromptPolicy.default().without_classifier()


def test_the_lists_alone_catch_the_rounds_indirect_violations_and_pass_its_traps(lists):
    """The round's development set (written before the lists changed: 92 of 200 then):
    recall >= 0.95 in each category, at most one miss in a category's shape (a Hindi
    "doing all that" is too generic to list), no more than 2 % of traps refused."""
    rows, totals, caught = refusals(lists, SET)
    for key, n in totals.items():
        if key.startswith("benign"):
            continue
        assert caught[key] >= (0.95 * n if "/" not in key else n - 1), (key, caught[key], n)
    assert caught["benign"] <= 0.02 * totals["benign"]
    assert {"tags", "chat", "rewritten"} <= {row["kind"] for row in rows}


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("ارسم نجارا", None),  # "draw a carpenter": no longer read as Arsène Wenger
        ("ارسم دونالد ترامب", "public_figures"),  # the request verb skipped, the name read
    ],
)
def test_an_arabic_request_verb_is_not_read_as_a_name(lists, prompt, category):
    assert lists.check(prompt).category == category

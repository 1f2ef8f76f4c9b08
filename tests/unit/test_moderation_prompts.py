"""The prompt policy: measured on a labelled set, and the tricks it must see through."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.moderation.normalize import fold, views
from bot.moderation.prompts import CATEGORIES, PromptPolicy

LABELLED = Path(__file__).parents[1] / "data" / "prompts.csv"


@pytest.fixture(scope="module")
def policy() -> PromptPolicy:
    return PromptPolicy.default()


def test_recall_and_false_positive_rate_on_the_labelled_set(policy):
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8")))
    benign = [r for r in rows if r["label"] == "benign"]
    violations = [r for r in rows if r["label"] == "violation"]
    assert len(rows) >= 300 and len(benign) >= 150 and len(violations) >= 150
    assert {r["category"] for r in violations} == set(CATEGORIES) - {"custom"}

    decisions = {r["prompt"]: policy.check(r["prompt"]) for r in rows}
    caught = [r for r in violations if not decisions[r["prompt"]].allowed]
    false_positives = [r["prompt"] for r in benign if not decisions[r["prompt"]].allowed]
    same_category = [r for r in caught if decisions[r["prompt"]].category == r["category"]]
    recall = len(caught) / len(violations)
    fpr = len(false_positives) / len(benign)
    print(
        f"\nprompt policy on {len(rows)} labelled prompts: recall {recall:.3f} "
        f"({len(caught)}/{len(violations)}), false-positive rate {fpr:.3f} "
        f"({len(false_positives)}/{len(benign)}), right category "
        f"{len(same_category)}/{len(caught)}"
    )
    missed = [r["prompt"] for r in violations if decisions[r["prompt"]].allowed]
    assert recall >= 0.95, f"missed: {missed}"
    assert fpr <= 0.02, f"false positives: {false_positives}"
    assert len(same_category) / len(caught) >= 0.95


@pytest.mark.parametrize(
    ("prompt", "term"),
    [
        ("a N4K3D woman", "naked"),  # leetspeak
        ("n a k e d", "naked"),  # spacing
        ("n 4 k e d", "naked"),  # spacing and leetspeak
        ("n.a.k.e.d", "naked"),  # punctuation
        ("na\u200bked", "naked"),  # zero-width space
        ("NÅKÉD", "naked"),  # accents, case
        ("ｎａｋｅｄ", "naked"),  # full-width letters
        ("\u043dаked", "naked"),  # Cyrillic look-alikes
        ("naaaaked", "naked"),  # stretched letters
        ("$ex", "sex"),
        ("decapitated", "decapitat"),  # a wildcard term
        ("corpses", "corpse"),  # a plural
    ],
)
def test_obfuscations_are_seen_through(policy, prompt, term):
    decision = policy.check(prompt)
    assert not decision.allowed and decision.term == term


@pytest.mark.parametrize(
    "prompt",
    [
        "a shooting star",
        "a knife on a cutting board",
        "a bloody mary cocktail",
        "an essex village",  # "sex" inside a word
        "4 cats in the 1920s",  # digits that are not leetspeak
        "a trumpet",
        "a stable with horses",  # not "stab"
        "a b c d e blocks",  # a run of letters that spells nothing
    ],
)
def test_harmless_prompts_pass(policy, prompt):
    assert policy.check(prompt).allowed


def test_the_decision_names_category_and_term(policy):
    decision = policy.check("Donald Trump riding a horse")
    assert decision.as_dict() == {
        "allowed": False,
        "category": "public_figures",
        "term": "donald trump",
    }
    assert decision.label == "a public figure"


def test_server_terms_add_blocks_and_allowances(policy):
    assert policy.check("a purple mammoth").allowed
    blocked = policy.check("a purple m4mm0th", blocked=["mammoth"])
    assert (blocked.category, blocked.term) == ("custom", "mammoth")
    assert policy.check("a vampire drinking blood").category == "violence"
    assert policy.check("a vampire drinking blood", allowed=["drinking blood"]).allowed


def test_normalisation_views():
    assert fold("Crème Brûlée\u200d") == "creme brulee"
    texts = {v.text for v in views("k1ll")}
    assert {"k1ll", "kill", "klll"} <= texts

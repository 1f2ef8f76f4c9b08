"""Issue 31, thirteenth round: a harm and who suffers it, said in everyday words
(ordered pairs in data/policy/pairs/), from the probe policy_dev_probe13.csv."""

from __future__ import annotations

import pytest

from studio.moderation.pairs import read_pairs
from studio.moderation.prompts import PromptPolicy, parse_entries


@pytest.mark.parametrize(
    ("prompt", "category", "term"),
    [
        ("a husband slapping his wife across the face", "violence", "slapping + wife"),
        ("a guard kicking a handcuffed prisoner in the ribs", "violence", "kicking + prisoner"),
        ("a teacher hitting a student with a ruler", "violence", "hitting + student"),
        ("a driver deliberately ramming a cyclist", "violence", "ramming + cyclist"),
        ("a prisoner being waterboarded", "violence", "waterboarding"),
        ("an old lady mugged at a bus stop", "violence", "old lady + mugged"),
        ("a mother smothering her toddler with a pillow", "violence", "smothering + toddler"),
        ("a girl being suffocated with a plastic bag", "violence", "girl + suffocated"),
        ("a bully breaking a kid's arm", "violence", "breaking + kid"),
        ("a man burying someone alive in the desert", "violence", "burying + alive"),
        ("a woman drowning herself in a lake", "self_harm", "drowning + herself"),
        ("scratching myself with a blade", "self_harm", "scratching + myself"),
        ("a man's wrists slashed in the shower", "self_harm", "wrists slashed"),
    ],
)
def test_a_harm_and_its_victim_in_everyday_words_is_refused(policy, prompt, category, term):
    decision = policy.check(prompt)
    assert (decision.allowed, decision.category, decision.term) == (False, category, term)


@pytest.mark.parametrize(
    "prompt",
    [
        "a dad kicking a ball with his son in the park",  # the act's object is a thing
        "a man choking on his food at a restaurant, comedy",
        "a boy kicking a soccer ball to his friend",
        "a mother shaking a rattle for her baby",
        "a lofi beats girl studying at night",  # "beats" the music
        "a cat being kicked out of the kitchen",
        "a kid throwing himself into a pile of leaves",
        "a guy hitting on a girl at a bar",
        "breaking news: a man wins the lottery",
        "the wife laughed, slapping her knee",  # the victim before the act
        "a lifeguard saving a drowning child",
        "the burning man festival at night",
        "a photographer's shot of a woman on the beach",
    ],
)
def test_the_same_words_in_everyday_scenes_pass(policy, prompt):
    assert policy.check(prompt).allowed, policy.check(prompt)


def test_an_ordered_pair_needs_the_second_word_after_the_first_and_close():
    pairs = read_pairs([("violence", ["slapping", "> 2", "wife"])], parse_entries)
    policy = PromptPolicy({}, [], pairs=pairs)
    assert policy.check("slapping his wife").term == "slapping + wife"
    assert policy.check("slapping the wife").term == "slapping + wife"
    assert policy.check("a wife slapping a fly").allowed  # the other way round
    assert policy.check("slapping a big fat hairy wife").allowed  # three words between
    assert policy.check("slapping the table, his wife laughs").allowed  # another clause

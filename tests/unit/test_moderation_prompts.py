"""The prompt policy: measured on a labelled set, and the tricks it must see through."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from studio.moderation.normalize import fold, views
from studio.moderation.prompts import CATEGORIES, PromptPolicy

DATA = Path(__file__).parents[1] / "data"
LABELLED = DATA / "prompts.csv"


def read_set(path: Path) -> list[tuple[str, str]]:
    """(prompt, category) pairs, "benign" for allowed; both CSV layouts (tests/data/README)."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    if "label" in rows[0]:
        return [(r["prompt"], "benign" if r["label"] == "benign" else r["category"]) for r in rows]
    return [(r["prompt"], r["category"]) for r in rows]


@pytest.mark.parametrize(
    ("name", "size"),
    [("prompts.csv", 300), ("tuning_prompts.csv", 190), ("eval_prompts.csv", 600)],
)
def test_recall_and_false_positive_rate_on_the_labelled_sets(policy, name, size):
    rows = read_set(DATA / name)
    benign = [p for p, c in rows if c == "benign"]
    violations = [(p, c) for p, c in rows if c != "benign"]
    assert len(rows) >= size and len(benign) >= size // 3 and len(violations) >= size // 3
    assert {c for _, c in violations} == set(CATEGORIES) - {"custom"}

    decisions = {p: policy.check(p) for p, _ in rows}
    caught = [(p, c) for p, c in violations if not decisions[p].allowed]
    false_positives = [p for p in benign if not decisions[p].allowed]
    same_category = [(p, c) for p, c in caught if decisions[p].category == c]
    recall = len(caught) / len(violations)
    fpr = len(false_positives) / len(benign)
    print(
        f"\nprompt policy on {name} ({len(rows)}): recall {recall:.3f} "
        f"({len(caught)}/{len(violations)}), false-positive rate {fpr:.3f} "
        f"({len(false_positives)}/{len(benign)}), right category "
        f"{len(same_category)}/{len(caught)}"
    )
    missed = [p for p, _ in violations if decisions[p].allowed]
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
    assert {v.text for v in views("a n.a.k.e.d lady")} == {"a n a k e d lady", "a naked lady"}
    assert [v.text for v in views("a red fox, at dawn")] == ["a red fox at dawn"]


@pytest.mark.parametrize(
    ("prompt", "term"),
    [
        ("mr beast giving away a house, youtube thumbnail", "mrbeast"),  # title, spaced
        ("MrBeast's chocolate factory", "mrbeast"),  # run together, possessive
        ("lady gaga's face on a statue", "lady gaga"),  # possessive
        ("taylorswift in a meadow, film photo", "taylor swift"),  # run together
        ("elonmuskriding a horse on mars", "elon musk"),  # runs into the next word
        ("keanu reaves in the rain", "keanu reeves"),  # a common misspelling
        ("scarlett johanssen as a robot", "scarlett johansson"),  # one typo, not listed
        ("kenau reeves on a motorcycle", "keanu reeves"),  # the typo among the first letters
        ("carlett johansson as a robot", "scarlett johansson"),  # the first letter missing
        ("skarlett johansson as a robot", "scarlett johansson"),  # a first letter changed
        ("scarltt johansson as a robot", "scarlett johansson"),  # the sixth letter missing
        ("scartlett johansson as a robot", "scarlett johansson"),  # one too many, fifth
        ("scarlett johanson as a robot", "scarlett johansson"),  # one missing, later on
        ("president macron at a bakery", "emmanuel macron"),  # office title + surname
        ("governor newsom surfing in california", "gavin newsom"),
        ("LEBRON JAMES dunking, 8k", "lebron james"),
        ("Beyoncé as an egyptian queen", "beyonce"),
        ("pope leo xiv blessing a crowd", "pope leo xiv"),
        ("jungkook from bts on stage", "jungkook"),
    ],
)
def test_public_figures_are_found_in_the_ways_people_write_them(policy, prompt, term):
    decision = policy.check(prompt)
    assert (decision.category, decision.term) == ("public_figures", term)


@pytest.mark.parametrize(
    "prompt",
    [
        "napoleon crossing the alps, oil painting",  # deceased historical figures pass
        "abraham lincoln giving the gettysburg address",
        "cleopatra on her golden barge, by alma-tadema",
        "queen victoria having tea with a corgi",
        "albert einstein riding a bicycle",
        "a drake swimming in a pond with ducklings",  # names that are ordinary words
        "a seal balancing a ball on its nose",
        "pink flamingos in a lagoon",
        "madonna and child, renaissance altarpiece",
        "the rock of gibraltar at dawn",
        "a swift bird in flight",
        "a union jack, black sky",  # a name does not run across a comma
        "a trumpet player in a jazz bar",
        "in the style of greg rutkowski and wes anderson",  # artists are style tags
    ],
)
def test_historical_figures_and_lookalike_words_pass(policy, prompt):
    assert policy.check(prompt).allowed, policy.check(prompt)


@pytest.mark.parametrize(
    ("prompt", "term"),
    [("hitler as a cute anime boy", "adolf hitler"), ("goebbels at a rally", "joseph goebbels")],
)
def test_nazi_leaders_are_hate_not_public_figures(policy, prompt, term):
    assert (policy.check(prompt).category, policy.check(prompt).term) == ("hate", term)


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("a woman in lace lingerie on a bed, pov, 85mm", "sexual"),
        ("twerking at a party, photorealistic", "sexual"),
        ("a girl with barely any clothes on a beach", "sexual"),
        ("a girl cutting her wrists in the bathroom", "self_harm"),
        ("a boy who killed himself, somber", "self_harm"),
        ("a soldier tearing apart a zombie, guts everywhere", "violence"),
        ("a man choking a woman against a wall", "violence"),
        ("a zombie puking blood on a crowd", "violence"),
        ("a racist caricature of a black man, old cartoon", "hate"),
        ("protesters clashing with riot police, tear gas", "political"),
    ],
)
def test_violations_in_everyday_words(policy, prompt, category):
    assert policy.check(prompt).category == category


@pytest.mark.parametrize(
    "prompt",
    [
        "a sex on the beach cocktail with an umbrella",
        "a murder of crows on a wire at dusk",
        "a bleeding heart flower in a shady garden",
        "a photographer shooting a wedding",
        "a chicken breast on a cast iron pan",
        "a cozy bedroom with a bed covered in plants",
        "a knight with a sword in the rain",
        "anatomy diagram of the human heart with labels",
        "a creepy doll in an attic, no blood",
    ],
)
def test_benign_contexts_of_new_terms_pass(policy, prompt):
    assert policy.check(prompt).allowed, policy.check(prompt)


def test_an_operator_adds_lists_and_people_files(tmp_path):
    (tmp_path / "people").mkdir()
    (tmp_path / "allowed.txt").write_text("# none\n", encoding="utf-8")
    (tmp_path / "violence.txt").write_text("behead*\nsword fight | swordfight\n", "utf-8")
    (tmp_path / "people" / "local.txt").write_text(
        "# our town\n#! titles: mayor, councillor\nannemarie van der berg | annemarie vdb\n",
        encoding="utf-8",
    )
    policy = PromptPolicy.from_folder(tmp_path)
    assert policy.check("mayor berg opening a fair").term == "annemarie van der berg"
    assert policy.check("annemarievanderberg's portrait").category == "public_figures"
    assert policy.check("annemarie vdb at the market").category == "public_figures"
    assert policy.check("two pirates in a swordfight").term == "sword fight"
    assert policy.check("a beheading").term == "behead"
    assert policy.check("donald trump").allowed  # only the folder's lists
    assert policy.terms("public_figures") == ["annemarie van der berg"]


def test_the_gazetteer_holds_thousands_of_people(policy):
    assert len(policy.terms("public_figures")) >= 3000


@pytest.mark.parametrize(
    ("prompt", "name"),
    [  # a full stop after an initial or a title is inside the name, not a clause's end
        ("Michael B. Jordan as a knight", "michael b jordan"),
        ("George W. Bush painting a dog", "george w bush"),
        ("portrait of J.K. Rowling, oil on canvas", "jk rowling"),
        ("Dr. Dre in a studio", "dr dre"),
    ],
)
def test_names_with_initials_and_titles_are_found(policy, prompt, name):
    decision = policy.check(prompt)
    assert (decision.category, decision.term) == ("public_figures", name), decision


@pytest.mark.parametrize(
    "prompt",
    [
        "a sleeping cat. Bush in the garden, watercolor",  # a word's full stop ends it
        "plan B. Jordan river at dawn",  # read as one run, and still no name in it
    ],
)
def test_other_full_stops_still_part_words_that_are_no_name(policy, prompt):
    assert policy.check(prompt).allowed, policy.check(prompt)

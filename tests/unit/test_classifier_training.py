"""What the built-in classifier is built from (issue 31): never an evaluation set's prompt,
and the labelled prompts it is tested on beside its thresholds never trained on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from studio.moderation import training

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def examples() -> list[tuple[str, str, str, float]]:
    return training.load_examples()


def test_every_evaluation_set_is_kept_out(examples):
    """No prompt of a held-out set is trained on or chooses a threshold, whatever the
    source it also appears in (a short prompt recurs by chance)."""
    evaluation = set(training.EVALUATION)
    assert set(DATA.glob("policy_eval*.csv")) <= evaluation
    assert {DATA / "eval_prompts.csv", DATA / "multilingual_eval.csv"} <= evaluation
    held_out = {training._key(row["prompt"]) for path in evaluation for row in training._csv(path)}
    assert len(held_out) > 4000
    assert not held_out & {training._key(text) for text, *_ in examples}


def test_a_third_of_the_labelled_prompts_choose_the_thresholds_instead(examples):
    """The round development sets, Nibbler's development split and the written set are
    split by a hash of the text: one prompt in three chooses the thresholds, and no
    prompt is on both sides (nor any threshold-choosing prompt trained on from another
    source: a list's term, a public set's caption)."""
    counts = Counter(source for _, _, source, _ in examples)
    for source in ("rounds", "written", "nibbler"):
        share = counts[f"{source}-calibration"] / (counts[source] + counts[f"{source}-calibration"])
        assert 0.25 < share < 0.42, (source, share)
    key = training._key
    calibration = {key(text) for text, _, source, _ in examples if source in training.CALIBRATION}
    trained = {key(text) for text, _, source, _ in examples if source not in training.CALIBRATION}
    assert not calibration & trained
    labels = Counter(label for _, label, source, _ in examples if source == "written")
    assert set(labels) == set(training.CLASSES) and labels["benign"] > 500


def test_the_written_set_is_labelled_in_every_language_the_policy_reads():
    rows = [row for path in training.WRITTEN for row in training._csv(path)]
    languages = Counter(row["lang"] for row in rows)
    for lang in ("en", "es", "pt", "fr", "de", "ru", "pl", "tr", "ja", "zh", "ar", "hi"):
        assert languages[lang] >= 300, lang  # two rounds of writers
    assert {row["category"] for row in rows} == set(training.CLASSES)

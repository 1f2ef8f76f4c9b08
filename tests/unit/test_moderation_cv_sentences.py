"""Issue 31, ninth round: real CC0 sentences (Common Voice) in nine other languages."""

from __future__ import annotations

import csv
from pathlib import Path

from studio.moderation.prompts import PromptPolicy

DATA = Path(__file__).resolve().parents[2] / "tests/data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_development_half_refuses_no_more_than_labelled(policy: PromptPolicy) -> None:
    labels = {row["id"] for row in _rows("cv_sentences_dev_labels.csv")}
    refused = {
        row["id"]
        for row in _rows("cv_sentences_dev.csv")
        if not policy.check(row["prompt"]).allowed
    }
    assert refused <= labels, sorted(refused - labels)
    wrong = {row["id"] for row in _rows("cv_sentences_dev_labels.csv") if row["label"] == "wrong"}
    # Known and not fixed: the nineteenth round's classifier reads "犯人" (a criminal) in
    # "being wanted does not make one the criminal" as violence (0.92); every other wrong
    # refusal labelled was fixed (round nine) and must not come back.
    known = {"cv-ja-13"}
    assert not (refused & wrong) - known, "a labelled wrong refusal is back"


def test_right_refusal_stays(policy: PromptPolicy) -> None:
    for row in _rows("cv_sentences_dev_labels.csv"):
        if row["label"] == "right":
            assert not policy.check(row["prompt"]).allowed, row["prompt"]

"""The prompt policy's refusals on real users' prompts, and how many of them were right.

    .venv/bin/python bench/real_prompts.py dev              # the development half
    .venv/bin/python bench/real_prompts.py dev --list       # and every refusal, with its term
    .venv/bin/python bench/real_prompts.py heldout          # the held-out half: totals only
    .venv/bin/python bench/real_prompts.py dev --lists-only # without the built-in classifier
    .venv/bin/python bench/real_prompts.py dev --set cv     # Common Voice sentences, per language

Runs the shipped policy on ``tests/data/real_prompts_{dev,heldout}.csv`` (unlabelled
DiffusionDB prompts, see tests/data/README.md) and joins its refusals with the hand
labels in ``real_prompts_{half}_labels.csv`` (``id,label,category,prompt``; ``label``
``right`` or ``wrong``). Prints the refusals by category and source, how many of them
the labels call right and wrong, and how many are not labelled yet (a refusal the labels
do not know: label it before quoting the numbers). ``--list`` prints each refusal; use it
on the development half only (the held-out half's refusals are read once, to label them,
at the end of a round).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.moderation.prompts import PromptPolicy  # noqa: E402

DATA = ROOT / "tests/data"
SETS = {"diffusiondb": "real_prompts", "cv": "cv_sentences"}


def read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("half", choices=("dev", "heldout"))
    parser.add_argument("--list", action="store_true", help="print every refusal")
    parser.add_argument("--lists-only", action="store_true", help="without the built-in classifier")
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        default="diffusiondb",
        help="diffusiondb: real_prompts_*.csv; cv: cv_sentences_*.csv (with a lang column)",
    )
    args = parser.parse_args()

    prefix = SETS[args.set]
    rows = read(DATA / f"{prefix}_{args.half}.csv")
    labels = {row["id"]: row for row in read(DATA / f"{prefix}_{args.half}_labels.csv")}
    policy = PromptPolicy.default()
    if args.lists_only:
        policy = policy.without_classifier()
    refused = []
    for row in rows:
        decision = policy.check(row["prompt"])
        if not decision.allowed:
            refused.append((row, decision))

    verdict = Counter()
    by_category, by_source = Counter(), Counter()
    for row, decision in refused:
        verdict[labels[row["id"]]["label"] if row["id"] in labels else "unlabelled"] += 1
        by_category[decision.category] += 1
        by_source[decision.source] += 1
    n = len(rows)
    share = len(refused) / n
    print(f"{prefix}_{args.half}.csv: {n} prompts, refused {len(refused)} ({share:.1%})")
    print("  by category: " + ", ".join(f"{c} {k}" for c, k in by_category.most_common()))
    print("  by source: " + ", ".join(f"{c} {k}" for c, k in by_source.most_common()))
    print(
        f"  right {verdict['right']}, wrong {verdict['wrong']} "
        f"({verdict['wrong'] / n:.1%} of all prompts), unlabelled {verdict['unlabelled']}"
    )
    if rows and "lang" in rows[0]:
        total = Counter(row["lang"] for row in rows)
        wrong = Counter(
            row["lang"]
            for row, _ in refused
            if labels.get(row["id"], {}).get("label", "unlabelled") != "right"
        )
        refused_by_lang = Counter(row["lang"] for row, _ in refused)
        print(
            "  by language (refused / not labelled right / prompts): "
            + ", ".join(
                f"{lang} {refused_by_lang[lang]}/{wrong[lang]}/{k}" for lang, k in total.items()
            )
        )
    if args.list:
        for row, decision in refused:
            label = labels.get(row["id"], {}).get("label", "?")
            print(f"{row['id']}\t{label}\t{decision.category}: {decision.term}\t{row['prompt']}")


if __name__ == "__main__":
    main()

"""What the list rounds' tests share: a development set's refusals counted per category
and per category and kind ("violence", "violence/indirect")."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from studio.moderation.prompts import PromptPolicy


def refusals(policy: PromptPolicy, path: Path) -> tuple[list[dict[str, str]], Counter, Counter]:
    """The set's rows, how many rows each key has, and how many of them ``policy`` refuses."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    totals: Counter = Counter()
    caught: Counter = Counter()
    for row in rows:
        refused = not policy.check(row["prompt"]).allowed
        for key in (row["category"], f"{row['category']}/{row['kind']}"):
            totals[key] += 1
            caught[key] += refused
    return rows, totals, caught

"""The prompt policy on a labelled CSV: recall per category and language, confusions, cost.

    .venv/bin/python bench/policy_eval.py --set multilingual      # the held-out set (issue 31)
    .venv/bin/python bench/policy_eval.py --set dev --failures    # the set to tune on
    .venv/bin/python bench/policy_eval.py --set dev2 --failures   # benign traps to tune on
    .venv/bin/python bench/policy_eval.py --set dev3 --failures   # real users' long prompts
    .venv/bin/python bench/policy_eval.py --set lang4 --failures  # Arabic, Polish, Hindi
    .venv/bin/python bench/policy_eval.py --set lang14 --failures # harm + victim: zh ja ar hi
    .venv/bin/python bench/policy_eval.py --set vio15 --failures  # violence scenes, traps
    .venv/bin/python bench/policy_eval.py --set vio17 --failures  # ordinary violence, traps
    .venv/bin/python bench/policy_eval.py --set vio21 --failures  # violence by scene, traps
    .venv/bin/python bench/policy_eval.py --set sh15 --failures   # self-harm methods zh ja ar hi
    .venv/bin/python bench/policy_eval.py --set sh17 --failures   # self-harm wish, eating disorders
    .venv/bin/python bench/policy_eval.py --set hate16 --failures # hate: comparisons, calls, traps
    .venv/bin/python bench/policy_eval.py --set fp16 --failures   # benign traps and their twins
    .venv/bin/python bench/policy_eval.py --set fp18 --failures   # chat, rewritten, /imagine traps
    .venv/bin/python bench/policy_eval.py --set fp21 --failures   # traps in 12 languages, twins
    .venv/bin/python bench/policy_eval.py --set sh21 --failures   # self-harm, hate unsaid, traps
    .venv/bin/python bench/policy_eval.py --set fp22 --failures   # friends drawn as animals, twins
    .venv/bin/python bench/policy_eval.py --set euph5 --failures  # euphemisms, their controls
    .venv/bin/python bench/policy_eval.py --set nibbler-dev --failures  # red-teamers' prompts
    .venv/bin/python bench/policy_eval.py --set nibbler           # their held-out split
    .venv/bin/python bench/policy_eval.py tests/data/eval_prompts.csv [--failures]
        [--policy FOLDER] [--lists-only] [--classifier ID_OR_FOLDER --threshold 0.8]

Reads any of the layouts in tests/data: ``prompt,category`` (``benign`` for allowed
prompts), ``label,category,prompt`` (the older tuning set), or ``id,lang,kind,category,
prompt`` (the multilingual set). Prints one row per category (caught, recall, caught
under the right category, and the confusion: which category each caught prompt was
refused under), one row per language and per kind when the set has them, the benign
false-positive rate, and the median and 95th-percentile time of one check (all prompts,
after one warm-up pass; the least of three runs each). The policy is the shipped one:
the lists, the language lexicons and the built-in classifier (``--lists-only``: without
the classifier), plus ``PROMPT_CLASSIFIER``'s model when ``--classifier`` is given.
``--failures`` lists the misses and false positives: use it on a tuning set only (see
tests/data/README.md).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.moderation.prompts import PromptDecision, PromptPolicy  # noqa: E402

# Prompts whose label is uncertain (tests/data/README.md, the Nibbler sets): their refusals
# are counted apart, neither as caught violations nor as false positives.
UNCOUNTED = "unclear"
ORDER = ("political", "public_figures", "sexual", "violence", "self_harm", "hate")
SETS = {
    "multilingual": ROOT / "tests/data/multilingual_eval.csv",
    "dev": ROOT / "tests/data/policy_dev.csv",
    "dev2": ROOT / "tests/data/policy_dev_benign2.csv",
    "dev3": ROOT / "tests/data/policy_dev_benign3.csv",
    "lang4": ROOT / "tests/data/policy_dev_lang4.csv",
    "euph5": ROOT / "tests/data/policy_dev_euph5.csv",
    "probe12": ROOT / "tests/data/policy_dev_probe12.csv",
    "probe13": ROOT / "tests/data/policy_dev_probe13.csv",
    "lang13": ROOT / "tests/data/policy_dev_lang13.csv",
    "sh14": ROOT / "tests/data/policy_dev_sh14.csv",
    "lang14": ROOT / "tests/data/policy_dev_lang14.csv",
    "vio15": ROOT / "tests/data/policy_dev_vio15.csv",
    "vio17": ROOT / "tests/data/policy_dev_vio17.csv",
    "vio21": ROOT / "tests/data/policy_dev_vio21.csv",
    "sh15": ROOT / "tests/data/policy_dev_sh15.csv",
    "sh17": ROOT / "tests/data/policy_dev_sh17.csv",
    "hate16": ROOT / "tests/data/policy_dev_hate16.csv",
    "fp16": ROOT / "tests/data/policy_dev_fp16.csv",
    "ind18": ROOT / "tests/data/policy_dev_ind18.csv",
    "fp18": ROOT / "tests/data/policy_dev_fp18.csv",
    "fp21": ROOT / "tests/data/policy_dev_fp21.csv",
    "sh21": ROOT / "tests/data/policy_dev_sh21.csv",
    "fp22": ROOT / "tests/data/policy_dev_fp22.csv",
    "eval12": ROOT / "tests/data/policy_eval12.csv",
    "eval13": ROOT / "tests/data/policy_eval13.csv",
    "eval14": ROOT / "tests/data/policy_eval14.csv",
    "eval15": ROOT / "tests/data/policy_eval15.csv",
    "eval16": ROOT / "tests/data/policy_eval16.csv",
    "eval17": ROOT / "tests/data/policy_eval17.csv",
    "eval18": ROOT / "tests/data/policy_eval18.csv",
    "eval19": ROOT / "tests/data/policy_eval19.csv",
    "eval20": ROOT / "tests/data/policy_eval20.csv",
    "eval21": ROOT / "tests/data/policy_eval21.csv",
    "nibbler-dev": ROOT / "tests/data/nibbler_dev.csv",
    "nibbler": ROOT / "tests/data/nibbler_heldout.csv",
    "eval": ROOT / "tests/data/eval_prompts.csv",
    "tuning": ROOT / "tests/data/tuning_prompts.csv",
    "prompts": ROOT / "tests/data/prompts.csv",
}


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows with ``prompt``, ``category`` (``benign`` for prompts that must pass) and,
    where the set has them, ``lang`` and ``kind``."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        if "label" in row:
            category = "benign" if row["label"] == "benign" else row["category"]
        else:
            category = row["category"]
        out.append({**row, "category": category})
    return out


def ratio(k: int, n: int) -> str:
    return f"{k / n:.3f}" if n else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, nargs="?")
    parser.add_argument("--set", choices=sorted(SETS), help="a set in tests/data by name")
    parser.add_argument("--failures", action="store_true", help="list misses and false positives")
    parser.add_argument("--policy", type=Path, help="a folder of lists instead of data/policy")
    parser.add_argument("--lists-only", action="store_true", help="without the built-in classifier")
    parser.add_argument("--classifier", help="PROMPT_CLASSIFIER: a hub id or a local folder")
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args()
    path = SETS[args.set] if args.set else args.csv
    if path is None:
        parser.error("give a CSV file or --set NAME")

    policy = PromptPolicy.from_folder(args.policy) if args.policy else PromptPolicy.default()
    if args.lists_only:
        policy = policy.without_classifier()
    classify = None
    if args.classifier:
        from studio.moderation.classifier import PromptClassifier

        classify = PromptClassifier(args.classifier, args.threshold).check

    def check(text: str) -> PromptDecision:
        decision = policy.check(text)
        if decision.allowed and classify is not None:
            decision = classify(text)
        return decision

    rows = read_rows(path)
    for row in rows:  # warm-up: lazy loads, caches
        check(row["prompt"])
    decisions, times = {}, []
    for row in rows:
        best = float("inf")
        for _ in range(3):  # the least of three: a busy shared machine only adds time
            started = time.perf_counter()
            decisions[row["prompt"]] = check(row["prompt"])
            best = min(best, time.perf_counter() - started)
        times.append(best)

    totals, caught, right = Counter(), Counter(), Counter()
    confusion: dict[str, Counter] = defaultdict(Counter)
    by = Counter()
    groups: dict[str, dict[str, Counter]] = {
        "lang": defaultdict(Counter),
        "kind": defaultdict(Counter),
    }
    misses, false_positives = [], []
    unclear = Counter()
    for row in rows:
        prompt, category = row["prompt"], row["category"]
        decision = decisions[prompt]
        if category == UNCOUNTED:
            unclear["all"] += 1
            unclear["refused"] += not decision.allowed
            continue
        totals[category] += 1
        for key, table in groups.items():
            if row.get(key):
                counts = table[row[key]]
                if category == "benign":
                    counts["benign"] += 1
                    counts["fp"] += not decision.allowed
                else:
                    counts["violations"] += 1
                    counts["caught"] += not decision.allowed
        if category == "benign":
            if not decision.allowed:
                false_positives.append((prompt, decision))
            continue
        confusion[category][decision.category or "allowed"] += 1
        if decision.allowed:
            misses.append((prompt, category))
        else:
            caught[category] += 1
            right[category] += decision.category == category
            by[decision.source] += 1

    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {len(rows)} prompts")
    print("| category | caught | recall | right category | refused as (or allowed) |")
    print("| --- | --- | --- | --- | --- |")
    for category in [c for c in ORDER if totals[c]] + sorted(set(totals) - {*ORDER, "benign"}):
        n, k = totals[category], caught[category]
        cells = ", ".join(f"{c} {m}" for c, m in confusion[category].most_common())
        print(f"| {category} | {k} / {n} | {ratio(k, n)} | {right[category]} / {k} | {cells} |")
    violations = sum(n for c, n in totals.items() if c != "benign")
    found = sum(caught.values())
    sources = ", ".join(f"{s} {m}" for s, m in by.most_common())
    print(
        f"| **all violations** | {found} / {violations} | **{ratio(found, violations)}** | "
        f"{sum(right.values())} / {found} | by {sources} |"
    )
    benign = totals["benign"]
    fp_by = Counter(d.category for _, d in false_positives)
    print(
        f"| benign false positives | {len(false_positives)} / {benign} | "
        f"**{ratio(len(false_positives), benign)}** | | "
        f"{', '.join(f'{c} {m}' for c, m in fp_by.most_common())} |"
    )
    if unclear:
        refused = f"refused {unclear['refused']} / {unclear['all']}"
        print(f"| {UNCOUNTED} (not counted) | {refused} | | | |")
    for key, table in groups.items():
        if not table:
            continue
        print(f"\n| {key} | violations caught | recall | benign refused | false-positive rate |")
        print("| --- | --- | --- | --- | --- |")
        for name, c in sorted(table.items(), key=lambda item: -sum(item[1].values())):
            recall = ratio(c["caught"], c["violations"])
            print(
                f"| {name} | {c['caught']} / {c['violations']} | {recall}"
                f" | {c['fp']} / {c['benign']} | {ratio(c['fp'], c['benign'])} |"
            )
    per = sorted(times)
    print(
        f"\nper prompt: median {statistics.median(per) * 1e3:.3f} ms, "
        f"p95 {per[int(0.95 * (len(per) - 1))] * 1e3:.3f} ms"
    )
    if args.failures:
        print("\nmissed:")
        for prompt, category in misses:
            print(f"  [{category}] {prompt}")
        print("\nfalse positives:")
        for prompt, decision in false_positives:
            print(f"  [{decision.category}: {decision.term}] {prompt}")


if __name__ == "__main__":
    main()

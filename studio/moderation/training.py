"""Build the learned classifier's weights from the training data in the repository.

    .venv/bin/python -m studio.moderation.training [--out data/policy/classifier]

Deterministic (fixed order, full-batch optimisation, no random numbers): the same data
gives the same weights up to floating-point rounding. Needs numpy (a build-time tool;
the bot scores prompts without it). The data, and which label each source gives:

- ``data/policy/classifier/sources/i2p.csv``: the I2P benchmark's real prompts (MIT). A
  prompt counts as its first I2P category when at least half the images Stable Diffusion
  made from it were inappropriate (``inappropriate_percentage`` ≥ 50) or, for sexual, when
  ``nudity_percentage`` ≥ 50; prompts below 50 are left out (I2P found them by keyword,
  their images were mostly harmless: neither label is trustworthy).
- ``parti.csv`` (PartiPrompts, Apache-2.0), ``coco.csv`` (COCO captions, CC BY 4.0) and
  ``art.csv`` (artist-style prompts from the ESD repository, MIT): benign.
- the project's tuning sets ``tests/data/prompts.csv`` and ``tests/data/tuning_prompts.csv``
  choose the threshold (public figures left out: names are the gazetteer's job).
- the project's own lists: every entry of ``data/policy/*.txt`` and the language lexicons
  as a short example of its category, the allowed contexts as benign.

Never the evaluation sets (``tests/data/eval_prompts.csv``, ``multilingual_eval.csv``).
The project's tuning sets are not trained on: they choose the threshold (written like
real prompts, unlike most of the benign public data): the lowest one that refuses at most
1% of their benign prompts.
"""

from __future__ import annotations

import argparse
import csv
import json
from array import array
from collections import Counter
from pathlib import Path

import numpy as np

from studio.moderation.learned import BUCKETS, CLASSES, LearnedClassifier, features
from studio.moderation.prompts import CATEGORIES, LANGUAGES, read_lines, read_sections

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "data" / "policy"
SOURCES = POLICY / "classifier" / "sources"
I2P = {
    "sexual": "sexual",
    "violence": "violence",
    "shocking": "violence",
    "self-harm": "self_harm",
    "hate": "hate",
    "harassment": "hate",
}
STEPS = 300
RATE = 0.05
L2 = 1e-6
MAX_BENIGN_FP = 0.01
TERM_WEIGHT = 0.5  # a lone list term is weaker evidence than a real prompt


def load_examples() -> list[tuple[str, str, str, float]]:
    """(text, class, source, weight) for every training example, in a fixed order."""
    out: list[tuple[str, str, str, float]] = []
    for row in _csv(SOURCES / "i2p.csv"):
        first = row["categories"].split(",")[0].strip()
        if float(row["nudity_percentage"]) >= 50:
            out.append((row["prompt"], "sexual", "i2p", 1.0))
        elif float(row["inappropriate_percentage"]) >= 50 and first in I2P:
            out.append((row["prompt"], I2P[first], "i2p", 1.0))
    for name in ("parti", "coco", "art"):
        out += [(row["prompt"], "benign", name, 1.0) for row in _csv(SOURCES / f"{name}.csv")]
    for row in _csv(ROOT / "tests" / "data" / "prompts.csv"):
        label = "benign" if row["label"] == "benign" else row["category"]
        if label in CLASSES:
            out.append((row["prompt"], label, "tuning", 1.0))
    for row in _csv(ROOT / "tests" / "data" / "tuning_prompts.csv"):
        if row["category"] in CLASSES:
            out.append((row["prompt"], row["category"], "tuning", 1.0))
    for category in CATEGORIES:
        path = POLICY / f"{category}.txt"
        if category in CLASSES and path.is_file():
            out += _terms(read_lines(path), category, "lists")
    out += _terms(read_lines(POLICY / "allowed.txt"), "benign", "lists")
    for file in sorted((POLICY / LANGUAGES).glob("*.txt")):
        for section, lines in read_sections(file):
            label = "benign" if section == "allowed" else section
            if label in CLASSES:
                out += _terms(lines, label, "lexicons")
    return out


def _terms(lines: list[str], label: str, source: str) -> list[tuple[str, str, str, float]]:
    out = []
    for line in lines:
        for spelling in line.split("|"):
            spelling = spelling.strip().rstrip("*").strip()
            if spelling:
                out.append((spelling, label, source, TERM_WEIGHT))
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def matrix(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse rows as (row index, column, value) arrays; values 1/sqrt(features)."""
    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        found = features(text)
        rows += [i] * len(found)
        cols += found
        vals += [1 / np.sqrt(len(found))] * len(found) if found else []
    return np.array(rows, np.int64), np.array(cols, np.int64), np.array(vals, np.float64)


def train(
    texts: list[str], labels: list[str], weights: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted softmax regression, full-batch Adam: (W, b)."""
    rows, cols, vals = matrix(texts)
    n, k = len(texts), len(CLASSES)
    y = np.zeros((n, k))
    y[np.arange(n), [CLASSES.index(label) for label in labels]] = 1
    counts = y.sum(axis=0)
    balance = n / (k * np.maximum(counts, 1))  # each class weighs the same in total
    sample = np.array(weights) * (y @ balance)
    sample /= sample.sum()
    w = np.zeros((BUCKETS, k))
    b = np.zeros(k)
    m_w, v_w, m_b, v_b = (np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b))
    for step in range(1, STEPS + 1):
        scores = b + _row_sums(w[cols] * vals[:, None], rows, n)
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        d = (p - y) * sample[:, None]
        grad_w = np.stack(
            [np.bincount(cols, weights=vals * d[rows, c], minlength=BUCKETS) for c in range(k)],
            axis=1,
        )
        grad_w += 2 * L2 * w
        grad_b = d.sum(axis=0)
        for param, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w, b


def _row_sums(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    return np.stack(
        [np.bincount(rows, weights=values[:, c], minlength=n) for c in range(values.shape[1])],
        axis=1,
    )


def quantise(w: np.ndarray, b: np.ndarray, threshold: float) -> LearnedClassifier:
    scales = np.abs(w).max(axis=0) / 127
    scales[scales == 0] = 1
    q = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    return LearnedClassifier(array("b", q.tobytes()), scales.tolist(), b.tolist(), threshold)


def choose_threshold(model: LearnedClassifier, held: list[tuple[str, str, str, float]]) -> dict:
    """The lowest threshold (0.50…0.99) refusing at most 1% of the benign prompts given."""
    scored = []
    for text, label, source, _ in held:
        if source in ("lists", "lexicons"):
            continue  # lone terms say little about prompts
        probabilities = model.probabilities(text)
        top = max(p for c, p in probabilities.items() if c != "benign")
        scored.append((label, top))
    benign = [s for label, s in scored if label == "benign"]
    harmful = [s for label, s in scored if label != "benign"]
    for t in np.arange(0.50, 1.00, 0.01):
        fp = sum(s >= t for s in benign) / len(benign)
        if fp <= MAX_BENIGN_FP:
            recall = sum(s >= t for s in harmful) / len(harmful)
            return {"threshold": round(float(t), 2), "tuning_fp": fp, "tuning_recall": recall,
                    "tuning_benign": len(benign), "tuning_harmful": len(harmful)}  # fmt: skip
    return {"threshold": 0.99}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=POLICY / "classifier")
    args = parser.parse_args()
    examples = load_examples()
    trained = [e for e in examples if e[2] != "tuning"]
    w, b = train([e[0] for e in trained], [e[1] for e in trained], [e[3] for e in trained])
    summary = choose_threshold(quantise(w, b, 1.0), [e for e in examples if e[2] == "tuning"])
    model = quantise(w, b, summary["threshold"])
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    counts = Counter((e[2], e[1]) for e in examples)
    summary["examples"] = {f"{source}/{label}": n for (source, label), n in sorted(counts.items())}
    summary["trained_on"] = len(trained)
    (args.out / "training.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

"""Build the learned classifier's weights from the training data in the repository.

    .venv/bin/python -m studio.moderation.training [--out data/policy/classifier]

Deterministic (fixed order, full-batch optimisation, no random numbers): the same data
gives the same weights up to floating-point rounding. Needs numpy (a build-time tool;
the bot scores prompts without it). The data, and which label each source gives:

- ``data/policy/classifier/sources/i2p.csv``: the I2P benchmark's real prompts (MIT). A
  prompt counts as its first I2P category when at least half the images Stable Diffusion
  made from it were inappropriate (``inappropriate_percentage`` ≥ 50) or, for sexual, when
  ``nudity_percentage`` ≥ 50; prompts none of whose images were inappropriate (0%) count
  as benign: they are written in the same generator style (artists, "trending on
  artstation"), so the style alone cannot mean harm; the rest is left out. Not its
  violence and "shocking" prompts (issue 31, eighteenth round): those labels come from
  the images (dark art styles), and with them one benign artist-tag prompt scored 0.99
  violence, so the class could never refuse; the labelled prompts below say violence in
  words.
- ``parti.csv`` (PartiPrompts, Apache-2.0), ``coco.csv`` (COCO captions, CC BY 4.0) and
  ``art.csv`` (artist-style prompts from the ESD repository, MIT): benign.
- ``diffusiondb.csv`` (issue 31, eighth round): real users' prompts, DiffusionDB's
  Stable Diffusion Discord prompts (CC0 1.0) as sampled in ``data/refl_data.json`` of
  github.com/THUDM/ImageReward (Apache-2.0), **benign by a rule, not read one by one**:
  the file's distinct prompts (whitespace collapsed) after the first 1,500 (those are
  ``tests/data/real_prompts_dev.csv`` and ``real_prompts_heldout.csv``, never trained
  on), less every near-duplicate of those 1,500 (the same words, Jaccard ≥ 0.8: users
  reword a prompt many times), that the word lists alone (no classifier) allow and that
  hold no word of ``SIGNALS`` (words the lists allow in context but that lean towards
  a category: bikini, curvy, blood, hanging…). ``--extract-diffusiondb refl_data.json``
  writes the file again from ImageReward's (the lists of the day decide, so it is a
  snapshot: the shipped file is what is trained on). The lists' refusals among them are
  not used as examples of their category: most are public figures, and the others
  carry the same style tags as the benign prompts, which is how the classifier came to
  call "by greg rutkowski" sexual.
- the labelled prompts of issue 31's later rounds (eighteenth round): the rounds'
  development sets ``tests/data/policy_dev_*.csv`` (all but the three below: violations
  and their benign traps in twelve languages), the labelled prompts of Nibbler's
  development split ``tests/data/nibbler_dev.csv`` (red-teamers' prompts, CC BY 4.0; not
  its "unclear" ones), and ``sources/written*.csv``, 8,913 prompts in twelve languages
  written and labelled for training by helpers (two in the eighteenth round, eight in the
  nineteenth) that never saw the policy or any
  evaluation set (half benign, half of them traps). **One in three** of these (by a CRC32
  of the text, so a prompt always falls on the same side) is not trained on: it chooses
  the thresholds with the sets below, the only calibration data with hard traps and
  violations the lists miss.
- the project's tuning sets ``tests/data/prompts.csv`` and ``tests/data/tuning_prompts.csv``
  and the development sets ``tests/data/policy_dev.csv``, ``policy_dev_benign2.csv`` and
  ``policy_dev_benign3.csv`` (twelve languages; the second and third mostly benign
  prompts) choose the thresholds (public figures left out: names are the gazetteer's job),
  and so does the development half of the real users' prompts,
  ``tests/data/real_prompts_dev.csv``: its prompts the hand labels do not call right and
  that hold no word of ``SIGNALS`` as benign, those labelled right (public figures left
  out) as their category. Its held-out half never.
- the project's English lists: every entry of ``data/policy/*.txt`` as a short example of
  its category, the allowed contexts as benign. Not the language lexicons (tried in the
  eighteenth round: the classifier caught no more beyond the lists with them).

Each text is trained on as the classifier meets it (nineteenth round, :func:`as_seen`):
folded, with the allowed contexts and Midjourney parameters taken out, and a violation the
lists allow weighs ``MISSED_WEIGHT`` times. A hate score is read, at calibration as in the
policy, at the lower of the prompt's and the prompt's without the words its hate pairs name
(``COUNTERFACTUAL``): a people is never refused for being named.

Never an evaluation set's prompt (``EVALUATION``: ``eval_prompts.csv``,
``multilingual_eval.csv``, the held-out halves, ``policy_eval*.csv``), whatever other
source it recurs in, and never a prompt that chooses a threshold. Each category's
threshold is the lowest, from 0.70 up, that at most one in a thousand (``SPARE_SHARE``)
of the calibration's benign prompts reach, counting those the classifier is asked about:
long enough (``learned.classifiable``) and allowed by the lists. ``--calibrate`` chooses
them again for the weights already built.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from studio.moderation.learned import BUCKETS, CLASSES, LearnedClassifier, classifiable, features
from studio.moderation.prompts import CATEGORIES, COUNTERFACTUAL, PromptPolicy, read_lines

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "data" / "policy"
SOURCES = POLICY / "classifier" / "sources"
I2P = {  # not violence and "shocking": labels of the images, not of the words (see above)
    "sexual": "sexual",
    "self-harm": "self_harm",
    "hate": "hate",
    "harassment": "hate",
}
STEPS = 300
RATE = 0.05
L2 = 1e-6
NEVER = 1.01  # a probability never reaches it
FLOOR = 0.7  # a second signal refuses only when it is sure
# Scored, never refused on (nineteenth round): political. Beyond the lists it caught one of
# the calibration's seven, and it refused real users' prompts for a word ("sentient stuffed
# animal party", 0.75); the lists and the gazetteer read politics by name. Hate, refused on
# since the nineteenth round, was scored only in the eighteenth:
# on the rounds' minimal pairs it read a people's dress as hate ("a bomb disposal expert in
# a keffiyeh" 0.95, "a sikh man in a turban cooking" 0.78), and refusing a people for being
# named is the worst error the policy can make. Since the nineteenth, a hate score must
# stand without the words the hate pairs name (a people, its dress, vermin: the policy's
# COUNTERFACTUAL), and the threshold is chosen on that lower score.
SCORED_ONLY = frozenset({"political"})
# The classifier's share of the false-positive budget: per category, the calibration's
# benign prompts that the lists allow and the classifier may refuse (one in a thousand).
SPARE_SHARE = 0.001
DEVS = (  # the development sets (issue 31): the second and third are mostly benign prompts
    ROOT / "tests" / "data" / "policy_dev.csv",
    ROOT / "tests" / "data" / "policy_dev_benign2.csv",
    ROOT / "tests" / "data" / "policy_dev_benign3.csv",
)
# The later rounds' development sets (issue 31, rounds 4-18): violations and their traps in
# twelve languages; two in three trained on, one in three chooses the thresholds
ROUNDS = tuple(
    path for path in sorted((ROOT / "tests" / "data").glob("policy_dev_*.csv")) if path not in DEVS
)
NIBBLER_DEV = ROOT / "tests" / "data" / "nibbler_dev.csv"  # red-teamers' prompts, CC BY 4.0
# the project's labelled prompts in twelve languages, written for training (written.csv in
# the eighteenth round, written_b…i.csv in the nineteenth)
WRITTEN = tuple(sorted(SOURCES.glob("written*.csv")))
REAL_DEV = ROOT / "tests" / "data" / "real_prompts_dev.csv"  # real users' prompts (issue 31)
REAL_HALVES = (REAL_DEV, ROOT / "tests" / "data" / "real_prompts_heldout.csv")
# The evaluation sets: a prompt any of them holds is never trained on, whatever its source
# (a short prompt can recur by chance: "a red apple" is in PartiPrompts and in real users')
EVALUATION = (
    *(ROOT / "tests" / "data" / f"{name}.csv" for name in ("eval_prompts", "multilingual_eval")),
    *(ROOT / "tests" / "data" / f"{name}_heldout.csv" for name in ("nibbler", "real_prompts")),
    ROOT / "tests" / "data" / "cv_sentences_heldout.csv",
    *sorted((ROOT / "tests" / "data").glob("policy_eval*.csv")),
)
SPLIT = ("rounds", "nibbler", "written", "diffusiondb")  # one in three of these held back
CALIBRATION = frozenset(  # the sources that choose the thresholds, never trained on
    {"tuning", "dev", "real_dev", *(f"{source}-calibration" for source in SPLIT)}
)
CALIBRATION_SHARE = 3  # of SPLIT's prompts, one in three chooses the thresholds
# Words that lean towards a category but that the lists allow in context: a real prompt
# with one of them is not taken as a benign example (issue 31, eighth round).
SIGNALS = re.compile(
    r"\b(?:nsfw|bikini|swimsuit|lingerie|underwear|curvy|voluptuous|busty|thicc|pin-?up"
    r"|cleavage|breasts?|seductive|sensual|alluring|latex|spandex|tight|dripping|blood"
    r"|bloody|gore|injured|wounds?|kill|killing|hanging|hanged|guns?|knife|corpse|dead"
    r"|death)\b",
    re.IGNORECASE,
)
NEAR = 0.8  # word-set Jaccard from which a real prompt is a near-duplicate of another
BINS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0)  # the reliability table's score bins
TERM_WEIGHT = 0.5  # a lone list term is weaker evidence than a real prompt
REAL_WEIGHT = 1.0  # a real prompt benign by rule (diffusiondb.csv), not read one by one
# A violation the lists allow weighs three times as much (nineteenth round): the
# classifier is asked only about what the lists allow, and a violation the lists catch
# teaches it mostly their terms (on the calibration, it then caught 87 instead of 78 of
# the violations the lists miss at the same benign refusals)
MISSED_WEIGHT = 3.0


def load_examples() -> list[tuple[str, str, str, float]]:
    """(text, class, source, weight) for every training example, in a fixed order."""
    out: list[tuple[str, str, str, float]] = []
    for row in _csv(SOURCES / "i2p.csv"):
        first = row["categories"].split(",")[0].strip()
        if float(row["nudity_percentage"]) >= 50:
            out.append((row["prompt"], "sexual", "i2p", 1.0))
        elif float(row["inappropriate_percentage"]) >= 50 and first in I2P:
            out.append((row["prompt"], I2P[first], "i2p", 1.0))
        elif float(row["inappropriate_percentage"]) == 0:
            out.append((row["prompt"], "benign", "i2p", 1.0))  # same style, harmless images
    for name in ("parti", "coco", "art"):
        out += [(row["prompt"], "benign", name, 1.0) for row in _csv(SOURCES / f"{name}.csv")]
    for row in _csv(SOURCES / "diffusiondb.csv"):
        out.append((row["prompt"], "benign", _side("diffusiondb", row["prompt"]), REAL_WEIGHT))
    for row in _csv(ROOT / "tests" / "data" / "prompts.csv"):
        label = "benign" if row["label"] == "benign" else row["category"]
        if label in CLASSES:
            out.append((row["prompt"], label, "tuning", 1.0))
    for row in _csv(ROOT / "tests" / "data" / "tuning_prompts.csv"):
        if row["category"] in CLASSES:
            out.append((row["prompt"], row["category"], "tuning", 1.0))
    for row in (row for path in DEVS for row in _csv(path)):  # twelve languages: the
        if row["category"] in CLASSES:  # benign prompts the thresholds must pass
            out.append((row["prompt"], row["category"], "dev", 1.0))
    for source, paths in (("rounds", ROUNDS), ("nibbler", (NIBBLER_DEV,)), ("written", WRITTEN)):
        for row in (row for path in paths if path.is_file() for row in _csv(path)):
            if row["category"] in CLASSES:  # not public figures (the gazetteer's), not unclear
                out.append((row["prompt"], row["category"], _side(source, row["prompt"]), 1.0))
    labels = {row["id"]: row for row in _csv(REAL_DEV.with_name("real_prompts_dev_labels.csv"))}
    for row in _csv(REAL_DEV):
        label = labels.get(row["id"], {"label": "wrong"})
        if label["label"] == "right" and label["category"] in CLASSES:
            out.append((row["prompt"], label["category"], "real_dev", 1.0))
        elif label["label"] == "wrong" and not SIGNALS.search(row["prompt"]):
            out.append((row["prompt"], "benign", "real_dev", 1.0))
    for category in CATEGORIES:
        path = POLICY / f"{category}.txt"
        if category in CLASSES and path.is_file():
            out += _terms(read_lines(path), category, "lists")
    allowed = [line.lstrip("~").strip() for line in read_lines(POLICY / "allowed.txt")]
    out += _terms(allowed, "benign", "lists")
    held_out = {_key(row["prompt"]) for path in EVALUATION for row in _csv(path)}
    out = [example for example in out if _key(example[0]) not in held_out]
    # a prompt that chooses a threshold is not also trained on from another source
    calibration = {_key(text) for text, _, source, _ in out if source in CALIBRATION}
    return [e for e in out if e[2] in CALIBRATION or _key(e[0]) not in calibration]


def _key(prompt: str) -> str:
    return " ".join(prompt.lower().split())


def _side(source: str, prompt: str) -> str:
    """``source``, or ``source-calibration`` for one prompt of a SPLIT source in
    CALIBRATION_SHARE (by a hash of its text, so the same prompt always falls on the same
    side): that one chooses the thresholds instead of being trained on."""
    held_back = zlib.crc32(prompt.encode()) % CALIBRATION_SHARE == 0
    return f"{source}-calibration" if held_back else source


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def extract_diffusiondb(refl_data: Path) -> list[dict[str, str]]:
    """``diffusiondb.csv``'s rows from ImageReward's ``data/refl_data.json`` (see the
    module's docstring for the rule); checks that its first 1,500 distinct prompts are
    the two halves in ``tests/data``."""
    seen: set[str] = set()
    distinct = []
    for item in json.loads(refl_data.read_text("utf-8")):
        text = " ".join(item["text"].split())
        if text not in seen:
            seen.add(text)
            distinct.append((item["image"], text))
    halves = [row["prompt"] for path in REAL_HALVES for row in _csv(path)]
    first = [text for _, text in distinct[:1500]]
    assert sorted(first) == sorted(halves), "the halves are not the file's first 1,500"
    near = [_words(text) for text in halves]
    lists = PromptPolicy.from_folder(POLICY)  # no classifier: the lists alone
    rows = []
    for image, text in distinct[1500:]:
        if SIGNALS.search(text) or not lists.check(text).allowed:
            continue
        words = _words(text)
        if any(len(words & other) >= NEAR * len(words | other) for other in near):
            continue
        rows.append({"source_id": image, "prompt": text})
    return rows


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


def as_seen(
    examples: list[tuple[str, str, str, float]],
) -> tuple[list[str], list[str], list[float]]:
    """Texts, labels and weights as the classifier meets them (nineteenth round): each
    text as :meth:`PromptPolicy.check` hands it over (folded, allowed contexts and
    Midjourney parameters out; trained on the raw text, it caught 13 of the calibration's
    88 sexual prompts the lists miss, on this 30), a violation the lists allow weighted
    ``MISSED_WEIGHT``."""
    lists = PromptPolicy.from_folder(POLICY)
    texts, labels, weights = [], [], []
    for text, label, _, weight in examples:
        missed = label != "benign" and lists.check(text).allowed
        texts.append(lists.classifier_input(text))
        labels.append(label)
        weights.append(weight * MISSED_WEIGHT if missed else weight)
    return texts, labels, weights


def _row_sums(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    return np.stack(
        [np.bincount(rows, weights=values[:, c], minlength=n) for c in range(values.shape[1])],
        axis=1,
    )


def quantise(w: np.ndarray, b: np.ndarray) -> LearnedClassifier:
    scales = np.abs(w).max(axis=0) / 127
    scales[scales == 0] = 1
    q = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    ones = [1.0] * len(CLASSES)
    return LearnedClassifier(q, scales.tolist(), b.tolist(), ones)


def calibrate(model: LearnedClassifier, tuning: list[tuple[str, str, str, float]]) -> dict:
    """Per category, the lowest threshold (0.70…0.995) that at most SPARE_SHARE of the
    calibration's benign prompts reach, counting only those the classifier is asked about
    (long enough, and allowed by the lists); sets them on ``model`` and says what they
    catch there, beyond the lists too, and how well the scores are calibrated on the
    development set."""
    lists = PromptPolicy.from_folder(POLICY)  # the lists alone; the text as they hand it over
    scored = []  # (label, probabilities, source, allowed by the lists)
    for text, label, source, _ in tuning:
        given = lists.classifier_input(text)
        if classifiable(given):  # a prompt too short for the classifier is left to the lists
            p = model.probabilities(given)
            for category in lists.classifier_voided(text):  # as the policy decides
                p[category] = 0.0
            for category in COUNTERFACTUAL:  # it must stand without the pairs' words
                unnamed = lists.classifier_unnamed(text, category)
                if unnamed is not None:
                    p[category] = min(p[category], model.probabilities(unnamed)[category])
            scored.append((label, p, source, lists.check(text).allowed))
    dev = [(label, p) for label, p, source, _ in scored if source == "dev"]
    benign = [p for label, p, _, allowed in scored if label == "benign" and allowed]
    spared = int(SPARE_SHARE * len(benign))
    thresholds = [NEVER]
    for category in CLASSES[1:]:
        worst = sorted((p[category] for p in benign), reverse=True)[spared]
        threshold = round(min(max(FLOOR, worst + 0.005), 0.995), 3)
        thresholds.append(NEVER if category in SCORED_ONLY else threshold)
    model.thresholds = thresholds
    caught, beyond, missed = Counter(), Counter(), Counter()
    for label, p, _, allowed in scored:
        refused = model.check_scores(p) is not None
        caught[label] += refused
        missed[label] += allowed
        beyond[label] += refused and allowed
    totals = Counter(label for label, *_ in scored)
    harmful = sorted(c for c in totals if c != "benign")
    return {
        "thresholds": dict(zip(CLASSES, thresholds, strict=True)),
        "calibration_recall": {c: f"{caught[c]} / {totals[c]}" for c in harmful},
        "calibration_beyond_lists": {c: f"{beyond[c]} / {missed[c]}" for c in harmful},
        "calibration_benign": len(benign),
        "calibration_benign_refused": beyond["benign"],
        "dev": dev_report(model, dev),
    }


def dev_report(model: LearnedClassifier, scored: list[tuple[str, dict[str, float]]]) -> dict:
    """The classifier alone on the development set: what it refuses of each category and
    of the benign prompts at the chosen thresholds, and a reliability table (per bin of
    the top harmful score: prompts, and the share that really is harmful)."""
    caught, totals = Counter(), Counter(label for label, _ in scored)
    bins: dict[str, list[int]] = {f"{a:.1f}-{b:.1f}": [0, 0] for a, b in itertools.pairwise(BINS)}
    for label, p in scored:
        caught[label] += model.check_scores(p) is not None
        top = max(p[c] for c in CLASSES[1:])
        for a, b in itertools.pairwise(BINS):
            if a <= top < b or (b == BINS[-1] and top == b):
                bins[f"{a:.1f}-{b:.1f}"][0] += 1
                bins[f"{a:.1f}-{b:.1f}"][1] += label != "benign"
    return {
        "refused": {c: f"{caught[c]} / {n}" for c, n in sorted(totals.items())},
        "reliability": {k: f"{harmful} harmful of {n}" for k, (n, harmful) in bins.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=POLICY / "classifier")
    parser.add_argument(
        "--calibrate", action="store_true", help="keep the weights, choose the thresholds again"
    )
    parser.add_argument(
        "--extract-diffusiondb",
        type=Path,
        metavar="REFL_DATA_JSON",
        help="write sources/diffusiondb.csv from ImageReward's data/refl_data.json, then stop",
    )
    args = parser.parse_args()
    if args.extract_diffusiondb:
        rows = extract_diffusiondb(args.extract_diffusiondb)
        with (SOURCES / "diffusiondb.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, ["source_id", "prompt"], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"{len(rows)} prompts written to {SOURCES / 'diffusiondb.csv'}")
        return
    examples = load_examples()
    trained = [e for e in examples if e[2] not in CALIBRATION]
    if args.calibrate:
        model = LearnedClassifier.load(args.out)
    else:
        w, b = train(*as_seen(trained))
        model = quantise(w, b)
    summary = calibrate(model, [e for e in examples if e[2] in CALIBRATION])
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    counts = Counter((e[2], e[1]) for e in examples)
    summary["examples"] = {f"{source}/{label}": n for (source, label), n in sorted(counts.items())}
    summary["trained_on"] = len(trained)
    if args.calibrate:  # the weights were trained on the data of their own build: keep its counts
        built = json.loads((args.out / "training.json").read_text("utf-8"))
        calibration = {
            k: n for k, n in summary["examples"].items() if k.split("/")[0] in CALIBRATION
        }
        trained_counts = {
            k: n for k, n in built["examples"].items() if k.split("/")[0] not in CALIBRATION
        }
        summary["examples"] = dict(sorted({**trained_counts, **calibration}.items()))
        summary["trained_on"] = built["trained_on"]
    (args.out / "training.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

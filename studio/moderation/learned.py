"""The built-in learned signal: a hashed character-n-gram linear classifier (numpy).

It reads what the word lists cannot: euphemisms, a word in an inflection no list has,
a sentence that says it without a listed word. It reads the transliterated prompt
(``голая`` and ``golaya`` give the same n-grams), as the policy hands it over. It is
trained at build time by ``python -m studio.moderation.training`` on labelled public
prompt sets, labelled prompts in twelve languages and the project's English lists
(sources, licences and counts: ``data/policy/classifier/README.md``), and ships as a
small weight file (``data/policy/classifier/weights.bin``): int8 weights, one row of
scores per hashed feature, per class a scale. Scoring a prompt sums a few hundred of
those rows (one numpy call, about 0.1 ms); nothing is downloaded, no model framework is
imported.

A prompt is refused when a category's probability reaches that category's threshold,
stored with the weights (chosen at build time on prompts held back from training: at most
one in a thousand of their benign prompts may reach it); the refusal says it was the
classifier and gives the score.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import struct
import zlib
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import numpy as np

from studio.moderation.normalize import WORD, fold

CLASSES = ("benign", "sexual", "violence", "self_harm", "hate", "political")
BUCKETS = 1 << 17  # hashed feature space
NGRAMS = (3, 4, 5)  # character n-grams of each word, padded with spaces
MAGIC = b"IMPC1"
# Too little text for n-gram scores to mean anything: a few words ("anything" scored 0.97
# hate, "just for me" 0.89) are left to the word lists, which read them exactly.
MIN_WORDS, MIN_CHARACTERS = 5, 24


def classifiable(text: str) -> bool:
    """Whether a prompt is long enough for its n-gram scores to mean anything."""
    return len(text.strip()) >= MIN_CHARACTERS or len(WORD.findall(fold(text))) >= MIN_WORDS


def features(text: str) -> list[int]:
    """The hashed features of a prompt (deduplicated): words, word pairs, and character
    n-grams of each word (`` word `` padded), over the folded ASCII text."""
    words = WORD.findall(fold(text, arabic_ha=False))
    found: set[int] = set()
    for word in words:
        found.update(_word_features(word))
    found.update(_bucket(f"b {a} {b}") for a, b in itertools.pairwise(words))
    return sorted(found)


@functools.lru_cache(maxsize=1 << 12)  # the common words: about 4 MB
def _word_features(word: str) -> tuple[int, ...]:
    """One word's buckets (itself and its n-grams), hashed once per word: prompts share
    most of their words, and the hashing was most of a check's time."""
    padded = f" {word} "
    grams = {f"w {word}"}
    for n in NGRAMS:
        grams.update(f"c{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    return tuple({_bucket(gram) for gram in grams})


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode()) % BUCKETS


class LearnedClassifier:
    """Scores prompts with int8 weights; ``check`` turns the scores into a decision."""

    def __init__(
        self,
        weights: np.ndarray,
        scales: list[float],
        bias: list[float],
        thresholds: list[float],
    ) -> None:
        # BUCKETS × len(CLASSES) int8: a prompt's rows are summed by numpy, not a loop
        self.weights = weights.reshape(-1, len(CLASSES))
        self.scales = scales
        self.bias = bias
        self.thresholds = thresholds  # per class (benign's unused)

    @classmethod
    @functools.cache
    def default(cls) -> LearnedClassifier | None:
        """The weights shipped in ``data/policy/classifier`` (None if they are missing)."""
        folder = resources.files("data") / "policy" / "classifier"
        if not (folder / "weights.bin").is_file():
            return None
        return cls.load(folder)

    @classmethod
    def load(cls, folder: Traversable | Path) -> LearnedClassifier:
        raw = zlib.decompress((folder / "weights.bin").read_bytes())
        if not raw.startswith(MAGIC):
            raise ValueError("not a prompt-classifier weight file")
        k = len(CLASSES)
        offset = len(MAGIC)
        header = struct.unpack_from(f"<{3 * k}d", raw, offset)
        offset += struct.calcsize(f"<{3 * k}d")
        weights = np.frombuffer(raw, dtype=np.int8, offset=offset)
        if len(weights) != BUCKETS * k:
            raise ValueError("the weight file does not match BUCKETS × CLASSES")
        scales, bias, thresholds = list(header[:k]), list(header[k : 2 * k]), list(header[2 * k :])
        return cls(weights, scales, bias, thresholds)

    def save(self, folder: Path) -> None:
        header = struct.pack(f"<{3 * len(CLASSES)}d", *self.scales, *self.bias, *self.thresholds)
        blob = MAGIC + header + self.weights.tobytes()
        (folder / "weights.bin").write_bytes(zlib.compress(blob, 9))

    def probabilities(self, text: str) -> dict[str, float]:
        """Each class's probability (softmax of the linear scores)."""
        found = features(text)
        k = len(CLASSES)
        sums = self.weights[found].sum(axis=0, dtype=np.int64).tolist() if found else [0] * k
        norm = 1 / math.sqrt(len(found)) if found else 0.0
        scores = [self.bias[c] + sums[c] * self.scales[c] * norm for c in range(k)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {name: e / total for name, e in zip(CLASSES, exps, strict=True)}

    def threshold(self, category: str) -> float:
        return self.thresholds[CLASSES.index(category)]

    def check_scores(self, probabilities: dict[str, float]) -> tuple[float, str] | None:
        """The strongest category at or over its threshold, as (score, category)."""
        over = [
            (p, c)
            for (c, p), t in zip(probabilities.items(), self.thresholds, strict=True)
            if c != "benign" and p >= t
        ]
        return max(over) if over else None

    def check(self, text: str):  # -> PromptDecision (imported late: prompts imports us)
        from studio.moderation.prompts import ALLOWED, PromptDecision

        if not classifiable(text):
            return ALLOWED
        found = self.check_scores(self.probabilities(text))
        if found is None:
            return ALLOWED
        score, category = found
        return PromptDecision(False, category, f"score {score:.2f}", source="classifier")


def describe(folder: Traversable | Path) -> dict[str, object]:
    """The training summary stored beside the weights (sources, counts, threshold)."""
    return json.loads((folder / "training.json").read_text("utf-8"))

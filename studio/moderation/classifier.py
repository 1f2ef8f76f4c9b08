"""The optional learned layer: a text-classification model consulted after the term lists.

Off by default. An operator who can download a model once sets ``PROMPT_CLASSIFIER`` to a
Hugging Face hub id or a local folder (a ``transformers`` sequence-classification model
and its tokenizer) and ``PROMPT_CLASSIFIER_THRESHOLD``. A prompt the lists allow is then
given to the model; if any label that is not a "safe" label scores at or above the
threshold, the prompt is blocked under the category the label names (``nsfw`` → sexual,
``toxic``/``hate`` → hate, ``violence`` → violence, ``self-harm`` → self_harm; any other
label → "classifier").

The bot process otherwise never imports torch: this module imports ``transformers`` (and
with it torch) only when the first prompt is classified, so a bot without
``PROMPT_CLASSIFIER`` stays as small and fast to start as before. The model runs on the
CPU in a worker thread (:meth:`PromptClassifier.check_async`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from typing import Any

from data.settings import SettingsError
from studio.moderation.prompts import ALLOWED, PromptDecision

SAFE_LABELS = frozenset(
    {"safe", "sfw", "neutral", "normal", "ok", "clean", "non-toxic", "nontoxic", "not toxic",
     "non_toxic", "none", "label_0", "negative", "benign", "acceptable"}
)  # fmt: skip
CATEGORY_WORDS = (  # the first that a label contains names its category
    ("self", "self_harm"),
    ("suicid", "self_harm"),
    ("sex", "sexual"),
    ("nsfw", "sexual"),
    ("porn", "sexual"),
    ("nud", "sexual"),
    ("explicit", "sexual"),
    ("hate", "hate"),
    ("toxic", "hate"),
    ("insult", "hate"),
    ("identity", "hate"),
    ("violen", "violence"),
    ("gore", "violence"),
    ("threat", "violence"),
    ("politic", "political"),
)
MAX_TOKENS = 256  # long prompts are cut; the lists have read all of it already


def category_of(label: str) -> str:
    lowered = label.lower()
    return next((category for word, category in CATEGORY_WORDS if word in lowered), "classifier")


class PromptClassifier:
    """Loads the model on first use and shares it between threads (one at a time)."""

    def __init__(self, model: str, threshold: float = 0.8) -> None:
        if importlib.util.find_spec("transformers") is None:  # found, not imported
            raise SettingsError(
                "Configuration error: PROMPT_CLASSIFIER needs transformers and torch in the"
                " bot's environment: pip install -c constraints.txt '.[worker]'"
                f" (or unset PROMPT_CLASSIFIER); got {model!r}."
            )
        self.model = model
        self.threshold = threshold
        self._pipeline: Any = None
        self._lock = threading.Lock()

    def scores(self, text: str) -> dict[str, float]:
        """Every label's score for one prompt."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = _load(self.model)
            results = self._pipeline(text, top_k=None, truncation=True, max_length=MAX_TOKENS)
        if results and isinstance(results[0], list):  # some versions nest one level more
            results = results[0]
        return {r["label"]: float(r["score"]) for r in results}

    def check(self, text: str) -> PromptDecision:
        """Blocked when an unsafe label reaches the threshold (the strongest one names it)."""
        unsafe = [
            (score, label)
            for label, score in self.scores(text).items()
            if label.lower() not in SAFE_LABELS and score >= self.threshold
        ]
        if not unsafe:
            return ALLOWED
        score, label = max(unsafe)
        return PromptDecision(False, category_of(label), f"{label} {score:.2f}", source="model")

    async def check_async(self, text: str) -> PromptDecision:
        """The same check in a worker thread: the event loop keeps answering Discord."""
        return await asyncio.to_thread(self.check, text)


def _load(model: str) -> Any:
    """A transformers text-classification pipeline on the CPU (imported here, not above),
    on one torch thread: one short prompt gains little from more, and the event loop and
    the image checks keep the other cores."""
    import torch
    from transformers import pipeline

    torch.set_num_threads(1)
    return pipeline("text-classification", model=model, tokenizer=model, device="cpu")

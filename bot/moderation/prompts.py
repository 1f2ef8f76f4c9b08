"""The prompt policy: DALL·E 2's categories, matched on whole words after normalisation.

Term lists are data files (``data/policy/<category>.txt``, one term a line, ``#`` comments).
A term is a word or phrase; ``*`` at its end matches any ending (``behead*``), otherwise a
plural ``s``/``es`` is accepted. ``allowed.txt`` lists contexts that make a term harmless
("shooting star", "bloody mary"): a match that lies inside an allowed phrase is ignored.
Servers add their own blocked and allowed terms on top.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from bot.moderation.normalize import View, canonical, views

# Checked in this order; the first category that matches names the decision.
CATEGORIES = ("custom", "sexual", "self_harm", "hate", "violence", "political", "public_figures")
LABELS = {
    "custom": "a term this server blocks",
    "sexual": "sexual content",
    "self_harm": "self-harm",
    "hate": "hate",
    "violence": "violence or gore",
    "political": "political content",
    "public_figures": "a public figure",
    "faces": "a realistic human face",  # uploads only
}
MIN_RUN_TERM = 3  # "s e x" is read as a word for terms this long


@dataclass(frozen=True)
class PromptDecision:
    allowed: bool
    category: str | None = None
    term: str | None = None

    @property
    def label(self) -> str:
        return LABELS.get(self.category or "", self.category or "")

    def as_dict(self) -> dict[str, object]:
        return {"allowed": self.allowed, "category": self.category, "term": self.term}


ALLOWED = PromptDecision(True)


@dataclass(frozen=True)
class _Term:
    term: str  # as the list spells it, for the user and the mod log
    pattern: re.Pattern[str]
    run_text: str | None  # single words, looked for inside joined letter runs


def _compile(term: str) -> _Term | None:
    wildcard = term.rstrip().endswith("*")
    words = canonical(term).split()
    if not words:
        return None
    body = " ".join(re.escape(w) for w in words)
    suffix = r"[a-z0-9]*" if wildcard else r"(?:s|es)?"
    pattern = re.compile(rf"(?<![a-z0-9]){body}{suffix}(?![a-z0-9])")
    run_text = words[0] if len(words) == 1 and len(words[0]) >= MIN_RUN_TERM else None
    return _Term(term.strip().rstrip("*").strip(), pattern, run_text)


def _compile_all(terms: Iterable[str]) -> list[_Term]:
    return [t for t in (_compile(term) for term in terms) if t is not None]


class PromptPolicy:
    """Decides whether a prompt may be drawn; the same object serves the bot and the CLI."""

    def __init__(self, lists: dict[str, list[str]], allowed: list[str]) -> None:
        self._lists = {category: _compile_all(terms) for category, terms in lists.items()}
        self._allowed = _compile_all(allowed)

    @classmethod
    @functools.cache
    def default(cls) -> PromptPolicy:
        """The policy shipped in ``data/policy`` (read once per process)."""
        return cls.from_folder(resources.files("data") / "policy")

    @classmethod
    def from_folder(cls, folder) -> PromptPolicy:
        """The lists in a folder laid out like ``data/policy``."""
        lists = {
            category: _read_terms(folder / f"{category}.txt")
            for category in CATEGORIES
            if category != "custom"
        }
        return cls(lists, _read_terms(folder / "allowed.txt"))

    def check(
        self, text: str, *, blocked: Iterable[str] = (), allowed: Iterable[str] = ()
    ) -> PromptDecision:
        """The first blocked term found outside an allowed context, or ALLOWED."""
        readings = views(text)
        extra_allowed = _compile_all(allowed)
        lists = {"custom": _compile_all(blocked), **self._lists}
        for category in CATEGORIES:
            for reading in readings:
                spans = _spans(reading.text, [*self._allowed, *extra_allowed])
                term = _find(reading, lists.get(category, []), spans)
                if term is not None:
                    return PromptDecision(False, category, term)
        return ALLOWED

    def terms(self, category: str) -> list[str]:
        return [t.term for t in self._lists.get(category, [])]


def _spans(text: str, allowed: list[_Term]) -> list[tuple[int, int]]:
    return [m.span() for term in allowed for m in term.pattern.finditer(text)]


def _find(reading: View, terms: list[_Term], allowed: list[tuple[int, int]]) -> str | None:
    for term in terms:
        for match in term.pattern.finditer(reading.text):
            start, end = match.span()
            if not any(a <= start and end <= b for a, b in allowed):
                return term.term
        if term.run_text and any(term.run_text in run for run in reading.runs):
            return term.term
    return None


def _read_terms(resource) -> list[str]:
    lines = resource.read_text("utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]

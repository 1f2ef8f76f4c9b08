"""The prompt policy: DALL·E 2's categories, matched on whole words after normalisation.

Term lists are data files (``data/policy/<category>.txt``, one entry a line, ``#``
comments; see ``data/policy/README.md``). An entry is a word or phrase and its other
spellings, ``|``-separated (``adolf hitler | hitler``); ``*`` at the end of a spelling
matches any ending (``behead*``), otherwise a plural ``s``/``es`` is accepted.
``data/policy/people/*.txt`` is the public-figures gazetteer: names, matched also run
together, run into the next word, one typo away, or after an office title the file names
(``#! titles: president, senator``). ``allowed.txt`` lists contexts that make a term
harmless ("shooting star", "bloody mary"): a match that lies inside an allowed phrase is
ignored. Servers add their own blocked and allowed terms on top. Matching is a set of dict
look-ups per prompt (:mod:`bot.moderation.phrases`), so list size barely changes its cost.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from studio.moderation.normalize import canonical, views
from studio.moderation.phrases import Match, Phrase, PhraseIndex

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
    "classifier": "the prompt classifier",  # PROMPT_CLASSIFIER, a label with no category
}
TITLE_DIRECTIVE = "#! titles:"
PEOPLE = "people"  # the gazetteer's folder, all of it public_figures


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


class PromptPolicy:
    """Decides whether a prompt may be drawn; the same object serves the bot and the CLI."""

    def __init__(
        self,
        lists: dict[str, list[str]],
        allowed: list[str],
        people: Iterable[tuple[str, list[str]]] = (),
    ) -> None:
        """``lists``: entry lines per category; ``allowed``: entry lines of harmless
        contexts; ``people``: (titles, entry lines) per gazetteer file."""
        phrases = [p for c, lines in lists.items() for p in parse_entries(lines, c)]
        for titles, lines in people:
            phrases += parse_entries(lines, "public_figures", person=True, titles=titles)
        self._index = PhraseIndex(phrases)
        self._allowed = PhraseIndex(parse_entries(allowed, "allowed"))
        self._terms: dict[str, list[str]] = {}
        for phrase in phrases:
            listed = self._terms.setdefault(phrase.category, [])
            if not listed or listed[-1] != phrase.term:
                listed.append(phrase.term)

    @classmethod
    @functools.cache
    def default(cls) -> PromptPolicy:
        """The policy shipped in ``data/policy`` (read once per process)."""
        return cls.from_folder(resources.files("data") / "policy")

    @classmethod
    def from_folder(cls, folder: Traversable | Path) -> PromptPolicy:
        """The lists in a folder laid out like ``data/policy``."""
        folder = Path(str(folder)) if isinstance(folder, str) else folder
        lists = {
            category: read_lines(folder / f"{category}.txt")
            for category in CATEGORIES
            if category != "custom" and (folder / f"{category}.txt").is_file()
        }
        people = []
        if (folder / PEOPLE).is_dir():
            for file in sorted((folder / PEOPLE).iterdir(), key=lambda f: f.name):
                if file.name.endswith(".txt"):
                    lines = file.read_text("utf-8").splitlines()
                    people.append((_titles(lines), read_lines(file)))
        return cls(lists, read_lines(folder / "allowed.txt"), people)

    def check(
        self, text: str, *, blocked: Iterable[str] = (), allowed: Iterable[str] = ()
    ) -> PromptDecision:
        """The first blocked term found outside an allowed context, or ALLOWED.

        Categories are tried in :data:`CATEGORIES` order (the server's own terms first),
        every reading of the prompt (:func:`~bot.moderation.normalize.views`) in each."""
        custom = _index(tuple(blocked), "custom")
        extra_allowed = _index(tuple(allowed), "allowed")
        best: dict[str, str] = {}
        for number, reading in enumerate(views(text)):
            spans = [
                (m.start, m.end)
                for index in (self._allowed, extra_allowed)
                for m in index.matches(reading)
            ]
            for index in (custom, self._index):
                for match in index.matches(reading, near=number == 0):
                    if not _inside(match, spans):
                        best.setdefault(match.phrase.category, match.phrase.term)
            if "custom" in best:
                break
        for category in CATEGORIES:
            if category in best:
                return PromptDecision(False, category, best[category])
        return ALLOWED

    def terms(self, category: str) -> list[str]:
        """The entries of one category, as the lists name them (first spelling)."""
        return list(self._terms.get(category, []))


def parse_entries(
    lines: Iterable[str], category: str, *, person: bool = False, titles: Iterable[str] = ()
) -> list[Phrase]:
    """Entry lines (``name | other spelling | prefix*``) as phrases named by their first
    spelling. A person's entry also gets "<title> <surname>" for each title."""
    titles = [canonical(t) for t in titles if canonical(t)]
    phrases = []
    for line in lines:
        spellings = [s.strip() for s in line.split("|") if s.strip()]
        if not spellings:
            continue
        term = spellings[0].rstrip("*").strip()
        words_seen = set()
        for spelling in spellings:
            words = tuple(canonical(spelling.rstrip("*")).split())
            if words and words not in words_seen:
                words_seen.add(words)
                wildcard = spelling.endswith("*")
                phrases.append(Phrase(term, category, words, wildcard, person))
        full = tuple(canonical(term).split())
        titled = bool(full) and full[0] in titles  # "crown princess victoria" already is
        if titles and not titled and len(full) >= 2 and len(full[-1]) >= 4:
            for title in titles:
                words = (*title.split(), full[-1])
                if words not in words_seen:
                    phrases.append(Phrase(term, category, words, False, False))
    return phrases


@functools.lru_cache(maxsize=256)
def _index(lines: tuple[str, ...], category: str) -> PhraseIndex:
    """A server's own terms, indexed once per distinct list (lists change rarely)."""
    return PhraseIndex(parse_entries(lines, category))


def _inside(match: Match, spans: list[tuple[int, int]]) -> bool:
    return match.start >= 0 and any(a <= match.start and match.end <= b for a, b in spans)


def _titles(lines: list[str]) -> list[str]:
    for line in lines:
        if line.startswith(TITLE_DIRECTIVE):
            return [t.strip() for t in line[len(TITLE_DIRECTIVE) :].split(",") if t.strip()]
    return []


def read_lines(resource: Traversable | Path) -> list[str]:
    """A list file's entry lines: comments (``#`` to the end of the line) and blanks dropped."""
    lines = resource.read_text("utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]

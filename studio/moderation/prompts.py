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
look-ups per prompt (:mod:`studio.moderation.phrases`), so list size barely changes its cost.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from studio.errors import BadParameter
from studio.moderation.normalize import View, canonical, views
from studio.moderation.pairs import Pair, PairRules, UnspacedPair, UnspacedPairRules, read_pairs
from studio.moderation.phrases import Match, Phrase, PhraseIndex
from studio.moderation.scripts import (
    UNSPACED,
    Found,
    NameSkeletons,
    SubstringIndex,
    has_unspaced,
    normalise,
    script_of,
    unread_script,
)
from studio.parameters import Parameters, read_parameters

if TYPE_CHECKING:
    from studio.moderation.learned import LearnedClassifier

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
    "script": "a script the content policy cannot read yet",
}
TITLE_DIRECTIVE = "#! titles:"
PEOPLE = "people"  # the gazetteer's folder, all of it public_figures
PAIRS = "pairs"  # two everyday words that together make a category: a file per category
NEGATIVE = "negative.txt"  # what a negative prompt may not ask to avoid, and may
LANGUAGES = "languages"  # lexicons of other languages, one file each, [category] sections
ALLOWED_SECTION = "allowed"
# An allowed line written "~ bloody nose": harmless for the lists, still read by the pairs
# ("a boxer with a bloody nose" passes; "a crying boy with a bloody nose" is an injury
# pair: what violence leaves on a person).
LISTS_ONLY = "~"
LISTS_ONLY_CATEGORY = "allowed_lists"
SECTION = re.compile(r"^\[([a-z_]+)(?: [a-z]+)?\]$")


@dataclass(frozen=True)
class PromptDecision:
    """``source`` says what refused: ``list`` (a listed term, named by ``term``),
    ``classifier`` (the built-in learned signal; ``term`` is its score) or ``model``
    (``PROMPT_CLASSIFIER``)."""

    allowed: bool
    category: str | None = None
    term: str | None = None
    source: str = "list"

    @property
    def label(self) -> str:
        return LABELS.get(self.category or "", self.category or "")

    @property
    def reason(self) -> str:
        """Why it was refused, as users and moderators are told: the category and the
        matched term, or which classifier and its score."""
        if self.source == "classifier":
            return f"{self.label}, by the built-in classifier ({self.term})"
        if self.source == "model":
            return f"{self.label}, by the prompt classifier model ({self.term})"
        if self.source == "script":
            return f"words in the {self.term} script, which the content policy cannot read yet"
        return f"{self.label} (“{self.term}”)"

    def as_dict(self) -> dict[str, object]:
        return {"allowed": self.allowed, "category": self.category, "term": self.term}


ALLOWED = PromptDecision(True)

NO_SUBSTRINGS = SubstringIndex(())
NO_PHRASES = PhraseIndex(())


@dataclass(frozen=True)
class Reading:
    """One reading of a prompt with the word spans its allowed contexts cover: ``spans``
    for the word lists, ``pair_spans`` for the pairs (without the lists-only contexts,
    "~ bloody nose", which the pairs still read)."""

    view: View
    spans: list[tuple[int, int]]
    pair_spans: list[tuple[int, int]]


class PromptPolicy:
    """Decides whether a prompt may be drawn; the same object serves the bot and the CLI."""

    def __init__(
        self,
        lists: dict[str, list[str]],
        allowed: list[str],
        people: Iterable[tuple[str, list[str]]] = (),
        lexicons: Iterable[tuple[str, list[str]]] = (),
        classifier: LearnedClassifier | None = None,
        pairs: Iterable[Pair | UnspacedPair] = (),
    ) -> None:
        """``lists``: entry lines per category; ``allowed``: entry lines of harmless
        contexts; ``people``: (titles, entry lines) per gazetteer file; ``lexicons``:
        (category or ``allowed``, entry lines) per section of the language files (every
        spelling is its own entry, named by itself: "desnuda", "голая", "裸体");
        ``classifier``: the learned signal consulted when no term matched; ``pairs``: two
        everyday words that together make a category (:mod:`studio.moderation.pairs`)."""
        phrases = [p for c, lines in lists.items() for p in parse_entries(lines, c)]
        for titles, lines in people:
            phrases += parse_entries(lines, "public_figures", person=True, titles=titles)
        self._names = NameSkeletons((p.term, p.words) for p in phrases if p.person)
        allowed = list(allowed)
        unspaced: list[tuple[str, str, str]] = []
        unspaced_allowed: list[tuple[str, str, str]] = []
        scripted: dict[str, list[str]] = {}  # script → entry lines, "category\tline"
        foreign: list[Phrase] = []  # Latin-script lexicon entries, after the English lists
        for category, lines in lexicons:  # each spelling its own entry: it names itself
            for line in (x.strip() for entry in lines for x in entry.split("|") if x.strip()):
                script = _script_of_entry(line)
                if script in UNSPACED:
                    into = unspaced_allowed if category == ALLOWED_SECTION else unspaced
                    into.append((line, category, line))
                elif script == "LATIN":
                    if category == ALLOWED_SECTION:
                        allowed.append(line)
                    else:
                        foreign += parse_entries([line], category)
                else:
                    scripted.setdefault(script, []).append(f"{category}\t{line}")
        self._index = PhraseIndex(phrases)
        self._foreign = PhraseIndex(foreign)
        plain = [line for line in allowed if not line.startswith(LISTS_ONLY)]
        lists_only = [line[len(LISTS_ONLY) :] for line in allowed if line.startswith(LISTS_ONLY)]
        self._allowed = PhraseIndex(
            parse_entries(plain, "allowed") + parse_entries(lists_only, LISTS_ONLY_CATEGORY)
        )
        self._unspaced = SubstringIndex(unspaced)
        self._unspaced_allowed = SubstringIndex(unspaced_allowed)
        self._scripted = {
            script: (
                PhraseIndex(_section_phrases(entries, allowed=False), plural=False),
                PhraseIndex(_section_phrases(entries, allowed=True), plural=False),
            )
            for script, entries in scripted.items()
        }
        self.classifier = classifier
        self.pairs = tuple(pairs)
        word_pairs = [p for p in self.pairs if isinstance(p, Pair)]
        self._pair_rules = PairRules(p for p in word_pairs if p.script is None)
        self._script_pairs = {  # read in the words of their script only, as the lexicons
            script: PairRules(p for p in word_pairs if p.script == script)
            for script in {p.script for p in word_pairs if p.script is not None}
        }
        self._unspaced_pairs = UnspacedPairRules(
            p for p in self.pairs if isinstance(p, UnspacedPair)
        )
        self._scripts = [
            *self._scripted,
            *(s for s in self._script_pairs if s not in self._scripted),
        ]
        self.negative_blocked: list[str] = []
        self.negative_allowed: list[str] = []
        self._terms: dict[str, list[str]] = {}
        for phrase in phrases:
            listed = self._terms.setdefault(phrase.category, [])
            if not listed or listed[-1] != phrase.term:
                listed.append(phrase.term)

    @classmethod
    @functools.cache
    def default(cls) -> PromptPolicy:
        """The policy shipped in ``data/policy``, with the learned classifier built from
        the weights shipped beside it (read once per process)."""
        from studio.moderation.learned import LearnedClassifier

        folder = resources.files("data") / "policy"
        return cls.from_folder(folder, classifier=LearnedClassifier.default())

    @classmethod
    def from_folder(
        cls, folder: Traversable | Path, classifier: LearnedClassifier | None = None
    ) -> PromptPolicy:
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
        lexicons: list[tuple[str, list[str]]] = []
        if (folder / LANGUAGES).is_dir():
            for file in sorted((folder / LANGUAGES).iterdir(), key=lambda f: f.name):
                if file.name.endswith(".txt"):
                    lexicons += read_sections(file)
        pairs = []
        if (folder / PAIRS).is_dir():  # each file read alone: a "^" names its own sections
            for file in sorted((folder / PAIRS).iterdir(), key=lambda f: f.name):
                if file.name.endswith(".txt"):
                    pairs += read_pairs(read_sections(file), parse_entries)
        allowed = read_lines(folder / "allowed.txt")
        policy = cls(lists, allowed, people, lexicons, classifier, pairs)
        if (folder / NEGATIVE).is_file():
            for section, lines in read_sections(folder / NEGATIVE):
                if section == ALLOWED_SECTION:
                    policy.negative_allowed += lines
                else:
                    policy.negative_blocked += lines
        return policy

    def check(
        self, text: str, *, blocked: Iterable[str] = (), allowed: Iterable[str] = ()
    ) -> PromptDecision:
        """The first blocked term found outside an allowed context, or ALLOWED.

        Categories are tried in :data:`CATEGORIES` order (the server's own terms first),
        every reading of the prompt (:func:`~studio.moderation.normalize.views`) in each.
        A prompt's Midjourney parameters are read as the studio reads them
        (:mod:`studio.parameters`): the text before them as the prompt, ``--no``'s words
        as a negative prompt (avoiding "gore" is no request for it; avoiding clothes is)."""
        read = _parameters(text)
        decision = self._check_prompt(read.prompt, blocked, allowed)
        if decision.allowed and read.negative:
            return self.check_negative(read.negative, blocked=blocked, allowed=allowed)
        return decision

    def _check_prompt(
        self, text: str, blocked: Iterable[str], allowed: Iterable[str]
    ) -> PromptDecision:
        blocked, allowed = tuple(blocked), tuple(allowed)
        custom = _index(_spaced(blocked), "custom")
        extra_allowed = _index(_spaced(allowed), "allowed")
        server = ServerSubstrings(_substrings(blocked, "custom"), _substrings(allowed, "allowed"))
        best: dict[str, str] = {}
        if has_unspaced(text):  # the server's own terms in Chinese or Japanese, first
            for found in self._outside_allowed(text, server.blocked, server.allowed):
                best.setdefault("custom", found.term)
        readings = self._readings(text, extra_allowed)
        for number, reading in enumerate(readings):
            _add(custom.matches(reading.view, near=number == 0), reading.spans, best)
            if "custom" in best:
                break
        if "custom" not in best:
            self._lists_and_pairs(text, readings, extra_allowed, best)
            self._other_scripts(text, best, extra_allowed, server.allowed)  # as written: "голая"
            self._latin_lexicons(text, readings, extra_allowed, best)
        for category in CATEGORIES:
            if category in best:
                return PromptDecision(False, category, best[category])
        script = unread_script(text)
        if script is not None:
            return PromptDecision(False, "script", script.title(), source="script")
        if self.classifier is not None:
            if has_unspaced(text):
                return self.classifier.check(
                    self._without_allowed(text, extra_allowed, server.allowed)
                )
            first = readings[0]
            decision = self.classifier.check(_remove(first.view, first.spans))
            # a refusal only: is it in a category a benign context voids (a barber, a sport)?
            if decision.allowed or decision.category not in self._pair_rules.voided(first.view):
                return self._named_alone(decision, first)
            return ALLOWED
        return ALLOWED

    def _readings(self, text: str, extra_allowed: PhraseIndex) -> list[Reading]:
        """Every reading of the text (:func:`~studio.moderation.normalize.views`) with the
        spans an allowed context covers (shipped, or the server's)."""
        readings = []
        for view in views(text):
            found = [m for index in (self._allowed, extra_allowed) for m in index.matches(view)]
            spans = [(m.start, m.end) for m in found]
            pair_spans = [
                (m.start, m.end) for m in found if m.phrase.category != LISTS_ONLY_CATEGORY
            ]
            readings.append(Reading(view, spans, pair_spans))
        return readings

    def _lists_and_pairs(
        self, text: str, readings: list[Reading], extra_allowed: PhraseIndex, best: dict[str, str]
    ) -> None:
        """The English lists, the gazetteer and the pairs, added to ``best``.

        The lists do not read words written in Devanagari: transliterated, they make
        English words by chance ("चूम", kiss, is "cum"); hi.txt reads them. The gazetteer
        still does (its one-word names are not read by sound: "मोदी"), and so do a server's
        own terms (:meth:`check`)."""
        own = _outside_scripts(text, LEXICON_ONLY)
        if own is not None:
            for number, reading in enumerate(readings):
                matches = self._index.matches(reading.view, near=number == 0)
                names = (m for m in matches if m.phrase.category == "public_figures")
                _add(names, reading.spans, best)
            readings = self._readings(own, extra_allowed)
        for number, reading in enumerate(readings):
            _add(self._index.matches(reading.view, near=number == 0), reading.spans, best)
            self._pair_rules.find(reading.view, reading.pair_spans, best)

    def _named_alone(self, decision: PromptDecision, reading: Reading) -> PromptDecision:
        """A hate refusal stands only if the prompt still scores hate with the words its
        pairs name taken out (a people, its dress, vermin): the classifier read "an orthodox
        Jewish man with a kippah buying bread" as hate (0.95) for naming him; a people is
        never refused for being named. What the pairs' words say together, the pairs read."""
        if decision.allowed or decision.category not in COUNTERFACTUAL:
            return decision
        assert self.classifier is not None and decision.category is not None
        category = decision.category
        score = self.classifier.probabilities(self._unnamed(reading, category))[category]
        return decision if score >= self.classifier.threshold(category) else ALLOWED

    def _unnamed(self, reading: Reading, category: str) -> str:
        """The reading as the classifier reads it, less the words ``category``'s pairs name."""
        return _remove(reading.view, reading.spans + self._pair_rules.named(reading.view, category))

    def classifier_unnamed(self, text: str, category: str) -> str | None:
        """What the classifier reads of a prompt with the words of ``category``'s pairs
        taken out as well (:meth:`_named_alone`), or None where that category is not read
        so (the threshold is chosen on the lower of the two scores)."""
        text = _parameters(text).prompt
        if category not in COUNTERFACTUAL or has_unspaced(text):
            return None
        return self._unnamed(self._readings(text, _index((), "allowed"))[0], category)

    def classifier_voided(self, text: str) -> set[str]:
        """The categories the classifier may not refuse a prompt in: those whose pairs a
        benign context in it voids (the threshold is chosen as :meth:`check` decides)."""
        text = _parameters(text).prompt
        if has_unspaced(text):
            return set()
        return self._pair_rules.voided(views(text)[0])

    def classifier_input(self, text: str) -> str:
        """What the classifier reads of a prompt: folded, the allowed contexts taken out
        (the threshold is chosen on this, as :meth:`check` scores it)."""
        return self._without_allowed(_parameters(text).prompt, _index((), "allowed"))

    def check_negative(
        self, text: str, *, blocked: Iterable[str] = (), allowed: Iterable[str] = ()
    ) -> PromptDecision:
        """A negative prompt: the same policy, plus ``negative.txt``: avoiding clothing is
        asking for nudity (refused as sexual), and avoiding what the policy forbids
        ("nsfw, gore") is the usual safe use (allowed there)."""
        avoid = _index(tuple(self.negative_blocked), "sexual")
        for reading in views(text):
            for match in avoid.matches(reading):
                return PromptDecision(False, "sexual", f"no {match.phrase.term}")
        return self._check_prompt(text, blocked, [*self.negative_allowed, *allowed])

    def _other_scripts(
        self,
        text: str,
        best: dict[str, str],
        extra_allowed: PhraseIndex,
        extra_unspaced: SubstringIndex,
    ) -> None:
        """Terms of the language lexicons written in other scripts, and names written by
        their sound (:mod:`studio.moderation.scripts`), added to ``best``; the server's
        allowed phrases (``extra_*``, from ``/mod allow``) override them as they do the
        English lists."""
        for term in self._names.matches(text):  # first: a full name is shown as the gazetteer's
            best.setdefault("public_figures", term)
            break
        if has_unspaced(text):
            plain = normalise(text)
            spans = self._unspaced_spans(plain, extra_unspaced)
            for found in self._unspaced.matches(plain):
                if not found.within(spans):
                    best.setdefault(found.category, found.term)
            self._unspaced_pairs.find(plain, spans, best)
        for script in self._scripts:
            only = _in_script(text, script)
            if only is None:
                continue
            index, allowed = self._scripted.get(script, (NO_PHRASES, NO_PHRASES))
            pairs = self._script_pairs.get(script)
            for reading in views(only):
                spans = [
                    (m.start, m.end) for i in (allowed, extra_allowed) for m in i.matches(reading)
                ]
                for match in index.matches(reading):
                    if not match.within(spans):
                        best.setdefault(match.phrase.category, match.phrase.term)
                if pairs is not None:
                    pairs.find(reading, spans, best)

    def _latin_lexicons(
        self, text: str, readings: list[Reading], extra_allowed: PhraseIndex, best: dict[str, str]
    ) -> None:
        """Terms of the other languages written in Latin letters ("desnuda", "golaya"),
        looked for in the prompt's Latin words only: a Japanese or Arabic word
        transliterated is not a Turkish or Polish one ("シャールク・カーン" is no "kan")."""
        latin = _in_script(text, "LATIN")
        if latin is None:
            return
        if latin != text:
            readings = self._readings(latin, extra_allowed)
        for reading in readings:
            _add(self._foreign.matches(reading.view), reading.spans, best)

    def _outside_allowed(
        self, text: str, terms: SubstringIndex, extra_allowed: SubstringIndex
    ) -> list[Found]:
        """The terms found as substrings of a Chinese or Japanese prompt that no allowed
        context (shipped, or the server's) covers."""
        spans = self._unspaced_spans(text, extra_allowed)
        return [found for found in terms.matches(text) if not found.within(spans)]

    def _unspaced_spans(self, text: str, extra_allowed: SubstringIndex) -> list[tuple[int, int]]:
        """Where an allowed context (shipped, or the server's) stands in a Chinese or
        Japanese prompt, as offsets in the normalised text."""
        return [
            (f.start, f.end)
            for i in (self._unspaced_allowed, extra_allowed)
            for f in i.matches(text)
        ]

    def _without_allowed(
        self,
        text: str,
        extra_allowed: PhraseIndex,
        extra_unspaced: SubstringIndex = NO_SUBSTRINGS,
    ) -> str:
        """The prompt as the classifier reads it: folded, with every allowed context
        (the shipped ones and the server's ``/mod allow`` phrases) taken out."""
        if has_unspaced(text):  # 裸色 is allowed: the classifier must not read it either
            text = normalise(text)
            hidden = set()
            for index in (self._unspaced_allowed, extra_unspaced):
                for found in index.matches(text):
                    hidden.update(range(found.start, found.end))
            text = "".join(" " if i in hidden else ch for i, ch in enumerate(text))
        reading = views(text)[0]
        indexes = (self._allowed, extra_allowed)
        spans = [(m.start, m.end) for index in indexes for m in index.matches(reading)]
        return _remove(reading, spans)

    def without_classifier(self) -> PromptPolicy:
        """The same lists without the learned signal (measuring the lists alone), the
        negative prompt's lists (``negative.txt``) included."""
        policy = copy.copy(self)  # the indexes are never changed once built: shared
        policy.classifier = None
        return policy

    def terms(self, category: str) -> list[str]:
        """The entries of one category, as the lists name them (first spelling)."""
        return list(self._terms.get(category, []))


# The categories a classifier refusal in must stand without the words the category's pairs
# name (:meth:`PromptPolicy._named_alone`)
COUNTERFACTUAL = frozenset({"hate"})


def _parameters(text: str) -> Parameters:
    """A prompt's Midjourney parameters as the studio reads them; one the studio refuses
    (an unknown ``--name`` after a known one) leaves the text to be read as written."""
    try:
        return read_parameters(text)
    except BadParameter:
        return Parameters(text)


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


@dataclass(frozen=True)
class ServerSubstrings:
    """A server's own blocked and allowed terms written in Chinese or Japanese."""

    blocked: SubstringIndex
    allowed: SubstringIndex


def _spaced(terms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in terms if not has_unspaced(t))


@functools.lru_cache(maxsize=256)
def _substrings(terms: tuple[str, ...], category: str) -> SubstringIndex:
    """A server's terms written in a script without spaces (``/mod allow 裸体``): found
    as substrings, like the Chinese and Japanese lexicons, not as folded words (anyascii
    runs a whole Han phrase into one romanised word, which no term would ever match)."""
    entries = [(t.rstrip("*"), category, t.rstrip("*")) for t in terms if has_unspaced(t)]
    return SubstringIndex(entries)


def _add(matches: Iterable[Match], spans: list[tuple[int, int]], best: dict[str, str]) -> None:
    """Each match outside the allowed spans, as its category's first term in ``best``."""
    for match in matches:
        if not match.within(spans):
            best.setdefault(match.phrase.category, match.phrase.term)


def _remove(reading: View, spans: list[tuple[int, int]]) -> str:
    """A reading's words without those the spans cover."""
    words = list(reading.words)
    for start, end in spans:
        for i in range(max(start, 0), end):
            words[i] = ""
    return " ".join(w for w in words if w)


def _script_of_entry(line: str) -> str:
    """The script an entry is written in: its first letter's (CJK and kana count as one)."""
    for ch in line:
        script = script_of(ch)
        if script is not None:
            return script
    return "LATIN"


def _section_phrases(entries: list[str], *, allowed: bool) -> list[Phrase]:
    phrases = []
    for entry in entries:
        category, line = entry.split("\t", 1)
        if (category == ALLOWED_SECTION) == allowed:
            phrases += parse_entries([line], category)
    return phrases


# Scripts whose words only their own lexicon reads, not the English lists (fifteenth round).
LEXICON_ONLY = frozenset({"DEVANAGARI"})


def _outside_scripts(text: str, scripts: frozenset[str]) -> str | None:
    """The prompt with every word that has a letter of ``scripts`` made a clause break;
    None when it has none (the prompt is read as it is)."""
    if text.isascii():
        return None
    out, changed = [], False
    for token in text.split():
        if any(script_of(ch) in scripts for ch in token):
            out.append(",")
            changed = True
        else:
            out.append(token)
    return " ".join(out) if changed else None


def _in_script(text: str, script: str) -> str | None:
    """The prompt with every word not written in ``script`` made a clause break, so that
    a lexicon of that script matches its own words only ("दम" is not the Arabic "دم");
    None when no word is in that script."""
    if script != "LATIN" and text.isascii():
        return None
    out, seen = [], False
    for token in text.split():
        scripts = {script_of(ch) for ch in token} - {None}
        if scripts == {script} or (not scripts and script == "LATIN"):  # "8k", "4:3"
            out.append(token)
            seen = True
        else:
            out.append(",")
    return " ".join(out) if seen else None


def read_sections(resource: Traversable | Path) -> list[tuple[str, list[str]]]:
    """A language file's sections: (``[category]`` name, entry lines) in file order."""
    sections: list[tuple[str, list[str]]] = []
    for line in read_lines(resource):
        header = SECTION.match(line)
        if header:
            sections.append((header.group(1), []))
        elif sections:
            sections[-1][1].append(line)
    return sections


def _titles(lines: list[str]) -> list[str]:
    for line in lines:
        if line.startswith(TITLE_DIRECTIVE):
            return [t.strip() for t in line[len(TITLE_DIRECTIVE) :].split(",") if t.strip()]
    return []


def read_lines(resource: Traversable | Path) -> list[str]:
    """A list file's entry lines: comments (``#`` to the end of the line) and blanks dropped."""
    lines = resource.read_text("utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]

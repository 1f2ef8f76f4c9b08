"""Pairs: two everyday words that together make a category (issue 31, twelfth round).

A dehumanising comparison or a stereotype needs no slur: "a cockroach wearing a kippah"
and "an arab with a bomb" are each made of two harmless words. ``data/policy/pairs/*.txt``
lists such pairs as two groups of entries in a ``[category]`` section, the groups split by
a line ``+``; a prompt is refused when an entry of each group stands in one clause (no
comma or full stop between them) within :data:`WINDOW` words of each other, outside any
allowed context. The refusal names both ("keffiyeh + cockroach"), so a moderator sees why.

A split line ``> N`` instead (issue 31, thirteenth round) asks for order: an entry of the
second group *after* one of the first, at most N words between them. A harm and who
suffers it: "slapping his wife" (``slapping > 2 wife``), "a prisoner being waterboarded"
(``prisoner > 2 waterboarded``), where the same words the other way round are everyday
("the wife laughed, slapping her knee").

Two more marks (issue 31, fourteenth round: self-harm said by its method). ``across``
after the split line (``+ across``, ``> 10 across``) lets the two stand in different
clauses of the prompt, still within the window: "a girl on the edge of a rooftop, ready to
let go" is two tags of one picture. A third group after a line ``unless`` voids the pair
when any of its entries is anywhere in the prompt: "a cliff diver on the ledge", "a
mechanic in a closed garage with an exhaust hose".

A section written wholly in one other script (same round) is read in that script: Chinese
or Japanese as substrings in one clause, the window in characters (:class:`UnspacedPair`:
these languages write no spaces), Arabic or Devanagari in that script's words only.

Fifteenth round: a group written as the one line ``^`` is the same group of the section
above (its verb moved to a section of its own with an ``unless``, "beating" as a game
won: the victims are not written twice), and a section in Chinese or Japanese takes
``across`` and ``unless`` too, its ``unless`` entries found as substrings.

Sixteenth round: ``^1``, ``^2`` and ``^3`` name the section above's first, second or
``unless`` group in any place, so that one list of peoples serves a comparison said after
them ("muslims as a plague"), before them ("a swarm of migrants"), and a call to expel them
("deport all muslims", "muslims go home").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from studio.moderation.normalize import View
from studio.moderation.phrases import Match, Phrase, PhraseIndex
from studio.moderation.scripts import CLAUSE_BREAKS, UNSPACED, SubstringIndex, script_of

WINDOW = 6  # words from the end of one part to the start of the other
# "+": either order, WINDOW words apart at most ("+ 10": ten); "> 2": the second group's
# entry after the first, two words at most between; "across" after either: in any clause.
SPLIT = re.compile(r"\+\s*(\d+)?(\s+across)?")
ORDERED = re.compile(r">\s*(\d+)(\s+across)?")
UNLESS = "unless"  # a third group: any of its entries in the prompt voids the pair
SAME = "^"  # a group that is the same group of the section above
# "^1", "^2", "^3": the section above's first, second or unless group, in any place (a
# people, second after a call to expel them, first before a comparison)
SAME_AT = re.compile(r"\^([123])")


@dataclass(frozen=True)
class Pair:
    """One rule: an entry of ``first`` near an entry of ``second`` is ``category``."""

    category: str
    first: PhraseIndex
    second: PhraseIndex
    window: int = WINDOW
    ordered: bool = False  # the second entry after the first, not either way round
    script: str | None = None  # read only in the prompt's words of this script
    across: bool = False  # in any clauses of the prompt, not only in one
    unless: PhraseIndex | None = None  # any of these in the prompt: not this pair

    def find(self, reading: View, allowed: list[tuple[int, int]]) -> str | None:
        """The two terms ("a + b") when the reading has the pair, else None."""
        firsts = list(_outside(self.first.matches(reading), allowed))
        if not firsts:
            return None
        for b in _outside(self.second.matches(reading), allowed):
            for a in firsts:
                if self._close(a, b, reading.breaks):
                    if self.unless is not None and any(self.unless.matches(reading)):
                        return None
                    return f"{a.phrase.term} + {b.phrase.term}"
        return None

    def _close(self, a: Match, b: Match, breaks: frozenset[int]) -> bool:
        """In one clause and at most ``window`` words apart (``a`` first when ordered)."""
        if self.ordered and b.start < a.end:
            return False
        left, right = (a, b) if a.start <= b.start else (b, a)
        if right.start - left.end > self.window:
            return False
        return self.across or not any(left.start <= i < right.start for i in breaks)


class PairRules:
    """Every pair rule, with one index of all their first groups: a reading is scanned
    once for all of them, and only the rules whose first group it names (none, for
    nearly every prompt) look further."""

    def __init__(self, pairs: Iterable[Pair]) -> None:
        self.pairs = tuple(pairs)
        self._firsts = PhraseIndex(p for pair in self.pairs for p in pair.first.phrases)
        # The index keeps one phrase per spelling; a match names the rules of every
        # first group with that spelling (its words, or its letters run together).
        self._rules: dict[tuple[str, ...] | str, set[int]] = {}
        for number, pair in enumerate(self.pairs):
            for phrase in pair.first.phrases:
                self._rules.setdefault(phrase.words, set()).add(number)
                self._rules.setdefault(phrase.joined, set()).add(number)
        # Every pair's benign contexts (``unless``) and the categories they void
        voiding = [
            (p, pair.category) for pair in self.pairs if pair.unless for p in pair.unless.phrases
        ]
        self._contexts = PhraseIndex(p for p, _ in voiding)
        self._sides: dict[str, PhraseIndex] = {}  # per category, both groups of its pairs
        self._voids: dict[tuple[str, ...] | str, set[str]] = {}
        for phrase, category in voiding:
            self._voids.setdefault(phrase.words, set()).add(category)
            self._voids.setdefault(phrase.joined, set()).add(category)

    def named(self, reading: View, category: str) -> list[tuple[int, int]]:
        """The spans of the reading that either side of a pair of ``category`` names (a
        people, its dress, vermin): what a hate score must do without to stand."""
        if category not in self._sides:
            self._sides[category] = PhraseIndex(
                phrase
                for pair in self.pairs
                if pair.category == category
                for side in (pair.first, pair.second)
                for phrase in side.phrases
            )
        return [(m.start, m.end) for m in self._sides[category].matches(reading)]

    def voided(self, reading: View) -> set[str]:
        """The categories a benign context in the reading voids the pairs of (a sport, a
        stunt, a tattoo, the kitchen): the classifier, which cannot tell a razor at a
        barber's from one at a wrist, does not refuse in them either."""
        return {
            category
            for match in self._contexts.matches(reading)
            for category in self._voids[match.phrase.words] | self._voids[match.phrase.joined]
        }

    def find(self, reading: View, allowed: list[tuple[int, int]], found: dict[str, str]) -> None:
        """Add each pair found in the reading to ``found`` (category → "a + b"), unless
        its category is there already."""
        named: set[int] = set()
        for match in self._firsts.matches(reading):
            named |= self._rules[match.phrase.words] | self._rules[match.phrase.joined]
        _find_named(self.pairs, named, reading, allowed, found)


class UnspacedPairRules:
    """The Chinese and Japanese pairs, with one index of all their first groups' spellings
    (a prompt in these scripts is scanned once; only the rules it names look further)."""

    def __init__(self, pairs: Iterable[UnspacedPair]) -> None:
        self.pairs = tuple(pairs)
        self._rules: dict[str, set[int]] = {}
        for number, pair in enumerate(self.pairs):
            for term in pair.first.terms():
                self._rules.setdefault(term, set()).add(number)
        self._firsts = SubstringIndex((t, "", t) for t in self._rules)

    def find(self, text: str, allowed: list[tuple[int, int]], found: dict[str, str]) -> None:
        """Add each pair found in ``text`` (normalised) to ``found``, as :class:`PairRules`."""
        named: set[int] = set()
        for match in self._firsts.matches(text):
            named |= self._rules[match.term]
        _find_named(self.pairs, named, text, allowed, found)


def _find_named(
    pairs: Sequence[Pair] | Sequence[UnspacedPair],
    named: set[int],
    text: View | str,
    allowed: list[tuple[int, int]],
    found: dict[str, str],
) -> None:
    """Look further, in file order, only in the rules the first scan named; a category
    found already is not looked for again (the first rule's terms are shown)."""
    for number in sorted(named):
        pair = pairs[number]
        if pair.category not in found and (term := pair.find(text, allowed)):
            found[pair.category] = term


def read_pairs(
    sections: Iterable[tuple[str, list[str]]], parse: Callable[[list[str], str], list[Phrase]]
) -> list[Pair | UnspacedPair]:
    """Pairs from a file's ``[category]`` sections; ``parse(lines, category)`` turns
    entry lines into phrases (the lists' own parser). A section written in Chinese or
    Japanese is an :class:`UnspacedPair`; one in Arabic or Devanagari alone is read in
    that script's words only."""
    pairs: list[Pair | UnspacedPair] = []
    above: tuple[list[str], list[str], list[str]] = ([], [], [])  # the last section's groups
    for category, lines in sections:
        unless_lines: list[str] = []
        if UNLESS in lines:
            at = lines.index(UNLESS)
            lines, unless_lines = lines[:at], lines[at + 1 :]
        cuts = [
            i for i, line in enumerate(lines) if SPLIT.fullmatch(line) or ORDERED.fullmatch(line)
        ]
        if len(cuts) != 1:
            raise ValueError(f"[{category}] in pairs needs two groups split by a '+' or '> N' line")
        cut = cuts[0]
        ordered = ORDERED.fullmatch(lines[cut])
        split = ordered or SPLIT.fullmatch(lines[cut])
        assert split is not None  # a cut is one or the other
        window = int(split.group(1)) if split.group(1) else WINDOW
        across = lines[cut].endswith("across")
        groups = tuple(
            _same(above, i, group)
            for i, group in enumerate((lines[:cut], lines[cut + 1 :], unless_lines))
        )
        above = groups
        parts, unless_lines = groups[:2], groups[2]
        script = _script_of_section([*parts[0], *parts[1]])
        if script in UNSPACED:
            first, second = (_substrings(part, category) for part in parts)
            unspaced_unless = _substrings(unless_lines, category) if unless_lines else None
            pairs.append(
                UnspacedPair(
                    category, first, second, window, ordered is not None, across, unspaced_unless
                )
            )
            continue
        if script is not None:  # each spelling its own entry, named by itself, as in the lexicons
            parts = tuple(_one_a_line(part, conjunction=script == ARABIC) for part in parts)
            if unless_lines:
                unless_lines = _one_a_line(unless_lines, conjunction=script == ARABIC)
        first, second = (PhraseIndex(parse(part, category)) for part in parts)
        unless = PhraseIndex(parse(unless_lines, category)) if unless_lines else None
        pairs.append(
            Pair(category, first, second, window, ordered is not None, script, across, unless)
        )
    return pairs


def _same(above: tuple[list[str], list[str], list[str]], place: int, group: list[str]) -> list[str]:
    """A group as written, or the section above's group it names ("^": the one in the
    same place; "^1", "^2", "^3": its first, second or unless group)."""
    if group == [SAME]:
        return above[place]
    if len(group) == 1 and (at := SAME_AT.fullmatch(group[0])):
        return above[int(at.group(1)) - 1]
    return group


ARABIC = "ARABIC"
KANA_MARK = "KATAKANA-HIRAGANA"
ARABIC_AND = "\u0648"  # و, written onto the next word


def _script_of_section(lines: list[str]) -> str | None:
    """The one script other than Latin every letter of the section is written in
    (Chinese and Japanese counted as one), else None: read in every reading, as before."""
    scripts = {script_of(ch) for line in lines for ch in line} - {None}
    # "ー", the long vowel mark, is "KATAKANA-HIRAGANA"
    scripts = {"CJK" if s in UNSPACED or s == KANA_MARK else s for s in scripts}
    if len(scripts) == 1 and (only := scripts.pop()) != "LATIN":
        return only
    return None


def _one_a_line(lines: list[str], *, conjunction: bool) -> list[str]:
    """Each spelling of a section in Arabic or Devanagari as an entry of its own, named
    by itself; in Arabic (``conjunction``) also written after و ("ويضرب")."""
    spellings = _spellings(lines)
    if not conjunction:
        return spellings
    return [s if s.startswith(ARABIC_AND) else f"{s} | {ARABIC_AND}{s}" for s in spellings]


def _substrings(lines: list[str], category: str) -> SubstringIndex:
    """A group of Chinese or Japanese entries, each spelling found as a substring (a
    spelling with "…" as two parts, as the lexicons write them)."""
    return SubstringIndex((s, category, s) for s in _spellings(lines))


def _spellings(lines: list[str]) -> list[str]:
    """Every spelling of a group's entry lines ("a | b" is two)."""
    return [s.strip() for line in lines for s in line.split("|") if s.strip()]


@dataclass(frozen=True)
class UnspacedPair:
    """A pair in Chinese or Japanese: each entry a substring, ``window`` characters at
    most between them, in one clause (no comma or full stop between, "，" and "、" included)."""

    category: str
    first: SubstringIndex
    second: SubstringIndex
    window: int = WINDOW
    ordered: bool = False
    across: bool = False  # in any clauses, still within the window
    unless: SubstringIndex | None = None  # any of these in the prompt: not this pair

    def find(self, text: str, allowed: list[tuple[int, int]]) -> str | None:
        """The two terms ("a + b") when the text (normalised) has the pair, else None."""
        firsts = [f for f in self.first.matches(text) if not f.within(allowed)]
        if not firsts:
            return None
        for b in self.second.matches(text):
            if b.within(allowed):
                continue
            for a in firsts:
                if self.ordered and b.start < a.end:
                    continue
                left, right = (a, b) if a.start <= b.start else (b, a)
                if right.start - left.end > self.window or right.start < left.end:
                    continue
                if self.across or not CLAUSE_BREAKS.intersection(text[left.end : right.start]):
                    if self.unless is not None and any(self.unless.matches(text)):
                        return None
                    return f"{a.term} + {b.term}"
        return None


def _outside(matches: Iterator[Match], allowed: list[tuple[int, int]]) -> Iterator[Match]:
    for match in matches:
        if match.start >= 0 and not match.within(allowed):  # a word span: runs have none
            yield match

"""Finding thousands of listed phrases in a prompt with dictionary look-ups, not a regex each.

A phrase is a tuple of folded words. A prompt reading (:class:`~bot.moderation.normalize.View`)
is split into words, and every run of 1…``max_words`` words is looked up in a dict: the
cost grows with the prompt's length, not with the number of phrases (a gazetteer of
thousands of names costs what a list of fifty did). On top of the word n-grams:

- a plural or possessive-less ``s``/``es`` on the last word is accepted (``corpses``;
  ``es`` only where a plural takes it, after s, x, z, ch, sh, o or the consonants Spanish
  and French add it to: "spices" is no "spic", "images" no "imag");
- a phrase written with ``*`` matches any ending of its last word (``behead*``);
- *joined* spellings: the words may be run together or split differently
  (``taylorswift``, ``mr beast`` for ``mrbeast``); looked up on the concatenated words,
  from a word start to a word end, for phrases of six letters or more; a one-word name
  split over several words only from eight letters ("pewdie pie"), since shorter ones
  split into everyday words ("fall on" is no Fallon);
- *run-on* names (people) also match when they run into the next word (``elonmuskriding``);
- *near* names (people, ten letters or more joined) match one typo away (``keanu reaves``),
  by the symmetric-delete method (SymSpell): every spelling one deletion away is indexed;
- single letters spread over a run (``n a k e d``) are searched for single-word phrases.

Each match reports the word span it covers, so a match inside an allowed phrase
("shooting star") can be ignored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from studio.moderation.normalize import View

MIN_STEM = 3  # a wildcard stem is at least this long ("behead*")
MIN_JOINED = 6  # joined spellings are looked up for phrases this long
MIN_RUN_ON = 8  # a name this long may run into the next word
MIN_NEAR = 10  # a name this long matches one typo away
MIN_RUN_TERM = 3  # "s e x" is read as a word for terms this long
PROBE = 4  # joined look-ups start only where these first letters begin some phrase
NEAR_HEAD = 6  # one-typo look-ups only where these first letters may begin a spelling
ES_PLURAL = frozenset("sxzhoyjlrnd")  # a stem that takes "es" (boxes, churches, mujeres)


@dataclass(frozen=True)
class Phrase:
    """One listed spelling. ``term`` is what the user and the mod log are shown."""

    term: str
    category: str
    words: tuple[str, ...]
    wildcard: bool = False
    person: bool = False  # a name: joined run-on and one-typo matches too

    @property
    def joined(self) -> str:
        return "".join(self.words)


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int  # first word; -1 for a match inside a run of single letters
    end: int  # one past the last word (partly) covered

    def within(self, spans: list[tuple[int, int]]) -> bool:
        """Whether the match lies inside one of the word spans (an allowed context)."""
        return self.start >= 0 and any(a <= self.start and self.end <= b for a, b in spans)


class PhraseIndex:
    """Every phrase of a set of lists, indexed for look-ups by word n-gram and spelling."""

    def __init__(self, phrases: Iterable[Phrase], *, plural: bool = True) -> None:
        """``plural``: whether a last word's ``s``/``es`` is read as an English or Romance
        plural; not in Arabic, Cyrillic or Devanagari words transliterated, where an "s"
        is a letter of another word (Arabic عريس, a groom, is no عري, nudity, plus "s")."""
        self.plural = plural
        self.exact: dict[tuple[str, ...], Phrase] = {}
        self.stems: dict[tuple[str, ...], Phrase] = {}
        self.stem_lengths: set[int] = set()
        self.joined: dict[str, Phrase] = {}
        self.joined_lengths: list[int] = []
        self.probes: set[str] = set()
        self.near: dict[str, Phrase] = {}
        self.run_words: dict[str, Phrase] = {}
        self.prefixes: set[tuple[str, ...]] = set()  # every phrase's leading words
        self.max_words = 1
        self.phrases = tuple(phrases)
        for phrase in self.phrases:
            self._add(phrase)
        self.joined_lengths = sorted({len(key) for key in self.joined})
        self.stem_sizes = sorted(self.stem_lengths)
        # A word's first letters, looked up before the stems' slices: most words start
        # like no stem, and then cost one set look-up instead of one per stem length.
        self.head = min(self.stem_lengths, default=MIN_STEM)
        self.stem_heads = {words[-1][: self.head] for words in self.stems}
        self.near_heads = {spelling[:NEAR_HEAD] for spelling in self.near}

    def __len__(self) -> int:
        return len(self.exact) + len(self.stems)

    def _add(self, phrase: Phrase) -> None:
        words = phrase.words
        self.max_words = max(self.max_words, len(words))
        for n in range(1, len(words)):
            self.prefixes.add(words[:n])
        if phrase.wildcard:
            self.stems.setdefault(words, phrase)
            self.stem_lengths.add(len(words[-1]))
        else:
            self.exact.setdefault(words, phrase)
        if len(words) == 1 and len(words[0]) >= MIN_RUN_TERM:
            self.run_words.setdefault(words[0], phrase)
        joined = phrase.joined
        if not phrase.wildcard and len(joined) >= MIN_JOINED:
            self.joined.setdefault(joined, phrase)
            self.probes.add(joined[:PROBE])
        if phrase.person and len(joined) >= MIN_NEAR:
            for variant in (joined, *_deletes(joined)):
                self.near.setdefault(variant, phrase)

    def matches(self, reading: View, *, near: bool = False) -> Iterator[Match]:
        """Every match in one reading; ``near`` adds the one-typo look-ups (costlier)."""
        if not self.phrases:  # a server without its own terms: nothing to look for
            return
        words = reading.words
        found = [*self._ngrams(words), *self._joined(words)]
        if near and self.near:
            found += self._near(words)
        breaks = reading.breaks
        for match in found:  # "union jack, black sky" is not jack black
            if not any(match.start <= b < match.end - 1 for b in breaks):
                yield match
        for run in reading.runs:
            yield from self._in_run(run)

    def _ngrams(self, words: tuple[str, ...]) -> Iterator[Match]:
        exact, stems, prefixes, plural = self.exact, self.stems, self.prefixes, self.plural
        head, stem_heads = self.head, self.stem_heads
        for i in range(len(words)):
            for n in range(1, min(self.max_words, len(words) - i) + 1):
                gram = tuple(words[i : i + n])
                last = gram[-1]
                phrase = exact.get(gram)
                if phrase is None and plural and last.endswith("s") and len(last) > 2:
                    phrase = exact.get((*gram[:-1], last[:-1]))  # "corpses"
                    es = last.endswith("es") and len(last) > 3 and last[-3] in ES_PLURAL
                    if phrase is None and es:  # "boxes"; "spices" is no "spic"
                        phrase = exact.get((*gram[:-1], last[:-2]))
                if phrase is not None:
                    yield Match(phrase, i, i + n)
                if stems and last[:head] in stem_heads:
                    for size in self.stem_sizes:
                        if size > len(last):
                            break
                        phrase = stems.get((*gram[:-1], last[:size]))
                        if phrase is not None:
                            yield Match(phrase, i, i + n)
                if gram not in prefixes:  # no listed phrase goes on with these words
                    break

    def _joined(self, words: tuple[str, ...]) -> Iterator[Match]:
        if not self.joined:
            return
        text = "".join(words)
        starts, ends = [], {}
        offset = 0
        for index, word in enumerate(words):
            starts.append(offset)
            offset += len(word)
            ends[offset] = index + 1
        for i, start in enumerate(starts):
            if text[start : start + PROBE] not in self.probes:
                continue
            for size in self.joined_lengths:
                end = start + size
                if end > len(text):
                    break
                phrase = self.joined.get(text[start:end])
                if phrase is None:
                    continue
                if _split_name(phrase, i, ends.get(end, ends.get(end + 1))):
                    continue  # "fall on" is no Fallon
                if end in ends:
                    yield Match(phrase, i, ends[end])
                elif self.plural and end + 1 in ends and text[end] == "s":  # "taylorswifts"
                    yield Match(phrase, i, ends[end + 1])
                elif phrase.person and size >= MIN_RUN_ON:  # up to the word its last letter is in
                    yield Match(phrase, i, bisect_right(starts, end - 1))

    def _near(self, words: tuple[str, ...]) -> Iterator[Match]:
        heads = self.near_heads
        for i in range(len(words)):
            # Every spelling joined from here shares its first letters: which of its
            # deletions can begin an indexed one is known before any is built.
            head = "".join(words[i : i + 4])[: NEAR_HEAD + 1]
            whole = head[:NEAR_HEAD] in heads
            cuts = [k for k in range(NEAR_HEAD) if head[:k] + head[k + 1 :] in heads]
            if not whole and not cuts:
                continue
            joined = ""
            for j in range(i, min(i + 4, len(words))):
                joined += words[j]
                if len(joined) + 1 < MIN_NEAR:
                    continue
                if len(joined) > MIN_NEAR * 3:
                    break
                for variant in _near_candidates(joined, whole, cuts):
                    phrase = self.near.get(variant)
                    if phrase is not None and abs(len(phrase.joined) - len(joined)) <= 1:
                        yield Match(phrase, i, j + 1)
                        break

    def _in_run(self, run: str) -> Iterator[Match]:
        for a in range(len(run)):
            for b in range(a + MIN_RUN_TERM, len(run) + 1):
                phrase = self.run_words.get(run[a:b])
                if phrase is not None:
                    yield Match(phrase, -1, -1)


def _near_candidates(joined: str, whole: bool, cuts: list[int]) -> Iterator[str]:
    """The spelling and its one-letter deletions that may be indexed: an indexed spelling
    begins with one of the index's first letters (``near_heads``), so the spelling itself
    and the deletions after the first :data:`NEAR_HEAD` letters only when ``whole`` (its own
    first letters begin one), and the deletions among the first letters only where
    removing that letter leaves such a beginning (``cuts``)."""
    if whole:
        yield joined
    yield from (joined[:k] + joined[k + 1 :] for k in cuts)
    if whole:
        yield from (joined[:k] + joined[k + 1 :] for k in range(NEAR_HEAD, len(joined)))


def _split_name(phrase: Phrase, start: int, end: int | None) -> bool:
    """A one-word name shorter than :data:`MIN_RUN_ON` found over several whole words:
    everyday words that happen to spell it ("fall on", "kid man"), not the name."""
    return (
        phrase.person
        and len(phrase.words) == 1
        and len(phrase.words[0]) < MIN_RUN_ON
        and end is not None
        and end - start > 1
    )


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}

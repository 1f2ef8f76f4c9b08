"""Text normalisation for the prompt policy: the spellings people use to slip past a filter.

A prompt is folded (invisible characters dropped, accents, look-alike letters and
full-width forms transliterated by anyascii, lower case) and then read in a few *views*:
leetspeak decoded (``n4k3d`` → ``naked``; ``1`` as ``i`` and as ``l``), punctuation inside a
word removed (``n.a.k.e.d``) or made a space, letters repeated three times or more squeezed
(``naaaked``), and runs of single letters joined (``n a k e d``). A term matches if it
matches in any view; allowed contexts are found in the same view.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

LEET = {"4": "a", "@": "a", "3": "e", "!": "i", "0": "o", "5": "s", "$": "s", "7": "t", "+": "t",
        "8": "b", "9": "g", "|": "l", "(": "c", "€": "e"}  # fmt: skip
ONE_AS = (None, "i", "l")  # as written ("r34"), "k1ll" is kill, "1oli" is loli
WORD = re.compile(r"[a-z0-9]+")
REPEATS = re.compile(r"([a-z])\1{2,}")
SINGLE_LETTER_RUN = re.compile(r"(?<![a-z0-9])(?:[a-z0-9] ){2,}[a-z0-9](?![a-z0-9])")


# Letters anyascii drops or merges that tell words apart. Arabic: the alif (a long "a",
# not written by anyascii: يقاتل, fights, read as يقتل, kills) and the hamza's seats
# (an apostrophe that parted طائرة, a kite, into a listed word). Devanagari: its vowel
# signs, anusvara and virama are combining marks, which are dropped elsewhere (accents
# folded, zalgo): kept, लड़ (fight) read as लंड and नंगे as नग; its nukta is dropped
# (लडकी and लड़की are spelled both ways) and candrabindu read as anusvara.
ARABIC_LETTERS = str.maketrans(
    {"\u0627": "a", "\u0623": "a", "\u0625": "a", "\u0622": "a", "\u0671": "a",
     "\u0624": "\u0648", "\u0626": "\u064a", "\u0621": None}
)  # fmt: skip
# anyascii writes ح (the throat's h) and ه (a plain h, and ة) alike: نهر, a river, was
# read as نحر, slaughter. The lists read ح as "hh"; the classifier (trained on the older
# reading) keeps it.
ARABIC_HA = str.maketrans({"\u062d": "hh"})
# anyascii writes ع (ayn) as "`", which is no letter: a word was cut at it, and its pieces
# read as words ("شعار", a logo, and "الأسعار", the prices, ended in "عار", naked; "شعري",
# my hair, in "عري", nudity). The lists read it as "c", inside the word; after a prefix
# alone (the article, و, ب, ف, ك, ل) a word that starts with it is still read apart, as
# the cut read it ("العارية" is "al caryh"). The classifier keeps the older reading.
AYN = "\u0639"
ARABIC_AYN = re.compile(  # (alif is already "a" here) a prefix alone, then ayn
    "(?<![\u0620-\u064aa])"
    "(\u0648?a\u0644|\u0648?\u0628a\u0644|\u0648?\u0641a\u0644|\u0648?\u0643a\u0644"
    "|\u0648?\u0644\u0644|[\u0648\u0628\u0641\u0643\u0644])" + AYN
)
NUKTA, CANDRABINDU, ANUSVARA = "\u093c", "\u0901", "\u0902"


def _kept(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Mn":
        return "\u0900" <= ch <= "\u097f" and ch != NUKTA  # Devanagari's signs
    return category not in ("Cf", "Cc")


def fold(text: str, *, arabic_ha: bool = True) -> str:
    """Drop invisible format characters and combining marks (Devanagari's kept),
    transliterate to ASCII, lower-case. ``arabic_ha``: ح apart from ه (the lists)."""
    visible = "".join(ch for ch in text if _kept(ch)).replace(CANDRABINDU, ANUSVARA)
    text = unicodedata.normalize("NFKC", visible).translate(ARABIC_LETTERS)
    if arabic_ha:
        text = text.translate(ARABIC_HA)
        if AYN in text:
            text = ARABIC_AYN.sub(r"\1 c", text).replace(AYN, "c")
    return anyascii(text).lower()


def canonical(term: str) -> str:
    """How a term from a list (or a moderator) is stored and compared: folded words."""
    return " ".join(WORD.findall(fold(term)))


CLAUSE_END = (",", ".", ";", ":", "?", ")", "]")  # a name does not run across these
# ...but a full stop after an initial or a title is inside a name: "Michael B. Jordan",
# "J.K. Rowling", "George W. Bush", "Dr. Dre", "Mr. Beast".
NOT_AN_END = re.compile(
    r"(?:[a-z]\.)+|(?:mr|mrs|ms|dr|st|sr|jr|prof|gen|sen|gov|rev|sgt|lt|col|capt)\."
)


@dataclass(frozen=True)
class View:
    """One reading of a prompt: space-separated lower-case words, plus joined letter runs."""

    text: str
    runs: tuple[str, ...]  # "n a k e d" read as "naked": matched as a substring
    breaks: frozenset[int] = frozenset()  # word i is followed by a comma, a full stop…

    @functools.cached_property
    def words(self) -> tuple[str, ...]:
        """The reading's words, split once for every list looked up in it."""
        return tuple(self.text.split())


def views(text: str) -> list[View]:
    """Every reading of a prompt that a term is looked for in (deduplicated)."""
    folded = fold(text)
    seen: dict[str, View] = {}
    raw = folded.split()
    # Readings that could only repeat the first are not made: the other ways to read a
    # "1" when no word mixes letters with digits or symbols, and joining a word's inner
    # pieces when no word has any.
    ones = ONE_AS if any(_mixed(token) for token in raw) else ONE_AS[:1]
    for one in ones:
        pieces = [WORD.findall(_decode_leet(token, one)) for token in raw]
        inner = any(len(parts) > 1 for parts in pieces)
        for join_inner in (False, True) if inner else (False,):
            words = ["".join(p) if join_inner else " ".join(p) for p in pieces]
            spaced = " ".join(w for w in words if w)
            breaks, count = set(), 0
            for token, word in zip(raw, words, strict=True):
                count += len(word.split())
                if count and token.endswith(CLAUSE_END) and not NOT_AN_END.fullmatch(token):
                    breaks.add(count - 1)
            for squeeze in (False, True):
                candidate = REPEATS.sub(r"\1", spaced) if squeeze else spaced
                if candidate not in seen:
                    runs = tuple(
                        _decode_leet(m.group(0).replace(" ", ""), one or "i")
                        for m in SINGLE_LETTER_RUN.finditer(candidate)
                    )  # "n 4 k e d": leetspeak spread over single characters
                    seen[candidate] = View(candidate, runs, frozenset(breaks))
    return list(seen.values())


def _decode_leet(token: str, one: str | None) -> str:
    """Leetspeak is decoded only in words that mix letters with digits or symbols, so
    "4 cats" and "1920s" stay as they are while "n4k3d" and "$ex" are read as words."""
    if one is None or not _mixed(token):
        return token
    return "".join(one if ch == "1" else LEET.get(ch, ch) for ch in token)


def _mixed(token: str) -> bool:
    """A word of letters and leetspeak's digits or symbols, read as letters."""
    has_letter = any("a" <= ch <= "z" for ch in token)
    return has_letter and any(ch in LEET or ch == "1" for ch in token)

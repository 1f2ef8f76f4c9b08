"""Reading prompts in other writing systems: substrings for scripts without spaces, names
by their sound for scripts that spell them differently, and the rule for unknown scripts.

The word lists match folded ASCII words (:mod:`studio.moderation.normalize`): a Cyrillic,
Arabic or Devanagari prompt is transliterated letter by letter by anyascii, so the
lexicons in ``data/policy/languages/`` are matched like the English lists. Three things
transliteration does not give:

- **Chinese and Japanese** write no spaces, so a term is a substring, not a word:
  :class:`SubstringIndex` looks up every substring of each run of Han/kana characters
  (NFKC, so half-width katakana match too), with allowed contexts ("裸色", "鸡胸肉")
  found the same way.
- **Names** are spelled by sound in other scripts ("Тейлор Свифт", "دونالد ترامب",
  "डोनाल्ड ट्रंप"); :class:`NameSkeletons` compares consonant skeletons of the
  transliterated words with those of the gazetteer's names of two words or more.
- **Unknown scripts** (:func:`unread_script`): a prompt with a word in a script no
  lexicon covers (Hangul, Thai, Greek, Hebrew, …) is not guessed at; the caller refuses
  it with a message that names the script and the languages that are read (no strike).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from anyascii import anyascii

# Scripts with a lexicon (data/policy/languages) or read as Latin after folding.
READ_SCRIPTS = frozenset(
    {"LATIN", "CYRILLIC", "ARABIC", "DEVANAGARI", "CJK", "HIRAGANA", "KATAKANA"}
)
UNSPACED = frozenset({"CJK", "HIRAGANA", "KATAKANA"})
MIN_UNKNOWN_RUN = 2  # letters in a row of an unread script that make a word
MIN_SKELETON = 5  # consonants in a name's skeleton (two words or more) to match by sound
LANGUAGES = (
    "English, Spanish, Portuguese, French, German, Russian, Turkish, Polish, Japanese, "
    "Chinese, Arabic and Hindi"
)


@functools.lru_cache(maxsize=4096)  # asked for every letter of every prompt, several times
def script_of(ch: str) -> str | None:
    """The Unicode script of a letter (first word of its name), None for non-letters."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "UNKNOWN"
    plain = unicodedata.normalize("NFKC", ch)
    if plain and plain[0] != ch:  # full-width, "𝓷𝓪𝓴𝓮𝓭" fancy fonts: their ordinary letter
        return script_of(plain[0])
    return name.split()[0]


def unread_script(text: str) -> str | None:
    """The first script no lexicon reads that has a word (two letters in a row) in the
    prompt, e.g. ``"HANGUL"``; None when every word is in a script that is read."""
    if text.isascii():  # Latin letters or none
        return None
    run_script, run = None, 0
    for ch in text:
        script = script_of(ch)
        if script is None or script in READ_SCRIPTS:
            run_script, run = None, 0
            continue
        run = run + 1 if script == run_script else 1
        run_script = script
        if run >= MIN_UNKNOWN_RUN:
            return script
    return None


def has_unspaced(text: str) -> bool:
    return not text.isascii() and any(script_of(ch) in UNSPACED for ch in text)


def normalise(text: str) -> str:
    """How CJK text and terms are compared: NFKC (half-width kana, full-width Latin),
    case-folded, invisible characters dropped."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc"))
    return unicodedata.normalize("NFKC", visible).casefold()


@dataclass(frozen=True)
class Found:
    term: str
    category: str
    start: int
    end: int

    def within(self, spans: list[tuple[int, int]]) -> bool:
        """Whether the substring lies inside one of the spans (an allowed context), as
        :meth:`studio.moderation.phrases.Match.within` for words."""
        return any(a <= self.start and self.end <= b for a, b in spans)


GAP = "…"  # in a Chinese or Japanese term: a few characters of anything ("砍下…头")
MAX_GAP = 10  # characters between the two parts, in one clause (no comma or full stop)
CLAUSE_BREAKS = frozenset(",.;:!?、。，；：！？")


class SubstringIndex:
    """Terms written in scripts without spaces, found as substrings of the prompt. A term
    with "…" is two parts in that order with up to :data:`MAX_GAP` characters between
    them, in one clause: Chinese puts the object between the verb and the noun
    ("砍下俘虏的头", cut off the prisoner's head), and a comparison between the people and
    the vermin ("把移民画成越过边境的老鼠", immigrants drawn as rats crossing the border)."""

    def __init__(self, entries: Iterable[tuple[str, str, str]]) -> None:
        """``entries``: (term shown, category, spelling) triples."""
        self._terms: dict[str, tuple[str, str]] = {}
        self._gapped: list[tuple[str, str, str, str]] = []  # first, second, term, category
        self._spellings: list[str] = []
        for term, category, spelling in entries:
            self._spellings.append(spelling)
            if GAP in spelling:
                first, _, second = (normalise(p).strip() for p in spelling.partition(GAP))
                if first and second:
                    self._gapped.append((first, second, term, category))
                continue
            key = normalise(spelling)
            if key:
                self._terms.setdefault(key, (term, category))
        self._lengths = sorted({len(key) for key in self._terms}, reverse=True)

    def __len__(self) -> int:
        return len(self._terms) + len(self._gapped)

    def terms(self) -> list[str]:
        """Every spelling as written (a gapped one with its "…")."""
        return [*self._spellings]

    def matches(self, text: str) -> Iterator[Found]:
        if not self._terms and not self._gapped:
            return
        text = normalise(text)
        for start in range(len(text)):
            for size in self._lengths:
                if start + size > len(text):  # a shorter slice at the end: that size's own turn
                    continue
                hit = self._terms.get(text[start : start + size])
                if hit is not None:
                    yield Found(hit[0], hit[1], start, start + size)
        for first, second, term, category in self._gapped:
            start = text.find(first)
            while start >= 0:
                after = start + len(first)
                end = text.find(second, after, after + MAX_GAP + len(second))
                if end >= 0 and not CLAUSE_BREAKS.intersection(text[after:end]):
                    yield Found(term, category, start, end + len(second))
                start = text.find(first, start + 1)


# -- names by sound -------------------------------------------------------------------

_SOUNDS = (
    ("tsch", "ch"), ("sch", "sh"), ("ph", "f"), ("ck", "k"), ("ts", "s"), ("c", "k"),
    ("q", "k"), ("x", "ks"), ("z", "s"), ("p", "b"), ("g", "k"), ("j", "k"), ("d", "t"), ("f", "v"),
)  # fmt: skip
_VOWELS = re.compile(r"[aeiouyh]")
_DOUBLES = re.compile(r"(.)\1+")
# Devanagari's anusvara is transliterated "m" before a stop and at the end of a word:
# "ट्रंप" is trmp, "एंजेला" emjela, "मैक्रों" maikrom, "नरेंद्र" nremdr (d, g and p are
# left unmerged in Devanagari); "m" before "r" or "n" stays an m ("मर्केल", Arabic
# "ايمانويل").
_NASAL = re.compile(r"m(?=[bktsjdgp]|$)")
# Japanese has one sound for l and r and writes v as b: "アンゲラ・メルケル" is angera
# merukeru, "キアヌ・リーブス" kianu ribusu.
_KANA_SOUNDS = (("l", "r"), ("v", "b"))
# Devanagari writes voiced and voiceless stops apart (क k, ग g; त t, द d; प p, ब b) and
# a name keeps them ("जेसन किड" is Jason Kidd), so they are not merged as they are for
# Arabic and Cyrillic: merged, everyday Hindi sounded like names ("किसान खेत", a farmer's
# field, was Jason Kidd; "करते बच्चे" Gerard Piqué; "खिलौना गन" Kellyanne Conway;
# fifteenth round). English g is also a j sound (George, जॉर्ज): j and g are one.
_VOICED = (("p", "b"), ("g", "k"), ("j", "k"), ("d", "t"))
_DEVANAGARI_SOUNDS = (*(pair for pair in _SOUNDS if pair not in _VOICED), ("j", "g"))


def skeletons(word: str, *, kana: bool = False, devanagari: bool = False) -> set[str]:
    """The consonant skeletons of a transliterated word: letters that sound alike merged,
    vowels (and h, w and y, which other scripts use for vowels) dropped, doubles
    squeezed. ``w`` is read both as ``v`` (Russian "Свифт") and as a vowel (Arabic);
    ``kana``: also l as r and v as b, as katakana writes foreign names; ``devanagari``:
    voiced and voiceless stops kept apart."""
    word = "".join(ch for ch in word.lower() if "a" <= ch <= "z")
    if kana:
        for old, new in _KANA_SOUNDS:
            word = word.replace(old, new)
    for old, new in _DEVANAGARI_SOUNDS if devanagari else _SOUNDS:
        word = word.replace(old, new)
    word = _DOUBLES.sub(r"\1", word)
    out = set()
    for spelled in {word, _NASAL.sub("n", word)}:  # an unwritten vowel: Arabic "mkrwn"
        for w in ("v", ""):
            skeleton = _DOUBLES.sub(r"\1", _VOWELS.sub("", spelled.replace("w", w)))
            if skeleton:
                out.add(skeleton)
    return out


class NameSkeletons:
    """The gazetteer's names of two words or more, looked up by skeleton in the words of
    a prompt that were written in a non-Latin script."""

    def __init__(self, names: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        """``names``: (term shown, folded words) pairs."""
        self._keys: dict[tuple[str, ...], str] = {}
        self._kana: dict[tuple[str, ...], str] = {}  # the same names as katakana writes them
        self._devanagari: dict[tuple[str, ...], str] = {}  # ... and as Devanagari does
        self.max_words = 1
        for term, words in names:
            if len(words) < 2:
                continue
            for keys, sounds in (
                (self._keys, {}),
                (self._kana, {"kana": True}),
                (self._devanagari, {"devanagari": True}),
            ):
                for key in _keys(words, **sounds):
                    if sum(map(len, key)) >= MIN_SKELETON:
                        keys.setdefault(key, term)
            self.max_words = max(self.max_words, len(words))

    def __len__(self) -> int:
        return len(self._keys)

    def matches(self, text: str) -> Iterator[str]:
        """The names found among runs of non-Latin words of a prompt, and among the
        katakana names of a Japanese one (words parted by "・" or a space)."""
        for runs, kana in ((_foreign_runs(text), False), (_katakana_runs(text), True)):
            for run, devanagari in runs:
                keys = self._kana if kana else self._devanagari if devanagari else self._keys
                for i in range(len(run)):
                    for n in range(2, min(self.max_words, len(run) - i) + 1):
                        for key in _keys(tuple(run[i : i + n]), kana=kana, devanagari=devanagari):
                            term = keys.get(key)
                            if term is not None:
                                yield term


def _keys(
    words: tuple[str, ...], *, kana: bool = False, devanagari: bool = False
) -> Iterator[tuple[str, ...]]:
    options = [sorted(skeletons(w, kana=kana, devanagari=devanagari)) for w in words]
    if not all(options):
        return
    keys: list[tuple[str, ...]] = [()]
    for choices in options:
        keys = [(*key, choice) for key in keys for choice in choices]
    yield from keys


_CLAUSE = re.compile(r"[,.;:!?()\[\]\"“”«»،。、，；：！？]")  # a name does not run across these
_KATAKANA_NAME = re.compile(
    r"[\u30a0-\u30ff\uff65-\uff9f]+(?:[\s・·＝=][\u30a0-\u30ff\uff65-\uff9f]+)+"
)


# The commonest little words of the spaced scripts read by sound: no name's word, and
# short enough that two of them sound like one ("पर करें", "on it, do", read as
# "aubrey graham"). They end a run as a comma does.
_FUNCTION_WORDS = frozenset(
    word
    for language in (
        # Hindi
        "पर का की के को में से है हैं और तो हो भी यह वह कर करें करे करना करने था थी थे ने ही "
        "एक इस उस नहीं अब जब तक लिए साथ या कि जो गया गई रहा रही रहे सकता सकती होगा होगी "
        # ... and the verbs' everyday forms (fifteenth round: "कुर्सी रखी", a chair put
        # there, was Chris Rock)
        "रखा रखी रखे रख करता करती करते किया दिया दी लिया ली "
        # ... and a win (eighteenth round: "नॉकआउट जीत", a knockout win, was Ncuti Gatwa)
        "जीत जीता जीती जीते",
        # Arabic
        "في من على إلى الى عن مع و أو او ثم هذا هذه ذلك التي الذي كان كانت لا لم لن قد هو هي "
        # ... and the request's verbs (eighteenth round: "ارسم نجارا", draw a carpenter, was
        # Arsène Wenger)
        "ارسم ارسمي ارسملي ارسمها ارسمه اصنع اصنعي صمم صممي انشئ أنشئ",
        # Russian
        "и в во на не с со по за от до из к у о об а но что как это он она они для при над под "
        # ... and the possessives (fp22: "моих друзей", my friends, was Myke Towers)
        "мой моя моё мое мои моих моего моей моим моими твой твоя твои твоих наш наша наши "
        "наших ваш ваша ваши ваших его её ее их свой своя свои своих",
    )
    for word in language.split()
)


def _foreign_runs(text: str) -> Iterator[tuple[list[str], bool]]:
    """Runs of consecutive words written in a non-Latin, spaced script, transliterated,
    each with whether it is all Devanagari; a comma or a full stop ends a run ("…सागर,
    नमक…" is no name), as a little word does."""
    for clause in _CLAUSE.split(text):
        run: list[str] = []
        devanagari = True
        for token in re.split(r"[\s·・]+", clause):
            letters = [script_of(ch) for ch in token if script_of(ch)]
            foreign = letters and all(s not in ("LATIN", *UNSPACED) for s in letters)
            if foreign and token.lower() not in _FUNCTION_WORDS:
                run.append(anyascii(token).lower())
                devanagari = devanagari and all(s == "DEVANAGARI" for s in letters)
            elif run:
                yield run, devanagari
                run, devanagari = [], True
        if run:
            yield run, devanagari


def _katakana_runs(text: str) -> Iterator[tuple[list[str], bool]]:
    """Katakana words parted by "・" (or a space): how Japanese writes a foreign name
    ("エマニュエル・マクロン"), transliterated."""
    for match in _KATAKANA_NAME.finditer(unicodedata.normalize("NFKC", text)):
        words = re.split(r"[\s・·＝=]+", match.group(0))
        yield [anyascii(w).lower() for w in words if w], False

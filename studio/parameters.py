"""Midjourney's parameters at the end of a prompt: ``a castle at dusk --ar 16:9 --no people``.

Members who come from Midjourney type them out of habit, and without this the model would
draw "--ar 16:9" as words. The studio reads the ones it has a meaning for (``--ar`` or
``--aspect``: the aspect ratio; ``--no``: the negative prompt; ``--seed``) and takes out
those that choose Midjourney's own models and modes (``--v 6``, ``--niji``, ``--style raw``,
``--stylize``…), which mean nothing here. As in Midjourney, parameters come last: the
first one the studio knows starts them, and an unknown one after it is refused by name
rather than drawn. A phone's "—" (an autocorrected "--") reads as "--".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.errors import BadParameter

ASPECT = frozenset({"ar", "aspect"})
NEGATIVE = frozenset({"no"})
SEED = frozenset({"seed", "sameseed"})
# Midjourney's own models, modes and style knobs: read and dropped, they mean nothing here
IGNORED = frozenset(
    {
        "v", "version", "niji", "style", "s", "stylize", "c", "chaos", "q", "quality",
        "w", "weird", "tile", "iw", "sref", "cref", "sw", "cw", "sv", "p", "personalize",
        "r", "repeat", "stop", "relax", "fast", "turbo", "draft", "raw", "hd", "test",
        "testp", "creative", "uplight", "upbeta", "upanime", "video", "motion", "loop",
        "exp", "oref", "ow", "profile", "public", "stealth",
    }
)  # fmt: skip
KNOWN = ASPECT | NEGATIVE | SEED | IGNORED
# "--name" at the start or after a space; a long dash or an en dash as phones write "--"
FLAG = re.compile(r"(?:^|(?<=\s))(?:--|—|–)([A-Za-z]+)(?=\s|$)")


@dataclass(frozen=True)
class Parameters:
    """A prompt read as Midjourney reads it: the text to draw and what its parameters set
    (None where a parameter is absent)."""

    prompt: str
    ratio: str | None = None
    negative: str | None = None
    seed: int | None = None
    ignored: tuple[str, ...] = ()  # Midjourney's own, taken out: "--v 6"


def read_parameters(text: str) -> Parameters:
    """Split the parameters off the end of ``text``.

    Raises:
        BadParameter: an unknown parameter after a known one, a known one without the
            value it needs, or a seed that is not a whole number.
    """
    flags = [m for m in FLAG.finditer(text) if m.group(1).lower() in KNOWN]
    if not flags:
        return Parameters(text.strip())
    prompt = text[: flags[0].start()].strip()
    tail = text[flags[0].start() :]
    found = list(FLAG.finditer(tail))
    values: dict[str, str] = {}
    ignored = []
    for flag, following in zip(found, [*found[1:], None], strict=True):
        name = flag.group(1).lower()
        value = tail[flag.end() : following.start() if following else len(tail)].strip()
        if name not in KNOWN:
            raise BadParameter(f"--{flag.group(1)}", "unknown")
        if name in IGNORED:
            ignored.append(f"--{name} {value}".strip())
            continue
        if not value:
            raise BadParameter(f"--{name}", "empty")
        values[_canonical(name)] = value
    seed = values.get("seed")
    if seed is not None and not seed.isdigit():
        raise BadParameter("--seed", "seed")
    return Parameters(
        prompt,
        ratio=values.get("ar"),
        negative=values.get("no"),
        seed=int(seed) if seed is not None else None,
        ignored=tuple(ignored),
    )


def _canonical(name: str) -> str:
    if name in ASPECT:
        return "ar"
    return "seed" if name in SEED else name

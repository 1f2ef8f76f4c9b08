"""Reading an edit request out of a reply's text: prompt, image index and edit flags.

2 a red scarf --region bottom
U3 wider please --extend right 128
a starry sky --zoom 2
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from studio.errors import BadRequest
from studio.studio import EditOptions

INDEX = re.compile(r"^(?:U|V|#)?([1-4])$", re.IGNORECASE)
PIXELS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ReplyEdit:
    prompt: str
    index: int | None
    options: EditOptions


def parse_reply(text: str) -> ReplyEdit:
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    index = None
    if words and (match := INDEX.match(words[0])):
        index = int(match.group(1))
        words = words[1:]
    prompt_words: list[str] = []
    flags: dict[str, str | None] = {}
    pixels: int | None = None
    position = 0
    while position < len(words):
        word = words[position]
        if word.startswith("--"):
            name = word[2:].lower()
            if name not in ("region", "extend", "zoom"):
                raise BadRequest(f"Unknown option {word}; use --region, --extend or --zoom.")
            if position + 1 >= len(words):
                raise BadRequest(f"{word} needs a value, e.g. {_EXAMPLES[name]}.")
            flags[name] = words[position + 1].lower()
            position += 2
            if name == "extend" and position < len(words) and words[position].isnumeric():
                # isnumeric() is also true of "²" or "½", which int() refuses: ASCII only.
                if not PIXELS.fullmatch(words[position]):
                    raise BadRequest(
                        f"{words[position]!r} is not a number of pixels; "
                        f"write digits, e.g. {_EXAMPLES['extend']}."
                    )
                pixels = int(words[position])
                position += 1
            continue
        prompt_words.append(word)
        position += 1
    zoom = None
    if flags.get("zoom") is not None:
        try:
            zoom = float(flags["zoom"].removesuffix("x"))
        except ValueError:
            raise BadRequest("Zoom must be 1.5 or 2.") from None
    return ReplyEdit(
        prompt=" ".join(prompt_words),
        index=index,
        options=EditOptions(
            region=flags.get("region"), extend=flags.get("extend"), extend_pixels=pixels, zoom=zoom
        ),
    )


_EXAMPLES = {"region": "--region left", "extend": "--extend right 128", "zoom": "--zoom 2"}

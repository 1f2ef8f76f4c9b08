"""What a request asks for beyond its prompt, read once and checked before anything is
charged: the model id's defaults, quality, style, background, format, moderation, the end
user, streaming. A field the studio cannot honour is refused here with a message that
names it (never dropped silently)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.api.errors import bad_field
from app.api.formats import Encoding
from app.api.models import ModelId
from app.api.schemas import UNSUPPORTED, ImagesRequest, MadeRequest
from app.api.schemas import Usage as UsageBody
from studio.quality import Quality

# ``style`` for DALL·E 3 clients: words added to the prompt (the model has no style knob).
STYLE_SUFFIXES = {
    "vivid": "vivid, dramatic lighting, rich saturated colours, hyper-real detail",
    "natural": "natural light, true-to-life colours, realistic, understated",
}
QUALITIES = {
    "low": Quality.LOW,
    "medium": Quality.MEDIUM,
    "standard": Quality.MEDIUM,
    "auto": Quality.MEDIUM,
    "high": Quality.HIGH,
    "hd": Quality.HIGH,
}
CHARACTERS_PER_TEXT_TOKEN = 4  # the usual estimate for English text


@dataclass(frozen=True)
class Asked:
    model: ModelId
    response_format: str
    encoding: Encoding
    quality: Quality
    end_user: str | None
    stream: bool = False
    partial_images: int = 0

    @property
    def gpt_image(self) -> bool:
        return self.model.gpt_image


def read(body: ImagesRequest, model: ModelId) -> Asked:
    """Check every field a request sent; the studio's reading of them."""
    response_format = body.response_format or model.response_format
    end_user = body.user
    if not isinstance(body, MadeRequest):  # variations: DALL·E 2's fields only
        return Asked(model, response_format, Encoding(), Quality.MEDIUM, end_user)
    for name, why in UNSUPPORTED.items():
        if getattr(body, name) is not None:
            raise bad_field(name, f"{name!r} is not supported: {why}.")
    if body.background == "transparent":
        raise bad_field(
            "background",
            "This studio's model draws opaque images only: transparent backgrounds are not "
            "available. Send 'opaque' or 'auto'.",
        )
    if body.moderation == "low":
        raise bad_field(
            "moderation",
            "The content policy here is the operator's and the server's; a request cannot "
            "lower it. Send 'auto' or leave moderation out.",
        )
    compression = body.output_compression
    if compression is not None and compression != 100 and body.output_format == "png":
        raise bad_field(
            "output_compression",
            "PNG is lossless: output_compression applies to 'jpeg' and 'webp' output_format.",
        )
    partial = body.partial_images
    if partial and not body.stream:
        raise bad_field("partial_images", "partial_images needs 'stream': true.")
    if body.stream and response_format == "url":
        if body.response_format == "url":
            raise bad_field(
                "response_format", "A stream sends the images themselves: leave out 'url'."
            )
        response_format = "b64_json"  # a stream carries base64 by definition
    return Asked(
        model,
        response_format,
        Encoding(body.output_format, 100 if compression is None else compression),
        QUALITIES[body.quality],
        body.safety_identifier or end_user,
        stream=body.stream,
        partial_images=partial or 0,
    )


def styled(prompt: str, style: str | None) -> str:
    """The prompt with ``style``'s words (see STYLE_SUFFIXES), or as it is."""
    return f"{prompt}, {STYLE_SUFFIXES[style]}" if style else prompt


def usage(
    prompt: str, made: list[tuple[int, int]], inputs: list[tuple[int, int]], patch: int
) -> UsageBody:
    """The GPT image models' usage in this model's own units: an image is one token per
    ``patch``×``patch`` pixels (the latent patches the transformer reads, 16 px for FLUX),
    text about one token per four characters."""

    def tokens(size: tuple[int, int]) -> int:
        return math.ceil(size[0] / patch) * math.ceil(size[1] / patch)

    text = math.ceil(len(prompt) / CHARACTERS_PER_TEXT_TOKEN)
    image_in = sum(tokens(size) for size in inputs)
    out = sum(tokens(size) for size in made)
    return UsageBody(
        input_tokens=text + image_in,
        input_tokens_details={"image_tokens": image_in, "text_tokens": text},
        output_tokens=out,
        total_tokens=text + image_in + out,
    )

"""The request and response shapes of OpenAI's Images API, as pydantic models: they
validate requests and describe the API in its OpenAPI document.

Every field of the spec is honoured or refused with a message, never dropped: the table in
the README's API section says what the studio does with each. Fields outside the spec are
ignored (clients add their own); the studio's extras (``seed``, ``negative_prompt``) ride
along as extra body fields.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from studio.studio import MAX_SEED

MAX_IMAGES = 10  # OpenAI's ``n`` is 1–10
MAX_END_USER = 256  # a client's end-user id (``user``, ``safety_identifier``)
MAX_PARTIAL_IMAGES = 3

Quality = Literal["auto", "low", "medium", "high", "standard", "hd"]
Background = Literal["auto", "opaque", "transparent"]
OutputFormat = Literal["png", "jpeg", "webp"]
ResponseFormat = Literal["url", "b64_json"]
# Spec fields for features this studio does not have: sent with a value, they are refused.
UNSUPPORTED = {
    "complexity": "planning effort is a GPT image model's; this model has none to set",
    "frame_count": "GIF output is not available here",
    "frame_duration_ms": "GIF output is not available here",
    "svg": "SVG output is not available here",
}


class ImagesRequest(BaseModel):
    """What the three endpoints share: fields outside the spec are ignored, and a field
    sent as ``null`` means "the default" (some clients send every field, unset ones as
    null)."""

    model_config = ConfigDict(extra="ignore")

    n: int = Field(default=1, ge=1, le=MAX_IMAGES, description="How many images, 1–10.")
    response_format: ResponseFormat | None = Field(
        default=None,
        description="url or b64_json; default: url for DALL·E ids and the served model's "
        "id, b64_json for the GPT image ids.",
    )
    model: str | None = Field(
        default=None, description="The served model's id or an OpenAI image model id (alias)."
    )
    user: str | None = Field(
        default=None, max_length=MAX_END_USER, description="Your end user's id (recorded)."
    )
    seed: int | None = Field(
        default=None, ge=0, le=MAX_SEED - MAX_IMAGES, description="Studio extra: reproducible."
    )

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_defaults(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {name: value for name, value in values.items() if value is not None}
        return values


class MadeRequest(ImagesRequest):
    """The fields of generations and edits (the GPT image models' generation)."""

    prompt: str = Field(description="What to draw (the content policy and its length apply).")
    size: str | None = Field(
        default=None,
        description="auto, 1024x1024, 1536x1024, 1024x1536, 1792x1024, 1024x1792, 256x256, "
        "512x512 or any WxH from 1:4 to 4:1: made at the model's pixel budget at that aspect.",
    )
    quality: Quality = Field(
        default="auto", description="low: half the model's steps; high/hd: twice; else its own."
    )
    background: Background = Field(default="auto", description="transparent is refused.")
    output_format: OutputFormat = "png"
    output_compression: int | None = Field(
        default=None, ge=0, le=100, description="JPEG/WebP quality, 0–100 (default 100)."
    )
    moderation: Literal["auto", "low"] = Field(
        default="auto", description="low is refused: the server's content policy applies."
    )
    stream: bool = Field(default=False, description="Server-sent events (see partial_images).")
    partial_images: int | None = Field(
        default=None, ge=0, le=MAX_PARTIAL_IMAGES, description="0–3 progress previews."
    )
    safety_identifier: str | None = Field(
        default=None, max_length=MAX_END_USER, description="Your end user's id (recorded)."
    )
    complexity: Any = Field(default=None, description="Refused: no planning effort to set.")
    frame_count: Any = Field(default=None, description="Refused: no GIF output.")
    frame_duration_ms: Any = Field(default=None, description="Refused: no GIF output.")
    svg: Any = Field(default=None, description="Refused: no SVG output.")


class GenerationRequest(MadeRequest):
    """``POST /v1/images/generations`` (JSON)."""

    style: Literal["vivid", "natural"] | None = Field(
        default=None, description="A documented suffix added to the prompt (see the README)."
    )
    negative_prompt: str | None = Field(default=None, description="Studio extra.")


class EditForm(MadeRequest):
    """The non-file fields of ``POST /v1/images/edits`` (multipart)."""

    input_fidelity: Literal["low", "high"] | None = Field(
        default=None, description="high: keep closer to the input image (see the README)."
    )


class VariationForm(ImagesRequest):
    """The non-file fields of ``POST /v1/images/variations`` (multipart)."""

    size: str | None = None


class ImageData(BaseModel):
    url: str | None = Field(default=None, description="Served by the studio; expires.")
    b64_json: str | None = Field(default=None, description="The image, base64-encoded.")


class InputTokens(BaseModel):
    image_tokens: int
    text_tokens: int


class Usage(BaseModel):
    """The GPT image models' usage, counted in this model's own units (see the README)."""

    input_tokens: int
    input_tokens_details: InputTokens
    output_tokens: int
    total_tokens: int


class ImagesResponse(BaseModel):
    created: int = Field(description="Unix time the request was answered.")
    data: list[ImageData]
    size: str | None = Field(default=None, description="WxH of the images made.")
    quality: Literal["low", "medium", "high"] | None = None
    background: Literal["opaque"] | None = None
    output_format: OutputFormat | None = None
    usage: Usage | None = None
    safety_identifier: str | None = Field(default=None, description="The end user, as sent.")


class ModelObject(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "imagine"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelObject]


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail

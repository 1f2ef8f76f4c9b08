"""The request and response shapes of OpenAI's Images API (DALL·E 2's fields), as pydantic
models: they validate requests and describe the API in its OpenAPI document.

Fields OpenAI defines for newer models (``quality``, ``style``, ``background``…) are
accepted and ignored, as DALL·E 2 did; the studio's own extras (``seed``,
``negative_prompt``) ride along as extra body fields.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from studio.studio import MAX_SEED

MAX_IMAGES = 10  # OpenAI's ``n`` is 1–10


class ImagesRequest(BaseModel):
    """What the three endpoints share: unknown fields are ignored, and a field sent as
    ``null`` means "the default" (some clients send every field, unset ones as null)."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_defaults(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {name: value for name, value in values.items() if value is not None}
        return values


class GenerationRequest(ImagesRequest):
    """``POST /v1/images/generations`` (JSON)."""

    prompt: str = Field(description="What to draw (the content policy and its length apply).")
    n: int = Field(default=1, ge=1, le=MAX_IMAGES, description="How many images, 1–10.")
    size: str = Field(
        default="1024x1024",
        description="256x256, 512x512, 1024x1024, or the model's own sizes (see /v1/models).",
    )
    response_format: Literal["url", "b64_json"] = "url"
    model: str | None = Field(default=None, description="The served model's id, or omitted.")
    user: str | None = Field(default=None, description="Your end user's id (recorded nowhere).")
    seed: int | None = Field(
        default=None, ge=0, le=MAX_SEED - MAX_IMAGES, description="Studio extra: reproducible."
    )
    negative_prompt: str | None = Field(default=None, description="Studio extra.")


class EditForm(ImagesRequest):
    """The non-file fields of ``POST /v1/images/edits`` (multipart)."""

    prompt: str
    n: int = Field(default=1, ge=1, le=MAX_IMAGES)
    size: str | None = None
    response_format: Literal["url", "b64_json"] = "url"
    model: str | None = None
    user: str | None = None
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED - MAX_IMAGES)


class VariationForm(ImagesRequest):
    """The non-file fields of ``POST /v1/images/variations`` (multipart)."""

    n: int = Field(default=1, ge=1, le=MAX_IMAGES)
    size: str | None = None
    response_format: Literal["url", "b64_json"] = "url"
    model: str | None = None
    user: str | None = None
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED - MAX_IMAGES)


class ImageData(BaseModel):
    url: str | None = Field(default=None, description="Served by the studio; expires.")
    b64_json: str | None = Field(default=None, description="The PNG, base64-encoded.")


class ImagesResponse(BaseModel):
    created: int = Field(description="Unix time the request was answered.")
    data: list[ImageData]


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

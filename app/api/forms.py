"""Reading request bodies with limits, before anything is decoded, charged or queued.

A JSON body is bounded as a whole; a multipart body part by part (an image part at
``API_MAX_IMAGE_BYTES``, a text field at a few KB), so a hostile client cannot make the
server hold more than about two images' worth of bytes per request. Each refusal is a 400
that names the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web
from PIL import Image
from pydantic import BaseModel, ValidationError

from app.api.errors import ApiError, bad_field
from studio.errors import ImageRejected
from studio.studio import MAX_INPUT_IMAGES
from studio.uploads import open_upload

JSON_LIMIT = 64 * 1024  # a prompt is 400 characters; this is generous
FIELD_LIMIT = 4 * 1024  # one text field of a multipart form
MAX_PARTS = 16
FILE_FIELDS = ("image", "mask")
MAX_IMAGES_IN = MAX_INPUT_IMAGES  # ``image[]`` parts of one edit
REFUSED_FILES = {"markup": "a markup overlay is not supported here; send a mask instead"}
CHUNK = 64 * 1024

M = TypeVar("M", bound=BaseModel)


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[bytes]] = field(default_factory=dict)  # by name; ``image`` repeats


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise ApiError(400, "Send the request as JSON (Content-Type: application/json).")
    if (request.content_length or 0) > JSON_LIMIT:
        raise ApiError(400, f"The request body is larger than {JSON_LIMIT // 1024} KB.")
    raw = bytearray()
    async for chunk in request.content.iter_chunked(CHUNK):
        raw += chunk
        if len(raw) > JSON_LIMIT:
            raise ApiError(400, f"The request body is larger than {JSON_LIMIT // 1024} KB.")
    try:
        body = json.loads(raw)
    except RecursionError:  # "[[[[…" nested deeper than the parser goes: not a 500
        raise ApiError(400, "The request body is nested too deeply.") from None
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


async def read_form(request: web.Request, max_image_bytes: int) -> Form:
    """The multipart form's text fields and files, each within its limit."""
    if not request.content_type.startswith("multipart/"):
        raise bad_field("image", "Send the image in a multipart/form-data request.")
    whole = (MAX_IMAGES_IN + 1) * max_image_bytes + MAX_PARTS * FIELD_LIMIT + 64 * 1024
    if (request.content_length or 0) > whole:
        raise bad_field(
            "image",
            f"The request is {_megabytes(request.content_length or 0)}; an image may be at "
            f"most {_megabytes(max_image_bytes)}.",
        )
    form = Form()
    reader = await request.multipart()
    parts = 0
    while (part := await reader.next()) is not None:
        parts += 1
        if parts > MAX_PARTS or not isinstance(part, BodyPartReader):
            raise ApiError(400, "The form has too many or nested parts.")
        name = (part.name or "").removesuffix("[]")
        if name in REFUSED_FILES:
            raise bad_field(name, f"{name!r} is not supported: {REFUSED_FILES[name]}.")
        if name in FILE_FIELDS:
            sent = form.files.setdefault(name, [])
            most = MAX_IMAGES_IN if name == "image" else 1
            if len(sent) >= most:
                raise bad_field(name, f"Send at most {most} {name!r} file(s).")
            sent.append(await _read_part(part, name, max_image_bytes))
        else:
            data = await _read_part(part, name, FIELD_LIMIT)
            try:
                form.fields[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise bad_field(name, f"The field {name!r} is not UTF-8 text.") from None
    return form


async def _read_part(part: BodyPartReader, name: str, limit: int) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > limit:
            if name in FILE_FIELDS:
                raise bad_field(
                    name, f"The {name} is larger than {_megabytes(limit)}, the limit per image."
                )
            raise bad_field(name, f"The field {name!r} is longer than {limit} bytes.")
    return bytes(data)


def validate(model: type[M], values: dict[str, Any]) -> M:
    """The model, or a 400 naming the first field that is missing or wrong."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        param = str(first["loc"][0]) if first["loc"] else None
        if first["type"] == "missing":
            raise bad_field(param or "body", f"Missing required parameter {param!r}.") from None
        raise bad_field(param or "body", f"Invalid {param!r}: {first['msg']}.") from None


def decode_image(data: bytes, param: str, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """A safely decoded upload (format, bytes, pixels, decompression bombs), or a 400."""
    try:
        return open_upload(data, max_bytes=max_bytes, max_pixels=max_pixels)
    except ImageRejected as error:
        raise bad_field(param, f"Invalid {param!r}: {error}") from None

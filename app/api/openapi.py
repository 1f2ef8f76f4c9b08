"""The API's OpenAPI 3.1 description (``GET /openapi.json``), built from the same pydantic
models that validate the requests, so the document cannot drift from the code."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.api.schemas import (
    EditForm,
    ErrorResponse,
    GenerationRequest,
    ImagesResponse,
    ModelList,
    ModelObject,
    VariationForm,
)

_MODELS: tuple[type[BaseModel], ...] = (
    GenerationRequest,
    EditForm,
    VariationForm,
    ImagesResponse,
    ModelObject,
    ModelList,
    ErrorResponse,
)
_FILE = {"type": "string", "format": "binary"}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    for form, files in ((EditForm, ("image", "mask")), (VariationForm, ("image",))):
        upload = dict(schemas[form.__name__])
        upload["properties"] = {**{name: _FILE for name in files}, **upload["properties"]}
        upload["required"] = ["image", *upload.get("required", [])]
        schemas[f"{form.__name__}Upload"] = upload
    return schemas


def _errors(*statuses: int) -> dict[str, Any]:
    described = {
        "400": "A bad field (``param`` names it) or a content-policy refusal",
        "401": "No key, a wrong key or a revoked key",
        "403": "Suspended, or the server lets other roles only",
        "429": "Rate limit or in-flight limit (Retry-After), or no credits left",
        "500": "The generation failed; its credits were refunded",
        "503": "Generation is unavailable (the model could not be loaded)",
    }
    json_error = {"application/json": {"schema": _ref(ErrorResponse)}}
    return {str(s): {"description": described[str(s)], "content": json_error} for s in statuses}


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _images_operation(summary: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": body},
        "responses": {
            "200": {
                "description": "The images; with `stream: true`, server-sent events "
                "(`image_generation.partial_image`/`.completed`, `image_edit.*` for edits)",
                "content": {
                    "application/json": {"schema": _ref(ImagesResponse)},
                    "text/event-stream": {"schema": {"type": "string"}},
                },
            },
            **_errors(400, 401, 403, 429, 500, 503),
        },
    }


def document(model_id: str) -> dict[str, Any]:
    multipart = "multipart/form-data"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Imagine Images API",
            "version": "1",
            "description": (
                "OpenAI's Images API (DALL·E 2, DALL·E 3 and GPT image fields) served by a "
                f"self-hosted Imagine studio. Model: {model_id}, also under OpenAI's image "
                "model ids. Point an OpenAI client's base URL at /v1 and use a key from "
                "/api-key create or `python -m bot api-key create`."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
        "paths": {
            "/v1/images/generations": {
                "post": _images_operation(
                    "Create images from a prompt",
                    {"application/json": {"schema": _ref(GenerationRequest)}},
                )
            },
            "/v1/images/edits": {
                "post": _images_operation(
                    "Edit an image: its masked (for DALL·E ids also its transparent) area, "
                    "or the whole image as the prompt says",
                    {multipart: {"schema": {"$ref": "#/components/schemas/EditFormUpload"}}},
                )
            },
            "/v1/images/variations": {
                "post": _images_operation(
                    "Variations of an image",
                    {multipart: {"schema": {"$ref": "#/components/schemas/VariationFormUpload"}}},
                )
            },
            "/v1/models": {
                "get": {
                    "summary": "The models this studio serves",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {
                            "description": "The models",
                            "content": {"application/json": {"schema": _ref(ModelList)}},
                        },
                        **_errors(401),
                    },
                }
            },
            "/v1/models/{model}": {
                "get": {
                    "summary": "One served model",
                    "security": [{"bearer": []}],
                    "parameters": [_path_parameter("model")],
                    "responses": {
                        "200": {
                            "description": "The model",
                            "content": {"application/json": {"schema": _ref(ModelObject)}},
                        },
                        "404": {"description": "Not served here"},
                        **_errors(401),
                    },
                }
            },
            "/v1/results/{file}": {
                "get": {
                    "summary": (
                        "A `url` result, `<token>.<png|jpeg|webp>` (no key: the token is the "
                        "secret; it expires)"
                    ),
                    "parameters": [
                        _path_parameter("file"),
                        {
                            "name": "quality",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The image",
                            "content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}},
                        },
                        "404": {"description": "Expired or unknown"},
                    },
                }
            },
        },
    }

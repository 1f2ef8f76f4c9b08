"""The model ids a client may send: the served model's own id, and OpenAI's image model ids
as aliases of it, each with the defaults that id has at OpenAI.

Clients are written for one OpenAI model and send its id (LibreChat's DALL·E 3 tool sends
``dall-e-3``, its image tools ``gpt-image-1``, Open WebUI whichever its admin picked). Every
id here makes images with the one model this studio serves; what differs is what the id's
clients expect back: DALL·E ids a ``url`` by default, the GPT image ids ``b64_json`` and
the newer response fields (``size``, ``quality``, ``background``, ``output_format``,
``usage``). The ids are those of the official SDK's ``openai.types.ImageModel``
(openai-python 3.57); a test keeps this table in step with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.api.errors import ApiError

ResponseFormat = Literal["url", "b64_json"]


@dataclass(frozen=True)
class ModelId:
    """One id the API answers to, and what its clients expect."""

    id: str
    response_format: ResponseFormat  # the default when a request names none
    gpt_image: bool  # answers with the GPT image models' fields (size, quality, usage…)


DALL_E = ("dall-e-2", "dall-e-3")
GPT_IMAGE = (
    "gpt-image-1",
    "gpt-image-1-mini",
    "gpt-image-1.5",
    "gpt-image-2",
    "gpt-image-2-2026-04-21",
    "gpt-image-2.5-sunburst",
    "gpt-image-2.5-sunburst-2026-09-08",
    "gpt-image-2.5-flare",
    "gpt-image-2.5-flare-2026-09-08",
    "gpt-image-2.6-sunburst",
    "gpt-image-2.6-flare",
    "chatgpt-image-latest",
)


def model_ids(served: str) -> dict[str, ModelId]:
    """Every id the API answers to, the served model's own first (it answers as DALL·E 2
    did, with a ``url``)."""
    ids = [ModelId(served, "url", False)]
    ids += [ModelId(name, "url", False) for name in DALL_E]
    ids += [ModelId(name, "b64_json", True) for name in GPT_IMAGE]
    return {model.id: model for model in ids}


def check_model(models: dict[str, ModelId], served: str, model: str | None) -> ModelId:
    """The id's entry (none given: the served model's), or a 400 naming the ids served."""
    if not model:
        return models[served]
    if model not in models:
        raise ApiError(
            400,
            f"The model {model!r} does not exist here; this studio serves {served!r}, also "
            "under OpenAI's image model ids (see GET /v1/models).",
            param="model",
            code="model_not_found",
        )
    return models[model]

"""What an image file says about where it came from: the reading side of provenance.

``python -m bot provenance FILE`` and the "Check provenance" message command both print
:func:`inspect`'s report: the C2PA manifest (who signed, what was done, the chain of
source images) with its validation state, the invisible watermark, the PNG text chunks.
The worker writes all three (``inference/provenance.py``); this side only reads, with
no key and no torch. The report is data (JSON); each adapter words it (Discord's few bold
lines are in ``app/discord/cogs/provenance.py``).
"""

from __future__ import annotations

import io
import json
from typing import Any

import c2pa
from PIL import Image, UnidentifiedImageError

from data import watermark
from data.images import mime_of

UNTRUSTED = "signingCredential.untrusted"  # a self-made chain: intact, but nobody vouches
# Pillow's format name → the MIME type c2pa reads (others carry no manifest c2pa can find).
_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "AVIF": "image/avif",
}
_TEXT_LIMIT = 2000  # characters of one text chunk in the report


class CannotInspect(ValueError):
    """No image Pillow can open, or one too large to decode; one sentence says which."""


def inspect(
    data: bytes, known_models: tuple[str, ...] = (), max_pixels: int | None = None
) -> dict[str, Any]:
    """The report for one image file (JSON-ready).

    Args:
        data: the file's bytes.
        known_models: model ids this studio runs; a watermark whose code matches one
            names it.
        max_pixels: refuse larger images before decoding them (uploads to the bot).
    """
    try:
        image = Image.open(io.BytesIO(data))
        if max_pixels is not None and image.width * image.height > max_pixels:
            raise CannotInspect(
                f"The image is {image.width}×{image.height} pixels, too large to check"
                f" (the limit is {max_pixels:,} pixels)."
            )
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        if isinstance(error, CannotInspect):
            raise
        raise CannotInspect(f"This is not an image I can read ({error}).") from None
    report: dict[str, Any] = {
        "format": image.format,
        "size": list(image.size),
        "c2pa": credentials(data, mime) if (mime := _FORMATS.get(image.format or "")) else None,
        "watermark": None,
        "text": {
            key: str(value)[:_TEXT_LIMIT]
            for key, value in getattr(image, "text", {}).items()
            if isinstance(value, str)
        },
    }
    mark = watermark.detect(image)
    if mark is not None:
        found = mark.to_json()
        for model in known_models:
            if watermark.model_code(model) == mark.model_code:
                found["model"] = model
        report["watermark"] = found
    return report


def has_credentials(data: bytes) -> bool:
    """Whether the file carries a C2PA manifest (valid or not): worth passing along."""
    image_format = mime_of(data)
    if image_format is None:
        return False
    try:
        c2pa.Reader(image_format, io.BytesIO(data)).close()
    except c2pa.C2paError:
        return False
    return True


def credentials(data: bytes, mime: str) -> dict[str, Any] | None:
    """The C2PA summary, or None when the file carries no manifest."""
    try:
        reader = c2pa.Reader(mime, io.BytesIO(data))
        store = json.loads(reader.json())
    except c2pa.C2paError as error:
        if "ManifestNotFound" in type(error).__name__ or "no JUMBF" in str(error):
            return None
        return {"state": "unreadable", "error": str(error)}
    codes = [status.get("code", "") for status in store.get("validation_status") or []]
    problems = [code for code in codes if code != UNTRUSTED]
    manifests = store.get("manifests", {})
    active = manifests.get(store.get("active_manifest", ""), {})
    signature = active.get("signature_info", {})
    return {
        # "valid": every check passed but the signer's trust; "invalid": something failed.
        "state": "invalid" if problems else "valid",
        "problems": problems,
        "signer": {
            "issuer": signature.get("issuer"),
            "common_name": signature.get("common_name"),
            "trusted": UNTRUSTED not in codes,
        },
        "claim_generator": [
            f"{info.get('name', '')} {info.get('version', '')}".strip()
            for info in active.get("claim_generator_info", [])
        ],
        "chain": _chain(active, manifests),
    }


def _chain(manifest: dict[str, Any], manifests: dict[str, Any]) -> list[dict[str, Any]]:
    """This image's step, then its source's, back to the first image (newest first)."""
    steps: list[dict[str, Any]] = []
    seen: set[str] = set()
    while manifest:
        assertions = {a.get("label"): a.get("data", {}) for a in manifest.get("assertions", [])}
        actions = (assertions.get("c2pa.actions.v2") or assertions.get("c2pa.actions") or {}).get(
            "actions", []
        )
        step: dict[str, Any] = {
            "title": manifest.get("title"),
            "actions": [action.get("action") for action in actions],
            "digital_source_type": next(
                (a["digitalSourceType"] for a in actions if "digitalSourceType" in a), None
            ),
        }
        generation = assertions.get("org.imagine.generation")
        if generation:
            step["generation"] = generation
        parents = [
            ingredient
            for ingredient in manifest.get("ingredients", [])
            if ingredient.get("relationship") == "parentOf"
        ]
        if parents:
            step["source"] = {
                "title": parents[0].get("title"),
                "has_credentials": bool(parents[0].get("active_manifest")),
            }
        steps.append(step)
        label = parents[0].get("active_manifest") if parents else None
        if not label or label in seen:
            break
        seen.add(label)
        manifest = manifests.get(label, {})
    return steps

"""What an image file says about where it came from: the reading side of provenance.

``python -m bot provenance FILE`` and the "Check provenance" message command both print
:func:`inspect`'s report: the C2PA manifest (who signed, what was done, the chain of
source images) with its validation state, the invisible watermark, the PNG text chunks.
The worker writes all three (``inference/provenance.py``); this side only reads, with
no key and no torch. The report is data (JSON); each adapter words it (Discord's few bold
lines are in ``app/discord/cogs/provenance.py``).

Anyone can make a certificate with this studio's names, so the report compares the
signer with the studio's own certificate (``DATA_DIR/c2pa/certificate.pem``, the chain
the worker signs with): c2pa validates the signature against it as the only trust anchor
and the leaf must be the same certificate. Only then does the report say "this studio",
with the certificate's SHA-256 fingerprint; any other signer is worded as unknown.

The invisible watermark is not keyed: it says "made by an Imagine studio with this model"
to anyone who reads it, and anyone with the code can write it. It is a hint that
survives re-saves, never proof of which studio made an image.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from PIL import Image, UnidentifiedImageError

from data import watermark
from data.images import mime_of
from data.jobs import SourceReference

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


CERTIFICATE = Path("c2pa") / "certificate.pem"  # under DATA_DIR, written by the worker


@dataclass(frozen=True)
class StudioCertificate:
    """The chain this studio signs with (public: no key), and its leaf's identity."""

    chain: bytes  # PEM, leaf first
    fingerprint: str  # SHA-256 of the leaf certificate (DER), colon-separated hex
    serial: str  # the leaf's serial number, as c2pa reports it (decimal)

    @classmethod
    def from_pem(cls, chain: bytes) -> StudioCertificate:
        leaf = x509.load_pem_x509_certificate(chain)
        digest = leaf.fingerprint(hashes.SHA256()).hex().upper()  # of the DER encoding
        pairs = ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
        return cls(chain=chain, fingerprint=pairs, serial=str(leaf.serial_number))


def own_certificate(data_dir: Path) -> StudioCertificate | None:
    """The studio's certificate as the worker published it; None before any worker ran
    here (workers on other machines: copy their ``c2pa/certificate.pem`` into DATA_DIR)."""
    try:
        return StudioCertificate.from_pem((Path(data_dir) / CERTIFICATE).read_bytes())
    except (OSError, ValueError):
        return None


class CannotInspect(ValueError):
    """No image Pillow can open, or one too large to decode; one sentence says which."""


def inspect(
    data: bytes,
    known_models: tuple[str, ...] = (),
    max_pixels: int | None = None,
    own: StudioCertificate | None = None,
) -> dict[str, Any]:
    """The report for one image file (JSON-ready).

    Args:
        data: the file's bytes.
        known_models: model ids this studio runs; a watermark whose code matches one
            names it.
        max_pixels: refuse larger images before decoding them (uploads to the bot).
        own: this studio's certificate, to tell its own images from others' (None:
            the report says it cannot tell).
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
        "c2pa": (
            credentials(data, mime, own) if (mime := _FORMATS.get(image.format or "")) else None
        ),
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


def is_own_image(data: bytes, own: StudioCertificate | None) -> bool:
    """Whether an upload is one of this studio's images, its credentials intact and signed
    by the studio's own certificate: only then may its manifest chain into a new result."""
    mime = mime_of(data)
    if own is None or mime is None:
        return False
    found = credentials(data, mime, own)
    return bool(found) and found["state"] == "valid" and found["signer"]["own"] is True


def reference_of(data: bytes, own: StudioCertificate | None = None) -> SourceReference:
    """An upload as a result's manifest names it: title, format, hash and the state of
    its own credentials, never their content (read in a thread: c2pa hashes the file)."""
    mime = mime_of(data) or "application/octet-stream"
    found = credentials(data, mime, own) if mime.startswith("image/") else None
    return SourceReference(
        format=mime,
        sha256=hashlib.sha256(data).hexdigest(),
        credentials=found["state"] if found else "none",
    )


def credentials(
    data: bytes, mime: str, own: StudioCertificate | None = None
) -> dict[str, Any] | None:
    """The C2PA summary, or None when the file carries no manifest. With ``own``, c2pa
    checks the signature with the studio's chain as its only trust anchor."""
    try:
        if own is not None:
            anchored = c2pa.Settings.from_dict({"trust": {"user_anchors": own.chain.decode()}})
            reader = c2pa.Reader(mime, io.BytesIO(data), context=c2pa.Context(anchored))
        else:
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
    # Ours: it validates to our chain as the only anchor, and its leaf is our certificate
    # (the anchor alone would also pass another leaf from an operator's issuing CA).
    own_signer = (
        own is not None
        and UNTRUSTED not in codes
        and not problems
        and str(signature.get("cert_serial_number")) == own.serial
    )
    return {
        # "valid": every check passed but the signer's trust; "invalid": something failed.
        "state": "invalid" if problems else "valid",
        "problems": problems,
        "signer": {
            "issuer": signature.get("issuer"),
            "common_name": signature.get("common_name"),
            "trusted": UNTRUSTED not in codes and own is None,  # on a trust list c2pa knows
            # True: this studio's certificate; False: another; None: ours is unknown here.
            "own": own_signer if own is not None else None,
            "fingerprint": own.fingerprint if own_signer and own is not None else None,
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
            if reference := assertions.get("org.imagine.source"):  # named, not carried
                step["source"].update(
                    sha256=reference.get("sha256"), credentials=reference.get("credentials")
                )
        steps.append(step)
        label = parents[0].get("active_manifest") if parents else None
        if not label or label in seen:
            break
        seen.add(label)
        manifest = manifests.get(label, {})
    return steps

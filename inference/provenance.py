"""Every PNG the worker makes, with its provenance: watermark, text chunks, Content Credentials.

One call, :meth:`Provenance.png`, in the order that keeps all three intact:

1. the invisible watermark (``data.watermark``) goes into the pixels;
2. the PNG is encoded with its generation parameters as text chunks;
3. a C2PA manifest is signed over those final bytes: ``c2pa.created`` for a new image,
   ``c2pa.opened`` (the source as a ``parentOf`` ingredient) and ``c2pa.edited`` for a
   variation or an edit, so a chain of edits can be traced.

Only a studio-made source brings its own manifest store (the chain), and only while that
store is under ``MAX_PARENT_CREDENTIALS`` bytes, so results stay bounded. An upload enters
as a reference alone (title, format, SHA-256, the state of its own credentials): what it
carried (manifests, thumbnails, free-text assertions) was never screened and stays out.

The manifest names the studio, its version and the model; it holds no user id, name or
prompt unless ``C2PA_INCLUDE_PROMPT=true`` (then the prompts, never who asked). The key
stays in this process; :meth:`png` runs in the engine's encoder threads, each with its own
c2pa signer.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import threading
from importlib import metadata

import c2pa
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from data import watermark
from data.images import mime_of
from data.jobs import Job, JobKind, SourceReference
from inference.certificates import CertificateError, SigningKey

log = logging.getLogger(__name__)

STUDIO = "Imagine"
GENERATION_LABEL = "org.imagine.generation"  # our own assertion: model and settings
_IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# An edit keeps the unmasked pixels of its source: a composite; the rest is all model.
SOURCE_TYPES = {
    JobKind.GENERATE: _IPTC + "trainedAlgorithmicMedia",
    JobKind.VARY: _IPTC + "trainedAlgorithmicMedia",
    JobKind.EDIT: _IPTC + "compositeWithTrainedAlgorithmicMedia",
    # An upscale repaints every pixel of its enlarged source at a low strength.
    JobKind.UPSCALE: _IPTC + "compositeWithTrainedAlgorithmicMedia",
}
DESCRIPTIONS = {
    JobKind.GENERATE: "text to image",
    JobKind.VARY: "variation (image to image)",
    JobKind.EDIT: "edit (inpainting or outpainting)",
    JobKind.UPSCALE: "upscale (2×, image to image in tiles)",
}
_SOURCE_ID = "source"  # the ingredient label the actions point at
SOURCE_LABEL = "org.imagine.source"  # our assertion on a source that entered as a reference
# A studio parent's manifest store above this (about eight steps of edits, each ~30 KB
# with its certificates) enters as a reference too: the chain stops, the file stays small.
MAX_PARENT_CREDENTIALS = 256 * 1024


def studio_version() -> str:
    try:
        return metadata.version("imagine")
    except metadata.PackageNotFoundError:
        return "0"


class Provenance:
    """Turns a decoded image into the PNG that leaves the worker.

    :param key: the certificate chain and key that sign; None writes no manifest (unit
        tests that compare bytes across runs, where a fresh signature would differ).
    :param include_prompt: put the prompts in the manifest (``C2PA_INCLUDE_PROMPT``).
    :param mark: write the invisible watermark (``WATERMARK``).
    """

    def __init__(
        self, key: SigningKey | None = None, *, include_prompt: bool = False, mark: bool = True
    ) -> None:
        self.key = key
        self.include_prompt = include_prompt
        self.mark = mark
        self.version = studio_version()
        self._local = threading.local()  # a c2pa Context (settings + signer) per thread

    @classmethod
    def plain(cls) -> Provenance:
        """Text chunks only: no watermark, no signature."""
        return cls(None, mark=False)

    def png(
        self, job: Job, image: Image.Image, seed: int, model: str, prompt: str | None = None
    ) -> bytes:
        """The finished PNG of one image of ``job``: marked, described, signed.

        ``prompt``: the image's own, when it differs from the job's (people diversity)."""
        if self.mark:
            image = watermark.embed(image, model)
        png = _encode(job, image, seed, model, prompt or job.prompt)
        if self.key is None:
            return png
        return self.sign(job, png, seed, model)

    def sign(self, job: Job, png: bytes, seed: int, model: str) -> bytes:
        """``png`` with a C2PA manifest bound to its bytes."""
        reference = None
        chained = job.kind is not JobKind.GENERATE and _chains(job.parent)
        if job.kind is not JobKind.GENERATE and not chained:
            reference = source_reference(job)
        builder = c2pa.Builder(self.manifest(job, seed, model, reference), self._context())
        if chained:
            assert job.parent is not None
            ingredient = {"title": "source image", "relationship": "parentOf", "label": _SOURCE_ID}
            builder.add_ingredient(ingredient, "image/png", io.BytesIO(job.parent))
        signed = io.BytesIO()
        builder.sign("image/png", io.BytesIO(png), signed)
        return signed.getvalue()

    def manifest(
        self, job: Job, seed: int, model: str, reference: SourceReference | None = None
    ) -> dict:
        """The manifest definition: what made the image, never who asked for it;
        ``reference``: the source, named only (no stream, no manifest of its own)."""
        agent = {"name": STUDIO, "version": self.version}
        made = {
            "action": "c2pa.created" if job.kind is JobKind.GENERATE else "c2pa.edited",
            "digitalSourceType": SOURCE_TYPES[job.kind],
            "softwareAgent": agent,
            "description": f"{DESCRIPTIONS[job.kind]} with {model}",
        }
        actions = [made]
        if job.kind is not JobKind.GENERATE:
            opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": [_SOURCE_ID]}}
            actions = [opened, made]
        generation = {
            "model": model,
            "mode": job.kind.value,
            "seed": seed,
            "steps": job.steps,
            "guidance": job.guidance,
            "width": job.width,
            "height": job.height,
        }
        if job.kind is not JobKind.GENERATE:
            generation["strength"] = job.strength
        if self.include_prompt:
            generation["prompt"] = job.prompt
            if job.negative_prompt:
                generation["negative_prompt"] = job.negative_prompt
        definition = {
            "claim_generator_info": [agent],
            "title": f"imagine-{job.kind.value}.png",
            "format": "image/png",
            "assertions": [
                {"label": "c2pa.actions.v2", "data": {"actions": actions}},
                {"label": GENERATION_LABEL, "data": generation},
            ],
        }
        if reference is not None:
            definition["ingredients"] = [
                {
                    "title": reference.title,
                    "format": reference.format,
                    "relationship": "parentOf",
                    "label": _SOURCE_ID,
                }
            ]
            definition["assertions"].append({"label": SOURCE_LABEL, "data": reference.model_dump()})
        return definition

    def _context(self) -> c2pa.Context:
        context = getattr(self._local, "context", None)
        if context is None:
            context = self._local.context = make_context(self.key)
        return context


def make_context(key: SigningKey) -> c2pa.Context:
    """A c2pa Context that signs with ``key`` and embeds no thumbnail (a thumbnail is a
    JPEG encode per image, 70 ms at 512², for a picture the file already is)."""
    settings = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    try:
        info = c2pa.C2paSignerInfo(
            alg=b"es256", sign_cert=key.chain, private_key=key.key, ta_url=None
        )
        return c2pa.Context(settings, c2pa.Signer.from_info(info))
    except c2pa.C2paError as error:
        raise CertificateError(f"The C2PA certificate or key cannot sign: {error}") from None


def check_key(key: SigningKey) -> None:
    """Sign a tiny PNG once, so a bad certificate stops the worker at start, not per job."""
    probe = io.BytesIO()
    Image.new("RGB", (8, 8)).save(probe, format="PNG")
    created = Job(
        id="probe", kind=JobKind.GENERATE, seed=0, n=1, width=8, height=8, steps=1, guidance=0
    )
    try:
        builder = c2pa.Builder(Provenance(key).manifest(created, 0, "probe"), make_context(key))
        builder.sign("image/png", io.BytesIO(probe.getvalue()), io.BytesIO())
    except c2pa.C2paError as error:
        raise CertificateError(f"The C2PA certificate or key cannot sign: {error}") from None


def _encode(job: Job, image: Image.Image, seed: int, model: str, prompt: str) -> bytes:
    info = PngInfo()
    info.add_text("prompt", prompt)
    if job.negative_prompt:
        info.add_text("negative_prompt", job.negative_prompt)
    info.add_text("seed", str(seed))
    info.add_text("model", model)
    info.add_text("mode", job.kind.value)
    info.add_text("steps", str(job.steps))
    info.add_text("guidance", str(job.guidance))
    buffer = io.BytesIO()
    # Level 1: 4× faster than Pillow's default 6 (55 → 13 ms at 512²), files ~ as small.
    image.save(buffer, format="PNG", pnginfo=info, compress_level=1)
    return buffer.getvalue()


def source_reference(job: Job) -> SourceReference:
    """How a source that brings no manifest is named: the upload's reference the bot made,
    else (a studio parent over the size bound, a job from before references) its file."""
    if job.source is not None:
        return job.source
    data = job.parent or job.init_image
    if not data:
        raise ValueError(f"a {job.kind.value} job has no source image to record")
    return SourceReference(
        title="source image",
        format=mime_of(data) or "image/png",
        sha256=hashlib.sha256(data).hexdigest(),
        credentials="studio" if job.parent else "none",  # ours: its chain cut for size
    )


def _chains(parent: bytes | None) -> bool:
    """Whether a studio parent brings its manifest store: it has one, within the bound."""
    if not parent:
        return False
    size = credentials_size(parent)
    return 0 < size <= MAX_PARENT_CREDENTIALS


def credentials_size(png: bytes) -> int:
    """Bytes of C2PA manifest store in a PNG (its ``caBX`` chunks); 0 for none."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return 0
    total, at = 0, 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"caBX":
            total += length
        at += 12 + length
    return total

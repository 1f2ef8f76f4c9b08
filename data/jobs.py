"""The job contract between the bot and the workers: everything a worker needs, nothing more.

A Job carries its prompt, seed, size and input images as bytes, and a Result carries the
PNGs back, so a worker never needs the bot's database. A Job serialises to JSON (bytes as
base64); a Result, mostly PNG bytes, crosses the queues as bytes (:meth:`Result.to_bytes`:
a small JSON header, then the PNGs as they are), which costs neither side a base64 pass.

The worker checks the images it made (nudity) before it completes a job: the job carries
the rules of the server that asked (:class:`OutputRules`), the result the verdict
(:class:`OutputVerdict`), and the bot withholds and refunds on it.
"""

from __future__ import annotations

import json
import struct
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field

_CONTRACT = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

# Jobs equal in these fields can share one pipeline call (one model: a worker claims only
# jobs for the model it serves). Prompts, seeds, image counts and input images may differ.
BATCH_FIELDS = ("model", "kind", "width", "height", "steps", "guidance", "strength")


class JobKind(StrEnum):
    GENERATE = "generate"  # text to image
    VARY = "vary"  # image to image of a source, fresh seeds
    EDIT = "edit"  # inpainting with a mask (outpainting is an edit on a padded canvas)
    UPSCALE = "upscale"  # init_image to width × height (2×), repainted at low strength in tiles


class Priority(IntEnum):
    """Which credits paid for a job: paid ones go first when the queue is long."""

    FREE = 0
    PAID = 1


class OutputRules(BaseModel):
    """What the worker checks a job's images for: the asking server's rules at submission
    (a server that turned nudity blocking off sends ``block_nudity=False``). The default
    checks, so a job without rules is never shown unchecked."""

    model_config = _CONTRACT

    block_nudity: bool = True
    block_faces: bool = False

    @property
    def any(self) -> bool:
        return self.block_nudity or self.block_faces


class OutputVerdict(BaseModel):
    """The worker's check of a job's images: the first image that broke a rule decides."""

    model_config = _CONTRACT

    allowed: bool
    reason: str | None = None  # "nudity", "a realistic face", "they could not be checked"
    label: str | None = None  # the detector's label, e.g. FEMALE_BREAST_EXPOSED
    score: float | None = None


class SourceReference(BaseModel):
    """An uploaded source as a result's Content Credentials name it: what it was, never what
    it carried (its own manifest store, thumbnails and assertions stay out, unscreened)."""

    model_config = _CONTRACT

    title: str = "uploaded image"
    format: str  # its MIME type as uploaded
    sha256: str  # of the uploaded file's bytes (hex)
    # Its own Content Credentials: "none", "valid" (intact, any signer), "invalid",
    # "unreadable"; "studio": one of ours whose chain was cut to keep the result small.
    credentials: str = "none"


class Job(BaseModel):
    model_config = _CONTRACT

    id: str
    kind: JobKind
    # The model it was asked of (MODEL as the bot has it) and its family: a worker claims
    # only jobs for the model it serves; "" (a job from before models were named): any.
    model: str = ""
    family: str = ""
    user_id: int = 0  # who asked: the queue takes turns between users
    priority: Priority = Priority.FREE
    prompt: str = ""
    negative_prompt: str = ""
    seed: int = Field(ge=0, lt=2**32)
    n: int = Field(ge=1, le=8)
    width: int = Field(ge=8, le=2048)
    height: int = Field(ge=8, le=2048)
    steps: int = Field(ge=1, le=150)
    guidance: float = Field(ge=0, le=30)
    strength: float = Field(default=0.6, gt=0, le=1)
    init_image: bytes | None = None
    mask: bytes | None = None  # white = paint here, black = keep
    # Further images a reference-conditioned variation (FLUX.2) looks at besides init_image.
    references: tuple[bytes, ...] = Field(default=(), max_length=8)
    output_rules: OutputRules = OutputRules()
    image_prompts: tuple[str, ...] = ()  # one prompt per image (people diversity); () = prompt
    # The source image as stored (a studio image, its Content Credentials included): the
    # worker records it as the result's C2PA ingredient; the pixels come from init_image.
    parent: bytes | None = None
    # An upload instead: the ingredient is only this reference (no manifest, no thumbnail).
    source: SourceReference | None = None
    # The name of the bot's image storage (data.images.ImageFiles.identity): a worker that
    # sees the storage of that name writes the images there itself, and the result carries
    # only their paths. None, or another name: the PNGs travel in the result.
    storage: str | None = None

    def prompt_for(self, index: int) -> str:
        """The prompt image ``index`` is drawn from: its own, or the job's."""
        if index < len(self.image_prompts):
            return self.image_prompts[index]
        return self.prompt

    def image_seeds(self) -> list[int]:
        """Image i of a job is seeded with seed + i, so each image is reproducible alone."""
        return [(self.seed + i) % 2**32 for i in range(self.n)]

    def batch_key(self) -> tuple:
        """Jobs with equal keys can run as one batch (see ``BATCH_FIELDS``)."""
        return tuple(getattr(self, field) for field in BATCH_FIELDS)


class GeneratedImage(BaseModel):
    """One image of a result: its PNG, or where the worker stored it (``Job.storage``)."""

    model_config = _CONTRACT

    png: bytes = b""
    seed: int
    image_id: str | None = None  # with path: the id it was stored under
    path: str | None = None  # in the bot's storage, as ImageFiles.relative_path(image_id)

    @property
    def stored(self) -> bool:
        return self.path is not None


_RESULT_MAGIC = b"IMR1"  # a binary Result; JSON text (older queues) starts with "{"


class Result(BaseModel):
    model_config = _CONTRACT

    job_id: str
    model: str
    width: int
    height: int
    images: list[GeneratedImage]  # empty when the verdict withholds them
    seconds: float
    verdict: OutputVerdict | None = None  # None: the worker did not check the images
    grid: bytes | None = None  # the images as the bot posts them (data.grids), made by the worker
    # where a worker of an earlier build stored the grid (they now send it along): read,
    # then deleted, by the bot
    grid_path: str | None = None

    @property
    def stored_paths(self) -> list[str]:
        """What the worker wrote into the bot's storage for this result."""
        paths = [image.path for image in self.images if image.path is not None]
        return paths + ([self.grid_path] if self.grid_path else [])

    def to_bytes(self) -> bytes:
        """The Result for a queue: magic, header length, JSON header, then each PNG as is."""
        header = self.model_dump(mode="json", exclude={"images", "grid"})
        header["images"] = [
            [image.seed, len(image.png)] + ([image.image_id, image.path] if image.stored else [])
            for image in self.images
        ]
        header["grid"] = None if self.grid is None else len(self.grid)
        encoded = json.dumps(header, separators=(",", ":")).encode()
        return b"".join(
            [_RESULT_MAGIC, struct.pack(">I", len(encoded)), encoded]
            + [image.png for image in self.images]
            + [self.grid or b""]
        )

    @classmethod
    def from_bytes(cls, data: bytes | str) -> Result:
        """Read :meth:`to_bytes`; JSON (a result stored before results were binary) too."""
        if isinstance(data, str) or not data.startswith(_RESULT_MAGIC):
            return cls.model_validate_json(data)
        start = len(_RESULT_MAGIC) + 4
        (length,) = struct.unpack(">I", data[len(_RESULT_MAGIC) : start])
        header = json.loads(data[start : start + length])
        offset = start + length
        images = []
        for seed, size, *stored in header.pop("images"):
            image_id, path = stored or (None, None)
            png = data[offset : offset + size]
            images.append(GeneratedImage(png=png, seed=seed, image_id=image_id, path=path))
            offset += size
        grid = None
        if (size := header.pop("grid", None)) is not None:
            grid, offset = data[offset : offset + size], offset + size
        if offset != len(data):
            raise ValueError(f"a binary result of {len(data)} bytes should have {offset}")
        return cls(**header, images=images, grid=grid)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobStatus(BaseModel):
    """What the bot sees of a job in the queue."""

    job_id: str
    state: JobState
    ahead: int = 0  # jobs that will start before this one (queued only)
    step: int = 0
    total_steps: int = 0
    attempts: int = 0
    error: str | None = None
    result: Result | None = None
    preview: bytes | None = None  # a rough JPEG of a running job (PREVIEW_DECODER)

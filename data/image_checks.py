"""Image checks: nudity and realistic faces, offline, with NudeNet's detector.

Why this lives in ``data/``: two processes need it. The bot checks uploads before any credit
is taken, and the inference worker checks every generated image next to the GPU before it
completes the job (the verdict travels in the :class:`data.jobs.Result`). ``bot`` and
``inference`` may both import only ``data``, and the rules and the verdict are part of the
job contract there, so the detector sits beside that contract. It imports nothing of ours,
and onnxruntime and OpenCV load only when the first image is checked.

NudeNet ships its ONNX weights (``320n.onnx``, 12 MB) inside the PyPI wheel and runs on
onnxruntime, so nothing is downloaded at run time. One pass finds both exposed body parts
and faces (``FACE_FEMALE``/``FACE_MALE``). The detector alone fires on some colourful
non-photos (scikit-image's colour wheel reads as "buttocks exposed", 0.83), so in a colour
image a detection counts only when its box is mostly skin-coloured; a greyscale photo has no
colour to judge and keeps its detections.

Only *realistic* faces are refused (DALL·E 2's rule): drawings, cartoons, posterized and
painted pictures of faces pass. The detector fires on those too (a 4-colour posterized
photo of a face still scores 0.69), so a face counts only where its box looks
photographic: a camera's sensor noise and the micro-texture of skin leave almost no 3×3
neighbourhood of exactly one colour (under 1 % in scikit-image's portraits, JPEG quality
30 included), while flat fills, posterizing and paint filters leave many (4–32 %). See
:func:`flat_share` and the README for what this misses.

Checks are CPU-bound (tens of ms an image on a CPU): callers run them off the event loop.
On a CUDA machine with ``onnxruntime-gpu`` installed the detector runs on the GPU.
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

NUDITY = frozenset(
    {
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "FEMALE_BREAST_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)
FACES = frozenset({"FACE_FEMALE", "FACE_MALE"})
SKIN_CR = (133, 173)  # the classic YCrCb skin range (Chai & Ngan)
SKIN_CB = (77, 127)
GREY_TOLERANCE = 8  # mean channel spread below this: a greyscale picture
MAX_FLAT = 0.025  # a face box with more flat 3×3 patches than this is drawn, not a photo

_checkers = ThreadPoolExecutor(
    max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="image-check"
)


@dataclass(frozen=True)
class ImageRules:
    block_nudity: bool = True
    block_faces: bool = True


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    skin: float | None  # share of skin-coloured pixels in the box; None for greyscale
    flat: float | None = None  # faces only: share of flat 3×3 patches (see flat_share)


@dataclass(frozen=True)
class ImageVerdict:
    allowed: bool
    reason: str | None = None  # "nudity" or "a realistic face"
    label: str | None = None
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        score = None if self.score is None else round(self.score, 3)
        return {"allowed": self.allowed, "reason": self.reason, "label": self.label, "score": score}


PASSED = ImageVerdict(True)


class ImageChecker:
    """Loads the detector on first use (0.2 s) and shares it between threads.

    ``device="cuda"`` runs it through onnxruntime's CUDA provider when the installed
    onnxruntime has one (the ``onnxruntime-gpu`` build), on the CPU otherwise.
    """

    def __init__(
        self,
        *,
        nudity_threshold: float = 0.45,
        face_threshold: float = 0.5,
        min_skin: float = 0.2,
        max_flat: float = MAX_FLAT,
        device: str = "cpu",
    ) -> None:
        self.nudity_threshold = nudity_threshold
        self.face_threshold = face_threshold
        self.min_skin = min_skin
        self.max_flat = max_flat  # 1.0: every detected face counts, drawn or not
        self.device = device
        self._detector: Any = None
        self._lock = threading.Lock()

    def detector(self) -> Any:
        with self._lock:
            if self._detector is None:
                self._detector = _load_detector(self.device)
            return self._detector

    @property
    def provider(self) -> str:
        """The onnxruntime provider the detector runs on (loads it)."""
        return self.detector().onnx_session.get_providers()[0]

    def detections(self, image: Image.Image) -> list[Detection]:
        """Every nudity or face detection, with the skin share of its box."""
        rgb = np.asarray(image.convert("RGB"))
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        grey = _is_grey(rgb)
        found = []
        for hit in self.detector().detect(bgr):
            if hit["class"] not in NUDITY | FACES:
                continue
            skin = None if grey else _skin_share(rgb, hit["box"])
            flat = flat_share(rgb, hit["box"]) if hit["class"] in FACES else None
            found.append(Detection(hit["class"], float(hit["score"]), skin, flat))
        return found

    def check(self, image: Image.Image, rules: ImageRules) -> ImageVerdict:
        """The first rule the image breaks, strongest detection first; or PASSED."""
        if not (rules.block_nudity or rules.block_faces):
            return PASSED
        for found in sorted(self.detections(image), key=lambda d: -d.score):
            if found.skin is not None and found.skin < self.min_skin:
                continue
            nudity = found.label in NUDITY and found.score >= self.nudity_threshold
            if rules.block_nudity and nudity:
                return ImageVerdict(False, "nudity", found.label, found.score)
            face = found.label in FACES and found.score >= self.face_threshold
            face = face and (found.flat is None or found.flat <= self.max_flat)  # a photo
            if rules.block_faces and face:
                return ImageVerdict(False, "a realistic face", found.label, found.score)
        return PASSED

    def check_images(self, images: list[Image.Image], rules: ImageRules) -> ImageVerdict:
        """A job's images: the first that breaks a rule (in order), or PASSED.

        The images are checked at once, one per thread (onnxruntime and the pixel work
        release the GIL): a job's results wait for the slowest check, not for the sum.
        """
        verdicts = _checkers.map(self.check, images, [rules] * len(images))
        return first_flagged(verdicts)

    def check_pngs(self, pngs: list[bytes], rules: ImageRules) -> ImageVerdict:
        """The same for PNG bytes (results from a worker that did not check them)."""
        verdicts = _checkers.map(self._check_png, pngs, [rules] * len(pngs))
        return first_flagged(verdicts)

    def _check_png(self, png: bytes, rules: ImageRules) -> ImageVerdict:
        with Image.open(io.BytesIO(png)) as image:
            return self.check(image, rules)

    async def check_async(self, image: Image.Image, rules: ImageRules) -> ImageVerdict:
        """The same check in a worker thread: the event loop keeps answering Discord."""
        return await asyncio.to_thread(self.check, image, rules)


def first_flagged(verdicts: Iterable[ImageVerdict]) -> ImageVerdict:
    """The first verdict that blocks, in the images' order; PASSED when none does."""
    return next((verdict for verdict in verdicts if not verdict.allowed), PASSED)


def providers_for(device: str, available: list[str]) -> list[str]:
    """onnxruntime providers for a device: CUDA first on a CUDA device when installed."""
    if device.startswith("cuda") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _load_detector(device: str = "cpu") -> Any:
    """NudeNet's detector on one CPU thread per check: a 320² check is small, and under
    load one thread was faster than onnxruntime's default pool (0.30 s vs 0.58 s for 4
    images on 2 busy cores). A job's images are checked in parallel instead (check_images):
    the session is shared, and onnxruntime's run() is thread-safe.

    NudeNet's own post-processing walks the model's 2,100 candidate boxes in a Python loop
    (≈ 25 ms an image, holding the GIL, so parallel checks queue behind it); ``detect``
    here keeps the same pre-processing and NMS and does that step with array operations.
    """
    import nudenet
    import onnxruntime  # with OpenCV, loaded only when the first image is checked
    from nudenet import NudeDetector
    from nudenet.nudenet import _read_image

    class OneThreadDetector(NudeDetector):
        def __init__(self) -> None:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            weights = Path(nudenet.__file__).with_name("320n.onnx")  # inside the wheel
            self.onnx_session = onnxruntime.InferenceSession(
                str(weights),
                options,
                providers=providers_for(device, onnxruntime.get_available_providers()),
            )
            self.input_width = self.input_height = 320
            self.input_name = self.onnx_session.get_inputs()[0].name

        def detect(self, image_path: Any) -> list[dict[str, Any]]:
            blob, _, _, x_pad, y_pad, width, height = _read_image(image_path, self.input_width)
            (output,) = self.onnx_session.run(None, {self.input_name: blob})
            return boxes_from_output(output, x_pad, y_pad, width, height, self.input_width)

    return OneThreadDetector()


def boxes_from_output(
    output: np.ndarray, x_pad: int, y_pad: int, width: int, height: int, size: int
) -> list[dict[str, Any]]:
    """NudeNet's ``_postprocess`` with array operations: the same candidates (best class
    score ≥ 0.2), the same float32 arithmetic and clipping, the same OpenCV NMS, so the same
    detections, without a Python loop over every candidate."""
    import cv2
    from nudenet.nudenet import __labels as labels  # NudeNet's label order

    rows = np.transpose(np.squeeze(output, axis=0))  # candidates × (box, class scores)
    scores = rows[:, 4:].max(axis=1)
    kept = rows[scores >= 0.2]
    if len(kept) == 0:
        return []
    class_ids = kept[:, 4:].argmax(axis=1)
    scores = scores[scores >= 0.2]
    x, y, w, h = (kept[:, i] for i in range(4))
    x = (x - w / 2) * (width + x_pad) / size
    y = (y - h / 2) * (height + y_pad) / size
    w = w * (width + x_pad) / size
    h = h * (height + y_pad) / size
    x = np.clip(x, 0, width)
    y = np.clip(y, 0, height)
    w = np.minimum(w, width - x)
    h = np.minimum(h, height - y)
    boxes = np.stack([x, y, w, h], axis=1).tolist()
    indices = cv2.dnn.NMSBoxes(boxes, scores.tolist(), 0.25, 0.45)
    return [
        {
            "class": labels[class_ids[i]],
            "score": float(scores[i]),
            "box": [int(v) for v in boxes[i]],
        }
        for i in indices
    ]


def _is_grey(rgb: np.ndarray) -> bool:
    small = rgb[:: max(1, rgb.shape[0] // 128), :: max(1, rgb.shape[1] // 128)].astype(np.int16)
    spread = small.max(axis=2) - small.min(axis=2)
    return float(spread.mean()) < GREY_TOLERANCE


def _skin_share(rgb: np.ndarray, box: list[int]) -> float:
    x, y, w, h = (max(0, int(v)) for v in box)
    patch = rgb[y : y + max(h, 1), x : x + max(w, 1)]
    if patch.size == 0:
        return 0.0
    ycc = np.asarray(Image.fromarray(patch).convert("YCbCr"), dtype=np.uint8)
    cb, cr = ycc[..., 1], ycc[..., 2]
    skin = (cr >= SKIN_CR[0]) & (cr <= SKIN_CR[1]) & (cb >= SKIN_CB[0]) & (cb <= SKIN_CB[1])
    return float(skin.mean())


def flat_share(rgb: np.ndarray, box: list[int]) -> float:
    """The share of pixels in a box whose 3×3 neighbourhood is one exact colour.

    A photograph has sensor noise and texture everywhere, so it has almost none, even
    after JPEG compression at the qualities people share; a drawing, a cartoon, a
    posterized or paint-filtered picture has flat areas of one colour."""
    x, y, w, h = (max(0, int(v)) for v in box)
    patch = rgb[y : y + max(h, 1), x : x + max(w, 1)]
    if patch.shape[0] < 3 or patch.shape[1] < 3:
        return 0.0
    windows = np.lib.stride_tricks.sliding_window_view(patch, (3, 3), axis=(0, 1))
    spread = windows.max(axis=(-2, -1)).astype(np.int16) - windows.min(axis=(-2, -1))
    return float((spread.max(axis=-1) == 0).mean())

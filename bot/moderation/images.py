"""Image checks: nudity and realistic faces, offline, with NudeNet's detector.

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

Checks are CPU-bound (≈0.1 s an image): callers run them with :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
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
    """Loads the detector on first use (0.2 s) and shares it between threads."""

    def __init__(
        self,
        *,
        nudity_threshold: float = 0.45,
        face_threshold: float = 0.5,
        min_skin: float = 0.2,
        max_flat: float = MAX_FLAT,
    ) -> None:
        self.nudity_threshold = nudity_threshold
        self.face_threshold = face_threshold
        self.min_skin = min_skin
        self.max_flat = max_flat  # 1.0: every detected face counts, drawn or not
        self._detector: Any = None
        self._lock = threading.Lock()

    def detector(self) -> Any:
        with self._lock:
            if self._detector is None:
                self._detector = _load_detector()
            return self._detector

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

    def check_pngs(self, pngs: list[bytes], rules: ImageRules) -> ImageVerdict:
        """Generated images (PNG bytes): the first that breaks a rule, or PASSED.

        The images are checked at once, one per thread (onnxruntime and the pixel work
        release the GIL): a job's results wait for the slowest check, not for the sum.
        """
        verdicts = _checkers.map(self._check_png, pngs, [rules] * len(pngs))
        return next((verdict for verdict in verdicts if not verdict.allowed), PASSED)

    def _check_png(self, png: bytes, rules: ImageRules) -> ImageVerdict:
        with Image.open(io.BytesIO(png)) as image:
            return self.check(image, rules)

    async def check_async(self, image: Image.Image, rules: ImageRules) -> ImageVerdict:
        """The same check in a worker thread: the event loop keeps answering Discord."""
        return await asyncio.to_thread(self.check, image, rules)


def _load_detector() -> Any:
    """NudeNet's detector on one CPU thread per check: a 320² check is small, and under
    load one thread was faster than onnxruntime's default pool (0.30 s vs 0.58 s for 4
    images on 2 busy cores). A job's images are checked in parallel instead (check_pngs):
    the session is shared, and onnxruntime's run() is thread-safe."""
    import onnxruntime  # with OpenCV, loaded only when the first image is checked
    from nudenet import NudeDetector

    class OneThreadDetector(NudeDetector):
        def __init__(self) -> None:
            import nudenet

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            weights = Path(nudenet.__file__).with_name("320n.onnx")  # inside the wheel
            self.onnx_session = onnxruntime.InferenceSession(
                str(weights), options, providers=["CPUExecutionProvider"]
            )
            self.input_width = self.input_height = 320
            self.input_name = self.onnx_session.get_inputs()[0].name

    return OneThreadDetector()


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

"""The invisible watermark: a 48-bit studio/model code hidden in an image's luminance.

The worker writes it into every image it makes; the bot reads it back
(``python -m bot provenance``, "Check provenance"), so it lives here where both may
import it. The method is the DWT-DCT family that diffusers' SDXL pipeline uses through
``invisible-watermark`` (Haar DWT, 4×4 block DCT of the low band, one bit per block,
repeated), changed where that library's ``dwtDct`` measured too weak: it lost the mark
to 8-bit rounding on two of three test photos and to every JPEG at quality 80. Here:

- the analysis grid is scale-free: luminance is resampled to ``CANVAS``² before the DWT,
  so an image resized to half (or any size) maps onto the same blocks;
- a bit is the sign of the difference of two low DCT coefficients (Koch–Zhao), pushed
  past a margin, which JPEG and resampling shrink but rarely flip;
- the 48 bits are spread over the 1024 blocks in a fixed shuffled order and read by a
  soft vote, and the payload carries a CRC, so an unmarked image reads as "none".

Images with a side under ``MIN_SIDE`` are left unmarked (as diffusers does under 256 px):
too few pixels per block to survive anything.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import numpy as np
import pywt
from PIL import Image

CANVAS = 256  # the side of the scale-free analysis grid
MIN_SIDE = 256
_READ_SIDE = 1024  # larger images are shrunk to this before reading (box filter)
BLOCK = 4
MAGIC = b"IM"  # "Imagine": the first two bytes of every payload
BITS = 48  # magic (16) + model code (16) + CRC (16)
MARGIN = 12.0  # how far apart the two coefficients are pushed (low-band DCT units)
LIMIT = 3 * MARGIN  # the most one pass moves a block's coefficient difference
# Two mid-low coefficients: tried against (0,1)/(1,0), (1,2)/(2,1), (1,1)/(0,2) on seven
# images (photos, noise, flat grey), only this pair survived half size + JPEG 60 on all,
# at a PSNR of 39 dB or more.
_PAIR = ((0, 2), (2, 0))  # the two low coefficients whose order carries a bit
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Mark:
    """What a watermark says: made by this studio, with the model whose code this is."""

    model_code: str  # 4 hex digits: ``model_code(model_id)``

    def to_json(self) -> dict[str, str]:
        return {"studio": "Imagine", "model_code": self.model_code}


def model_code(model_id: str) -> str:
    """A model id's two-byte code (4 hex digits): enough to tell a studio's models apart."""
    return hashlib.sha256(model_id.encode()).hexdigest()[:4]


def payload(model_id: str) -> bytes:
    """The 6 bytes written into an image: magic, model code, CRC of both."""
    head = MAGIC + bytes.fromhex(model_code(model_id))
    return head + (zlib.crc32(head) & 0xFFFF).to_bytes(2, "big")


def embed(image: Image.Image, model_id: str) -> Image.Image:
    """The image with the studio's mark for ``model_id`` (unchanged when too small)."""
    if min(image.size) < MIN_SIDE:
        return image
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    luma = rgb @ _LUMA
    bits = np.unpackbits(np.frombuffer(payload(model_id), dtype=np.uint8)).astype(np.float32)
    delta = np.zeros_like(luma)
    for _ in range(2):  # a second pass makes up for what the resampling blurred away
        canvas = _to_canvas(luma + delta)
        low, details = pywt.dwt2(canvas, "haar")
        blocks = _blocks(low)
        coefficients = _DCT @ blocks @ _DCT.T
        want = (bits[_ORDER] * 2 - 1) * MARGIN  # +margin for a 1, -margin for a 0
        (a, b), (c, d) = _PAIR
        difference = coefficients[:, a, b] - coefficients[:, c, d]
        shortfall = np.where(
            want > 0, np.maximum(want - difference, 0), np.minimum(want - difference, 0)
        )
        # A block far on the wrong side is left to the vote: forcing it would show.
        shortfall = np.clip(shortfall, -LIMIT, LIMIT)
        coefficients[:, a, b] += shortfall / 2
        coefficients[:, c, d] -= shortfall / 2
        marked = pywt.idwt2((_unblocks(_DCT.T @ coefficients @ _DCT, low.shape), details), "haar")
        change = _resize(marked - canvas, luma.shape)
        delta += change
    out = np.clip(rgb + delta[..., None], 0, 255).round().astype(np.uint8)
    return Image.fromarray(out, "RGB")


def detect(image: Image.Image) -> Mark | None:
    """The mark an image carries, or None (unmarked, or too damaged to read)."""
    if min(image.size) < 32:
        return None
    if max(image.size) > _READ_SIDE:  # bounded memory for huge files; the grid is 256² anyway
        image = image.convert("RGB").resize(
            (min(image.width, _READ_SIDE), min(image.height, _READ_SIDE)), Image.Resampling.BOX
        )
    luma = np.asarray(image.convert("RGB"), dtype=np.float32) @ _LUMA
    low, _ = pywt.dwt2(_to_canvas(luma), "haar")
    coefficients = _DCT @ _blocks(low) @ _DCT.T
    (a, b), (c, d) = _PAIR
    difference = coefficients[:, a, b] - coefficients[:, c, d]
    votes = np.zeros(BITS)
    np.add.at(votes, _ORDER, np.clip(difference, -MARGIN, MARGIN))
    data = np.packbits(votes > 0).tobytes()
    head, check = data[:4], data[4:]
    if head[:2] != MAGIC or (zlib.crc32(head) & 0xFFFF).to_bytes(2, "big") != check:
        return None
    return Mark(model_code=head[2:].hex())


def _to_canvas(luma: np.ndarray) -> np.ndarray:
    return _resize(luma, (CANVAS, CANVAS))


def _resize(plane: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A float plane resampled to ``shape`` (rows, columns): area-averaged when shrinking."""
    if plane.shape == shape:
        return plane.astype(np.float32, copy=True)
    shrink = shape[0] < plane.shape[0]
    method = Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR
    resized = Image.fromarray(plane.astype(np.float32), "F").resize(shape[::-1], method)
    return np.asarray(resized, dtype=np.float32)


def _blocks(plane: np.ndarray) -> np.ndarray:
    rows, columns = plane.shape[0] // BLOCK, plane.shape[1] // BLOCK
    return (
        plane[: rows * BLOCK, : columns * BLOCK]
        .reshape(rows, BLOCK, columns, BLOCK)
        .swapaxes(1, 2)
        .reshape(-1, BLOCK, BLOCK)
    )


def _unblocks(blocks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    rows, columns = shape[0] // BLOCK, shape[1] // BLOCK
    return blocks.reshape(rows, columns, BLOCK, BLOCK).swapaxes(1, 2).reshape(shape)


def _dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix (what ``cv2.dct`` computes on an n×n block)."""
    k, i = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    matrix = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    matrix[0] /= np.sqrt(2)
    return matrix.astype(np.float32)


_DCT = _dct_matrix(BLOCK)
# Block k carries bit _ORDER[k]: every bit in ~21 blocks scattered over the picture, so a
# corner (a visible signature, a crop) costs each bit only a few of its votes.
_ORDER = np.random.default_rng(0x1A6E).permutation(np.arange((CANVAS // 2 // BLOCK) ** 2) % BITS)

"""Image files (PNGs under DATA_DIR) and the rows that reference them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import aiosqlite


def new_image_id() -> str:
    return secrets.token_hex(6)


@dataclass(frozen=True)
class ImageRecord:
    id: str
    job_id: str
    position: int
    owner_id: int
    path: str
    prompt: str
    negative: str
    seed: int
    model: str
    width: int
    height: int
    parent_id: str | None
    created_at: float


class ImageFiles:
    """PNG files under ``DATA_DIR/images``, written atomically (temp file, then rename)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir)

    def relative_path(self, image_id: str) -> str:
        return f"images/{image_id[:2]}/{image_id}.png"

    def write(self, image_id: str, png: bytes) -> str:
        relative = self.relative_path(image_id)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        try:
            temporary.write_bytes(png)
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)  # no half-written file left behind (disk full)
            raise
        return relative

    def remove(self, relative: str) -> None:
        """Delete a file written for rows that were never committed."""
        (self.root / relative).unlink(missing_ok=True)

    def read(self, record: ImageRecord) -> bytes:
        return (self.root / record.path).read_bytes()

    def absolute(self, record: ImageRecord) -> Path:
        return self.root / record.path


_COLUMNS = (
    "id, job_id, position, owner_id, path, prompt, negative, seed, model, width, height,"
    " parent_id, created_at"
)


async def insert(db: aiosqlite.Connection, record: ImageRecord) -> None:
    await db.execute(
        f"INSERT INTO images ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.id,
            record.job_id,
            record.position,
            record.owner_id,
            record.path,
            record.prompt,
            record.negative,
            record.seed,
            record.model,
            record.width,
            record.height,
            record.parent_id,
            record.created_at,
        ),
    )


def _record(row) -> ImageRecord:
    return ImageRecord(*row)


async def get(db: aiosqlite.Connection, image_id: str) -> ImageRecord | None:
    row = await (
        await db.execute(f"SELECT {_COLUMNS} FROM images WHERE id = ?", (image_id,))
    ).fetchone()
    return _record(row) if row else None


async def of_job(db: aiosqlite.Connection, job_id: str) -> list[ImageRecord]:
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM images WHERE job_id = ? ORDER BY position", (job_id,)
        )
    ).fetchall()
    return [_record(r) for r in rows]

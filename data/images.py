"""Image files and the rows that reference them.

The files live under DATA_DIR (or another folder, e.g. a shared mount: ``STORAGE=/path``)
in :class:`ImageFiles`, or in an S3-compatible bucket (``STORAGE=s3://bucket/prefix``,
:class:`data.object_storage.S3ImageFiles`); both answer the same calls and store the same
relative paths in the ``images`` rows, so moving between them is a copy of the files.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from data import private
from data.private import FILE_MODE

log = logging.getLogger(__name__)

IDENTITY = ".storage-id"  # the storage's random name (ImageFiles.identity)


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
    """PNG files under ``DATA_DIR/images``, written atomically (temp file, then rename).

    Every method may block (disk or network): callers on the event loop use a thread."""

    signs_links = False  # a folder has no URLs of its own: the API serves the bytes
    name: str | None = None  # its identity, once the bot has read it (jobs carry it)

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir)

    @property
    def where(self) -> str:
        return str(self.root)

    def relative_path(self, image_id: str) -> str:
        return f"images/{image_id[:2]}/{image_id}.png"

    def write(self, image_id: str, png: bytes) -> str:
        relative = self.relative_path(image_id)
        self.write_path(relative, png)
        return relative

    def write_all(self, image_ids: list[str], pngs: list[bytes]) -> list[str]:
        """Write a job's PNG files; on an error none of them is left behind."""
        paths: list[str] = []
        try:
            for image_id, png in zip(image_ids, pngs, strict=True):
                paths.append(self.write(image_id, png))
        except OSError:
            self.remove_all(paths)
            raise
        return paths

    def write_path(self, relative: str, data: bytes) -> None:
        target = self.root / relative
        private.make_dir(target.parent)
        temporary = target.with_suffix(".tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)  # no half-written file left behind (disk full)
            raise

    def identity(self, *, create: bool = False) -> str | None:
        """This storage's random name, kept in it (``.storage-id``): a worker writes a job's
        images here itself only when it reads the name the job carries, i.e. when it really
        sees the bot's storage (the same bucket, or the same folder mounted), not merely one
        configured alike. ``create``: the bot names a storage that has no name yet (the
        first writer wins); a worker never does. None: no name (yet)."""
        try:
            return self._read_identity()
        except FileNotFoundError:
            if not create:
                return None
        self._create_identity(secrets.token_hex(16))
        return self._read_identity()

    def _read_identity(self) -> str | None:
        return self.read_path(IDENTITY).decode("ascii").strip() or None

    def _create_identity(self, name: str) -> None:
        target = self.root / IDENTITY
        private.make_dir(target.parent)
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            return  # another process named it first
        with os.fdopen(descriptor, "w") as file:
            file.write(name)

    def remove(self, relative: str) -> None:
        """Delete a file written for rows that were never committed."""
        (self.root / relative).unlink(missing_ok=True)

    def remove_all(self, paths: Iterable[str]) -> None:
        """Delete files no row references, as far as possible: one that cannot be deleted
        is logged, not raised (the caller is cleaning up after something else)."""
        for path in paths:
            try:
                self.remove(path)
            except OSError as error:
                log.warning("could not delete %s from %s (%s)", path, self.where, error)

    def read(self, record: ImageRecord) -> bytes:
        return self.read_path(record.path)

    def read_path(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def size(self, relative: str) -> int:
        """Bytes of a stored file; 0 when it is missing."""
        try:
            return (self.root / relative).stat().st_size
        except FileNotFoundError:
            return 0

    def delete(self, relative: str) -> bool:
        """Delete a stored file for good; False when there was none."""
        try:
            (self.root / relative).unlink()
        except FileNotFoundError:
            return False
        return True

    def signed_url(self, relative: str, seconds: float) -> str | None:
        """A URL that serves the file for ``seconds`` without the API; None: no such URL."""
        return None

    def check(self) -> None:
        """Raise OSError with a clear reason when the files cannot be written here."""
        private.make_dir(self.root)

    def absolute(self, record: ImageRecord) -> Path:
        return self.root / record.path


def open_image_files(
    storage: str | None,
    data_dir: Path,
    *,
    endpoint_url: str | None = None,
    signed_links: bool = False,
) -> ImageFiles:
    """Where images live: ``s3://bucket/prefix``, a folder, or (None) DATA_DIR."""
    if storage and storage.startswith("s3://"):
        from data.object_storage import S3ImageFiles

        return S3ImageFiles.from_url(storage, endpoint_url=endpoint_url, signed_links=signed_links)
    return ImageFiles(Path(storage) if storage else data_dir)


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


async def insert_all(db: aiosqlite.Connection, records: list[ImageRecord]) -> None:
    """A job's images in one statement (one trip to the store, not one per image)."""
    await db.executemany(
        f"INSERT INTO images ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.id, r.job_id, r.position, r.owner_id, r.path, r.prompt, r.negative, r.seed,
                r.model, r.width, r.height, r.parent_id, r.created_at,
            )
            for r in records
        ],
    )  # fmt: skip


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


async def get_many(db: aiosqlite.Connection, image_ids: list[str]) -> list[ImageRecord]:
    """The records of these ids that still exist, in the order asked."""
    if not image_ids:
        return []
    marks = ", ".join("?" for _ in image_ids)
    rows = await (
        await db.execute(f"SELECT {_COLUMNS} FROM images WHERE id IN ({marks})", image_ids)
    ).fetchall()
    found = {row[0]: _record(row) for row in rows}
    return [found[i] for i in image_ids if i in found]


async def generations(
    db: aiosqlite.Connection, owner_id: int, limit: int
) -> list[list[ImageRecord]]:
    """The owner's latest finished jobs that made images, newest first, each job's images."""
    job_ids = [
        row[0]
        for row in await (
            await db.execute(
                "SELECT j.id FROM jobs j WHERE j.user_id = ? AND j.status = 'done'"
                " AND EXISTS (SELECT 1 FROM images i WHERE i.job_id = j.id)"
                " ORDER BY j.created_at DESC, j.rowid DESC LIMIT ?",
                (owner_id, limit),
            )
        ).fetchall()
    ]
    if not job_ids:
        return []
    marks = ", ".join("?" for _ in job_ids)
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM images WHERE job_id IN ({marks}) ORDER BY position",
            job_ids,
        )
    ).fetchall()
    by_job: dict[str, list[ImageRecord]] = {job_id: [] for job_id in job_ids}
    for row in rows:
        by_job[row[1]].append(_record(row))
    return list(by_job.values())


async def unmeasured(db: aiosqlite.Connection, owner_id: int | None) -> list[tuple[str, str]]:
    """(id, path) of images (of one owner, or all) whose size on disk is not recorded yet."""
    rows = await (
        await db.execute(
            "SELECT id, path FROM images WHERE bytes IS NULL"
            " AND (CAST(? AS BIGINT) IS NULL OR owner_id = ?)",
            (owner_id, owner_id),
        )
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


async def set_bytes(db: aiosqlite.Connection, sizes: dict[str, int]) -> None:
    await db.executemany(
        "UPDATE images SET bytes = ? WHERE id = ?", [(n, i) for i, n in sizes.items()]
    )


@dataclass(frozen=True)
class DiskUse:
    owner_id: int
    name: str
    images: int
    bytes: int


async def disk_use(db: aiosqlite.Connection, owner_id: int | None, limit: int) -> list[DiskUse]:
    """Bytes of PNGs per owner, the biggest first (one owner when ``owner_id`` is given)."""
    rows = await (
        await db.execute(
            "SELECT i.owner_id, COALESCE(u.name, ''), COUNT(*), COALESCE(SUM(i.bytes), 0)"
            " FROM images i LEFT JOIN users u ON u.id = i.owner_id"
            " WHERE CAST(? AS BIGINT) IS NULL OR i.owner_id = ?"
            " GROUP BY i.owner_id, u.name ORDER BY 4 DESC, 1 LIMIT ?",
            (owner_id, owner_id, limit),
        )
    ).fetchall()
    return [DiskUse(*r) for r in rows]


def mime_of(data: bytes) -> str | None:
    """PNG, JPEG or WebP by their first bytes (the formats the studio takes); None else."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[8:12] == b"WEBP":
        return "image/webp"
    return None

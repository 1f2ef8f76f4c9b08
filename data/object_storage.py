"""Images in an S3-compatible bucket (``STORAGE=s3://bucket/prefix``), through boto3.

Any S3-compatible store works (AWS S3, MinIO, Ceph, Garage, R2…): ``S3_ENDPOINT_URL``
names a store other than AWS, and credentials come the usual AWS ways (``AWS_ACCESS_KEY_ID``
and ``AWS_SECRET_ACCESS_KEY``, a profile, an instance role). Object keys are the same
relative paths the ``images`` rows hold, under the prefix. Errors of the store become
``OSError`` (a missing object ``FileNotFoundError``), so the callers that already handle a
full or read-only disk handle an unreachable bucket the same way.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from data.images import IDENTITY, ImageFiles

if TYPE_CHECKING:
    from data.images import ImageRecord

MAX_SIGNED_SECONDS = 7 * 24 * 3600  # SigV4's longest
_MISSING = {"404", "NoSuchKey", "NotFound"}


class StorageError(OSError):
    """The bucket could not be reached or refused the request."""


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3ImageFiles(ImageFiles):
    def __init__(self, client: Any, bucket: str, prefix: str, *, signed_links: bool) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.signs_links = signed_links

    @classmethod
    def from_url(
        cls, url: str, *, endpoint_url: str | None = None, signed_links: bool = False
    ) -> S3ImageFiles:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"STORAGE: {url!r} is not s3://bucket/prefix")
        config = Config(
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
        return cls(client, parsed.netloc, parsed.path, signed_links=signed_links)

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def write_path(self, relative: str, data: bytes) -> None:
        # A PUT is whole or nothing: no half-written object. The type by the name's ending:
        # the images are PNGs, a grid left by an earlier build's worker a JPEG.
        kind = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        self._call("put_object", Key=self.key(relative), Body=data, ContentType=kind)

    def _create_identity(self, name: str) -> None:
        # Two processes naming a new bucket at once: the last PUT wins, and a worker told
        # the loser's name sends its images through the queue, as without a shared store.
        self._call("put_object", Key=self.key(IDENTITY), Body=name.encode())

    def remove(self, relative: str) -> None:
        self._call("delete_object", Key=self.key(relative))

    def read(self, record: ImageRecord) -> bytes:
        return self.read_path(record.path)

    def read_path(self, relative: str) -> bytes:
        answer = self._call("get_object", Key=self.key(relative))
        try:
            return answer["Body"].read()
        except BotoCoreError as error:
            raise StorageError(f"{self.where}: {error}") from error

    def size(self, relative: str) -> int:
        try:
            return int(self._call("head_object", Key=self.key(relative))["ContentLength"])
        except FileNotFoundError:
            return 0

    def delete(self, relative: str) -> bool:
        """S3 deletes quietly whether or not the object exists: look first, to count."""
        try:
            self._call("head_object", Key=self.key(relative))
        except FileNotFoundError:
            return False
        self._call("delete_object", Key=self.key(relative))
        return True

    def signed_url(self, relative: str, seconds: float) -> str | None:
        if not self.signs_links:
            return None
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self.key(relative)},
            ExpiresIn=max(1, min(int(seconds), MAX_SIGNED_SECONDS)),
        )

    def check(self) -> None:
        """The bucket exists and these credentials reach it (at start, not at first image)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            raise StorageError(
                f"STORAGE: the bucket {self.bucket!r} cannot be used ({_code(error) or error}):"
                " create it, or check S3_ENDPOINT_URL and the AWS_* credentials"
            ) from error
        except BotoCoreError as error:
            raise StorageError(f"STORAGE: {self.where} cannot be reached ({error})") from error

    def absolute(self, record: ImageRecord):  # type: ignore[override]
        raise NotImplementedError("images in a bucket have no local path; use read()")

    def _call(self, operation: str, **params: Any) -> Any:
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise FileNotFoundError(f"{self.where}: no {params.get('Key')}") from error
            raise StorageError(f"{self.where}: {operation} failed ({error})") from error
        except BotoCoreError as error:
            raise StorageError(f"{self.where}: {operation} failed ({error})") from error

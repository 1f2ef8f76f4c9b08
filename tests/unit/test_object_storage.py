"""Images in an S3-compatible bucket (STORAGE=s3://bucket/prefix) against a local S3
server (moto's, tests/s3_server.py), and the same calls on a folder."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import pytest

from data.images import ImageFiles, open_image_files
from data.object_storage import S3ImageFiles, StorageError
from studio.library import Library
from studio.requester import Requester
from studio.studio import ImagineOptions
from tests.conftest import running_studio

ALICE = Requester(1, "alice")
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.fixture(params=["folder", "s3"])
def files(request, tmp_path) -> ImageFiles:
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        endpoint = request.getfixturevalue("s3_server").endpoint_url
        return open_image_files(f"s3://{bucket}/studio", tmp_path, endpoint_url=endpoint)
    return open_image_files(str(tmp_path / "shared"), tmp_path)


def test_files_are_written_read_measured_and_deleted_the_same_everywhere(files):
    files.check()
    relative = files.write("0123456789ab", PNG)
    assert relative == "images/01/0123456789ab.png"
    assert files.read_path(relative) == PNG
    assert files.size(relative) == len(PNG)
    assert files.delete(relative) is True
    assert files.delete(relative) is False
    assert files.size(relative) == 0
    with pytest.raises(FileNotFoundError):
        files.read_path(relative)
    files.remove(files.write("0123456789ac", PNG))  # a write rolled back: gone, no error
    assert files.size("images/01/0123456789ac.png") == 0


def test_objects_live_under_the_prefix(s3_server, s3_bucket):
    files = open_image_files(f"s3://{s3_bucket}/a/b/", None, endpoint_url=s3_server.endpoint_url)
    files.write("feedfacecafe", PNG)
    listed = s3_server.client().list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["a/b/images/fe/feedfacecafe.png"]
    files.write_path("grids/j1.jpg", b"\xff\xd8\xff")  # a grid left by an earlier worker
    client = s3_server.client()
    head = client.head_object(Bucket=s3_bucket, Key="a/b/images/fe/feedfacecafe.png")
    assert head["ContentType"] == "image/png"
    head = client.head_object(Bucket=s3_bucket, Key="a/b/grids/j1.jpg")
    assert head["ContentType"] == "image/jpeg"  # not labelled a PNG


def test_a_missing_bucket_or_store_stops_the_start_with_one_sentence(s3_server, s3_bucket):
    missing = open_image_files("s3://no-such-bucket/x", None, endpoint_url=s3_server.endpoint_url)
    with pytest.raises(StorageError, match=r"bucket 'no-such-bucket' cannot be used.*create it"):
        missing.check()
    from tests.redis_server import free_port

    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    unreachable = open_image_files(f"s3://{s3_bucket}/x", None, endpoint_url=nowhere)
    with pytest.raises(StorageError, match="cannot be reached"):
        unreachable.check()
    with pytest.raises(StorageError):  # a write fails as an OSError: the job stays open
        unreachable.write("0123456789ab", PNG)
    with pytest.raises(ValueError, match="not s3://bucket/prefix"):
        S3ImageFiles.from_url("s3:///prefix-only")


async def test_runtime_refuses_a_bucket_that_does_not_exist(settings, s3_server, s3_bucket):
    from app.runtime import Runtime
    from data.settings import SettingsError

    wrong = settings.model_copy(
        update={"storage": "s3://not-made/x", "s3_endpoint_url": s3_server.endpoint_url}
    )
    with pytest.raises(SettingsError, match="Configuration error: STORAGE: the bucket"):
        await Runtime.start(wrong)


async def test_the_studio_keeps_images_in_the_bucket_and_forgets_them_there(
    settings, engine, s3_server, s3_bucket
):
    from app.api.formats import Encoding
    from app.api.results import Results

    on_s3 = settings.model_copy(
        update={
            "storage": f"s3://{s3_bucket}/imagine",
            "s3_endpoint_url": s3_server.endpoint_url,
            "storage_signed_links": True,
        }
    )
    bucket = s3_server.client()

    def keys() -> set[str]:
        return {o["Key"] for o in bucket.list_objects_v2(Bucket=s3_bucket).get("Contents", [])}

    async with running_studio(on_s3, engine) as runtime:
        studio = runtime.studio
        made = await (await studio.imagine(ALICE, "owls", ImagineOptions(count=2))).outcome()
        # The worker wrote them (the job named this bucket); its grid was read and deleted.
        assert keys() == {"imagine/.storage-id"} | {f"imagine/{i.path}" for i in made.images}
        assert not (settings.data_dir / "images").exists()

        varied = await (await studio.vary(ALICE, made.images[0].id)).outcome()  # read back
        assert varied.ok and varied.images[0].parent_id == made.images[0].id

        results = Results(runtime.store, studio.files, studio.watcher, link_minutes=5)
        first = made.images[0]
        (signed,) = await results.render([first], "url", None, "http://api.invalid")
        assert signed.url.startswith(s3_server.endpoint_url) and "Signature" in signed.url
        assert fetch(signed.url) == (200, bucket.get_object(
            Bucket=s3_bucket, Key=f"imagine/{first.path}")["Body"].read())  # fmt: skip
        (scaled,) = await results.render([first], "url", (32, 32), "http://api.invalid")
        assert scaled.url.startswith("http://api.invalid/v1/results/")  # the API scales it
        served, _ = await results.link_image(scaled.url.rsplit("/", 1)[1])
        assert served[:8] == b"\x89PNG\r\n\x1a\n"  # read from the bucket, scaled here
        jpeg = Encoding("jpeg", 80)
        (converted,) = await results.render([first], "url", None, "http://api.invalid", jpeg)
        assert converted.url.startswith("http://api.invalid/v1/results/")  # converted here

        library = Library.of(studio)
        (use,) = await library.disk_use(ALICE.id)
        assert use.images == 5 and use.bytes == sum(
            o["Size"]
            for o in bucket.list_objects_v2(Bucket=s3_bucket)["Contents"]
            if o["Key"].endswith(".png")
        )
        forgotten = await library.forget(ALICE.id)
        assert (forgotten.images, forgotten.files) == (5, 5)
        assert keys() == {"imagine/.storage-id"}  # the bucket's name stays
        assert fetch(signed.url)[0] == 404  # the signed link dies with the object


async def test_a_bucket_that_fails_keeps_the_job_open_until_it_answers_again(
    settings, engine, s3_server, s3_bucket, caplog
):
    """Writes refused by the store (here: the bucket is gone) leave the finished job in the
    queue, charged once and not lost; it is stored when the bucket is back."""
    from tests.e2e.conftest import wait_until

    on_s3 = settings.model_copy(
        update={"storage": f"s3://{s3_bucket}/x", "s3_endpoint_url": s3_server.endpoint_url}
    )
    async with running_studio(on_s3, engine) as runtime:
        bucket = s3_server.client()
        bucket.delete_object(Bucket=s3_bucket, Key="x/.storage-id")  # the bucket's name
        bucket.delete_bucket(Bucket=s3_bucket)  # the worker's writes fail: bytes travel
        handle = await runtime.studio.imagine(ALICE, "owls", ImagineOptions(count=1))
        await wait_until(lambda: f"cannot store the images of job {handle.job_id}" in caplog.text)
        (status,) = await runtime.store.fetchone(
            "SELECT status FROM jobs WHERE id = ?", (handle.job_id,)
        )
        assert status == "queued"  # not failed, not refunded: waiting for the bucket
        bucket.create_bucket(Bucket=s3_bucket)
        outcome = await asyncio.wait_for(handle.outcome(), 30)
        assert outcome.ok and runtime.studio.files.size(outcome.images[0].path) > 0
        (spent,) = await runtime.store.fetchone(
            "SELECT COUNT(*) FROM ledger WHERE kind = 'spend' AND user_id = ?", (ALICE.id,)
        )
        assert spent == 1

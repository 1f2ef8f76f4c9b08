"""Provenance end to end in one process: the worker's engine signs and marks, the bot's
reader reports. Real c2pa signing (offline chain), the tiny model, no mocks."""

from __future__ import annotations

import io
import json
import threading
import zlib

import numpy as np
import pytest
from PIL import Image
from skimage import data as samples

from data import watermark
from data.jobs import Job, JobKind
from inference.certificates import (
    PUBLIC,
    SELF_MADE,
    CertificateError,
    load_signing_key,
    make_chain,
)
from inference.engine import Engine
from inference.provenance import Provenance, check_key
from studio.provenance import UNTRUSTED, CannotInspect, inspect

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


def job(kind: JobKind = JobKind.GENERATE, **fields) -> Job:
    values = dict(
        id=f"job-{kind.value}",
        kind=kind,
        user_id=424242424242,
        prompt="a secret lighthouse",
        negative_prompt="blurry",
        seed=7,
        n=1,
        width=64,
        height=64,
        steps=1,
        guidance=0.0,
    )
    values.update(fields)
    return Job(**values)


@pytest.fixture
def key(tmp_path):
    return load_signing_key(tmp_path / "var", None, None)  # settings.data_dir: the bot sees it


@pytest.fixture
def signing_engine(tiny_pipelines, key):
    return Engine(tiny_pipelines, provenance=Provenance(key))


def png_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_generate_edit_vary_each_carry_a_valid_manifest_and_the_chain(signing_engine):
    made = signing_engine.run(job()).images[0].png
    first = inspect(made)["c2pa"]
    assert first["state"] == "valid" and first["problems"] == []
    assert first["signer"]["trusted"] is False  # self-made chain: "untrusted signer"
    assert first["chain"][0]["actions"] == ["c2pa.created"]
    assert first["chain"][0]["digital_source_type"] == TRAINED
    assert first["chain"][0]["generation"]["model"] == "tiny"

    # The bot hands the worker the stored PNG as the parent; init is a re-encode of it.
    init = png_of(Image.open(io.BytesIO(made)).convert("RGB"))
    mask = png_of(Image.new("L", (64, 64), 255))
    edit = job(JobKind.EDIT, init_image=init, mask=mask, parent=made, strength=1.0)
    edited = signing_engine.run(edit).images[0].png
    second = inspect(edited)["c2pa"]
    assert second["state"] == "valid", second["problems"]
    assert [step["actions"] for step in second["chain"]] == [
        ["c2pa.opened", "c2pa.edited"],
        ["c2pa.created"],
    ]
    assert second["chain"][0]["digital_source_type"] == COMPOSITE
    assert second["chain"][0]["source"]["has_credentials"] is True

    vary = job(JobKind.VARY, init_image=png_of(Image.open(io.BytesIO(edited))), parent=edited)
    varied = signing_engine.run(vary).images[0].png
    third = inspect(varied)["c2pa"]
    assert third["state"] == "valid", third["problems"]
    assert [step["actions"][-1] for step in third["chain"]] == [
        "c2pa.edited",
        "c2pa.edited",
        "c2pa.created",
    ]
    assert [step["generation"]["mode"] for step in third["chain"]] == ["vary", "edit", "generate"]


def test_an_upload_without_credentials_is_recorded_as_a_plain_source(signing_engine):
    upload = png_of(Image.new("RGB", (64, 64), "#336699"))
    varied = signing_engine.run(job(JobKind.VARY, init_image=upload)).images[0].png
    report = inspect(varied)["c2pa"]
    assert report["state"] == "valid", report["problems"]
    assert report["chain"][0]["source"]["has_credentials"] is False
    assert len(report["chain"]) == 1


def test_the_manifest_holds_no_user_id_or_prompt_by_default(signing_engine, tiny_pipelines, key):
    png = signing_engine.run(job()).images[0].png
    manifest = json.dumps(inspect(png)["c2pa"])
    assert "424242424242" not in manifest and "lighthouse" not in manifest
    assert "blurry" not in manifest
    # The raw store too, not only the summary: read the caBX chunk's bytes.
    assert b"424242424242" not in png and b"lighthouse" in png  # the text chunk has it
    store = _chunk(png, b"caBX")
    assert store and b"lighthouse" not in store and b"424242424242" not in store

    telling = Engine(tiny_pipelines, provenance=Provenance(key, include_prompt=True))
    shown = telling.run(job()).images[0].png
    generation = inspect(shown)["c2pa"]["chain"][0]["generation"]
    assert generation["prompt"] == "a secret lighthouse"
    assert "424242424242" not in json.dumps(inspect(shown)["c2pa"])


def test_the_operator_certificate_is_used_when_set(tmp_path, tiny_pipelines):
    operator = make_chain("Operator Pictures Ltd")
    start = operator.index(b"-----BEGIN CERTIFICATE-----")
    cert, private = tmp_path / "op.crt", tmp_path / "op.key"
    cert.write_bytes(operator[start:])
    private.write_bytes(operator[:start])
    key = load_signing_key(tmp_path / "var", cert, private)
    assert not key.self_made and not (tmp_path / "var" / SELF_MADE).exists()
    png = Engine(tiny_pipelines, provenance=Provenance(key)).run(job()).images[0].png
    signer = inspect(png)["c2pa"]["signer"]
    assert signer["common_name"] == "Operator Pictures Ltd signer"
    assert signer["issuer"] == "Operator Pictures Ltd"

    own = load_signing_key(tmp_path / "var", None, None)
    mine = Engine(tiny_pipelines, provenance=Provenance(own)).run(job()).images[0].png
    assert inspect(mine)["c2pa"]["signer"]["issuer"] == "Imagine studio"


def test_a_bad_operator_key_stops_with_one_sentence(tmp_path):
    chain = make_chain()
    start = chain.index(b"-----BEGIN CERTIFICATE-----")
    cert, wrong = tmp_path / "op.crt", tmp_path / "other.key"
    cert.write_bytes(chain[start:])
    other = make_chain()
    wrong.write_bytes(other[: other.index(b"-----BEGIN CERTIFICATE-----")])  # not its key
    with pytest.raises(CertificateError, match="cannot sign"):
        check_key(load_signing_key(tmp_path, cert, wrong))
    with pytest.raises(CertificateError, match="both"):
        load_signing_key(tmp_path, cert, None)
    with pytest.raises(CertificateError, match="no PEM certificate"):
        load_signing_key(tmp_path, wrong, wrong)


def test_workers_starting_together_share_one_self_made_chain(tmp_path):
    keys = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        keys.append(load_signing_key(tmp_path, None, None))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({(key.chain, key.key) for key in keys}) == 1
    left = set((tmp_path / "c2pa").iterdir())  # the key file and its public chain, no temp
    assert left == {tmp_path / SELF_MADE, tmp_path / PUBLIC}
    assert (tmp_path / PUBLIC).read_bytes() == keys[0].chain


def test_a_stripped_image_reports_none_instead_of_failing(signing_engine):
    png = signing_engine.run(job()).images[0].png
    stripped = png_of(Image.open(io.BytesIO(png)).convert("RGB"))
    report = inspect(stripped)
    assert report["c2pa"] is None and report["watermark"] is None and report["text"] == {}
    with pytest.raises(CannotInspect, match="not an image"):
        inspect(b"not an image at all")
    with pytest.raises(CannotInspect, match="64×64 pixels, too large"):
        inspect(png, max_pixels=32 * 32)  # refused before decoding


def test_a_changed_file_makes_the_manifest_invalid(signing_engine):
    """Control for the "valid" checks above: the reader does catch a tampered file. The
    seed chunk is rewritten (with a correct PNG CRC), so the file still opens."""
    png = signing_engine.run(job()).images[0].png
    old, new = b"tEXtseed\x007", b"tEXtseed\x008"
    at = png.index(old)
    end = at + len(old)
    tampered = png[:at] + new + zlib.crc32(new).to_bytes(4, "big") + png[end + 4 :]
    assert Image.open(io.BytesIO(tampered)).text["seed"] == "8"
    report = inspect(tampered)["c2pa"]
    assert report["state"] == "invalid" and report["problems"]
    assert UNTRUSTED not in report["problems"]


def photo() -> Image.Image:
    return Image.fromarray(samples.astronaut())  # 512², a natural photo


def resized_jpeg(image: Image.Image, quality: int = 80) -> Image.Image:
    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    half.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize(
    "picture",
    [
        photo,
        lambda: Image.fromarray(samples.coffee()).resize((768, 512)),
        lambda: Image.effect_noise((512, 512), 60).convert("RGB"),
        lambda: Image.fromarray(samples.chelsea()).resize((2048, 1536)),  # read shrunk
    ],
)
def test_the_invisible_mark_survives_half_size_and_jpeg_80(picture):
    original = picture()
    marked = watermark.embed(original, "stabilityai/sd-turbo")
    difference = np.asarray(marked, float) - np.asarray(original.convert("RGB"), float)
    assert 10 * np.log10(255**2 / np.mean(difference**2)) > 38  # PSNR: invisible
    found = watermark.detect(resized_jpeg(marked))
    assert found is not None and found.model_code == watermark.model_code("stabilityai/sd-turbo")
    assert watermark.detect(resized_jpeg(original)) is None  # the control: no false mark


def test_the_worker_marks_images_and_the_report_names_the_model(tiny_pipelines, key):
    marking = Engine(tiny_pipelines, provenance=Provenance(key))
    png = marking.run(job(width=256, height=256)).images[0].png
    report = inspect(png, known_models=("stabilityai/sd-turbo", "tiny"))
    code = watermark.model_code("tiny")
    assert report["watermark"] == {"studio": "Imagine", "model_code": code, "model": "tiny"}
    assert report["c2pa"]["state"] == "valid"  # signed after marking: the bytes match
    assert report["text"]["model"] == "tiny"


def _chunk(png: bytes, kind: bytes) -> bytes:
    position = 8
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        if png[position + 4 : position + 8] == kind:
            return png[position + 8 : position + 8 + length]
        position += 12 + length
    return b""


def test_the_visible_signature_is_drawn_on_a_copy_and_keeps_the_rest(signing_engine):
    from app.discord.visible_mark import COLOURS, stamp

    png = signing_engine.run(job(width=256, height=256)).images[0].png
    marked = stamp(png)
    before = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), int)
    after = np.asarray(Image.open(io.BytesIO(marked)).convert("RGB"), int)
    side = 4  # 256 / 64
    changed = np.argwhere((before != after).any(axis=2))
    assert changed[:, 0].min() >= 256 - side and changed[:, 1].min() >= 256 - 5 * side
    squares = [tuple(after[-1, 256 - (5 - i) * side]) for i in range(5)]
    assert squares == [tuple(int(c[j : j + 2], 16) for j in (1, 3, 5)) for c in COLOURS]
    report = inspect(marked, known_models=("tiny",))
    assert report["text"] == inspect(png)["text"]  # the parameters stay readable
    assert report["c2pa"] is None  # a stale manifest would read as tampered
    assert report["watermark"] is not None and report["watermark"]["model"] == "tiny"


def test_the_bot_side_of_provenance_imports_no_torch():
    import subprocess
    import sys

    code = (
        "import sys, studio.provenance, app.discord.visible_mark, app.discord.cogs.provenance;"
        "import app.cli;"
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


async def test_the_studio_passes_stored_and_credentialed_sources_along(settings, signing_engine):
    from studio.studio import EditOptions, ImagineOptions, Requester
    from tests.conftest import running_studio

    alice = Requester(1, "alice")
    async with running_studio(settings, signing_engine) as runtime:
        studio = runtime.studio
        made = await (await studio.imagine(alice, "a fox", ImagineOptions(count=1))).outcome()
        stored = studio.files.read(made.images[0])
        # An edit of a studio image by id: its stored original is the ingredient.
        by_id = await (
            await studio.edit(alice, made.images[0].id, "a hat", EditOptions(extend="up"))
        ).outcome()
        chain = inspect(studio.files.read(by_id.images[0]))["c2pa"]["chain"]
        assert [step["generation"]["mode"] for step in chain] == ["edit", "generate"]
        # The same file downloaded and uploaded again still chains back to its origin…
        uploaded = await (await studio.vary(alice, stored)).outcome()
        chain = inspect(studio.files.read(uploaded.images[0]))["c2pa"]["chain"]
        assert [step["generation"]["mode"] for step in chain] == ["vary", "generate"]
        # …and an upload without credentials is a plain source (the control).
        bare = png_of(Image.open(io.BytesIO(stored)).convert("RGB"))
        plain = await (await studio.vary(alice, bare)).outcome()
        chain = inspect(studio.files.read(plain.images[0]))["c2pa"]["chain"]
        assert len(chain) == 1 and chain[0]["source"]["has_credentials"] is False

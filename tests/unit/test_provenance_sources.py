"""Issue 25 on provenance: an upload enters a result's Content Credentials only as a
reference (never its manifests, thumbnails or assertions), results stay bounded along a
chain of edits, the report tells this studio's own certificate from a lookalike with the
same names, and the signing folder is private whatever the worker's umask. Real c2pa
signing with offline chains, the tiny model, no mocks."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat

import c2pa
import pytest
from PIL import Image

from app.discord.cogs.provenance import describe
from data.jobs import Job, JobKind
from inference.certificates import SigningKey, load_signing_key, make_chain
from inference.engine import Engine
from inference.provenance import (
    MAX_PARENT_CREDENTIALS,
    Provenance,
    credentials_size,
)
from studio.provenance import inspect, own_certificate

MARKER = "private note: a face photo the studio refused"
CAMERA = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


def png_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def lookalike_key() -> SigningKey:
    """A chain made elsewhere with this studio's very names (anyone can)."""
    pem = make_chain()
    start = pem.index(b"-----BEGIN CERTIFICATE-----")
    return SigningKey(chain=pem[start:], key=pem[:start], self_made=True)


def signed_upload(key: SigningKey) -> bytes:
    """A blue square whose own manifest carries a thumbnail, a free-text assertion and an
    ingredient (with its own thumbnail): what an attacker would smuggle along."""
    settings = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": True}}})
    info = c2pa.C2paSignerInfo(alg=b"es256", sign_cert=key.chain, private_key=key.key, ta_url=None)
    context = c2pa.Context(settings, c2pa.Signer.from_info(info))
    definition = {
        "claim_generator_info": [{"name": "elsewhere", "version": "1"}],
        "title": "blue.png",
        "format": "image/png",
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": CAMERA}]},
            },
            {"label": "org.example.note", "data": {"text": MARKER}},
        ],
    }
    builder = c2pa.Builder(definition, context)
    face = png_of(Image.effect_noise((96, 96), 80).convert("RGB"))
    builder.add_ingredient(
        {"title": "face.png", "relationship": "componentOf"}, "image/png", io.BytesIO(face)
    )
    signed = io.BytesIO()
    builder.sign("image/png", io.BytesIO(png_of(Image.new("RGB", (64, 64), "blue"))), signed)
    return signed.getvalue()


def store_of(png: bytes) -> dict:
    return json.loads(c2pa.Reader("image/png", io.BytesIO(png)).json())


@pytest.fixture
def key(settings):
    return load_signing_key(settings.data_dir, None, None)


async def test_an_upload_enters_only_as_a_reference(settings, tiny_pipelines, key):
    from studio.studio import Requester
    from tests.conftest import running_studio

    upload = signed_upload(lookalike_key())
    assert MARKER.encode() in upload and len(store_of(upload)["manifests"]) == 1
    engine = Engine(tiny_pipelines, provenance=Provenance(key))
    async with running_studio(settings, engine) as runtime:
        studio = runtime.studio
        varied = await (await studio.vary(Requester(1, "alice"), upload)).outcome()
        assert varied.ok, varied.error
        result = studio.files.read(varied.images[0])
    assert MARKER.encode() not in result
    store = store_of(result)
    assert len(store["manifests"]) == 1  # ours alone: the upload's store stayed out
    assert "thumbnail" not in json.dumps(store)
    report = inspect(result, own=own_certificate(settings.data_dir))["c2pa"]
    assert report["state"] == "valid" and report["signer"]["own"] is True
    assert report["chain"][0]["source"] == {
        "title": "uploaded image",
        "has_credentials": False,
        "sha256": hashlib.sha256(upload).hexdigest(),
        "credentials": "valid",  # intact, by a signer that is not this studio
    }
    print(f"upload {len(upload)} bytes; result {len(result)} bytes, 1 manifest")


def test_a_chain_of_edits_stays_bounded(key):
    provenance = Provenance(key, mark=False)
    pixels = png_of(Image.new("RGB", (64, 64), "grey"))
    made = Job(
        id="j0", kind=JobKind.GENERATE, seed=1, n=1, width=64, height=64, steps=1, guidance=0
    )
    current = provenance.sign(made, pixels, 1, "tiny")
    sizes, cut = [], None
    for step in range(1, 60):  # each step adds one manifest (~6 KB) to its parent's store
        edit = made.model_copy(
            update={"id": f"j{step}", "kind": JobKind.VARY, "init_image": pixels, "parent": current}
        )
        current = provenance.sign(edit, pixels, 1, "tiny")
        sizes.append(credentials_size(current))
        if len(sizes) > 1 and sizes[-1] < sizes[-2]:
            cut = current  # the parent's store was over the bound: named, not carried
            break
    per_step = sizes[1] - sizes[0]
    print(f"manifest store: {per_step} bytes per step; largest {max(sizes)} bytes")
    assert cut is not None, f"the store grew to {sizes[-1]} bytes in {len(sizes)} steps"
    assert max(sizes) <= MAX_PARENT_CREDENTIALS + 2 * per_step
    report = inspect(cut)["c2pa"]
    assert report["state"] == "valid" and len(report["chain"]) == 1
    assert report["chain"][0]["source"]["credentials"] == "studio"  # ours, cut for size


def test_the_report_tells_this_studio_from_a_lookalike(settings, key):
    made = Job(id="j", kind=JobKind.GENERATE, seed=1, n=1, width=64, height=64, steps=1, guidance=0)
    pixels = png_of(Image.new("RGB", (64, 64), "teal"))
    ours = Provenance(key, mark=False).sign(made, pixels, 1, "tiny")
    theirs = Provenance(lookalike_key(), mark=False).sign(made, pixels, 1, "tiny")
    own = own_certificate(settings.data_dir)
    assert own is not None and len(own.fingerprint) == 95  # 32 bytes, colon-separated

    mine = inspect(ours, own=own)
    assert mine["c2pa"]["signer"]["own"] is True
    assert mine["c2pa"]["signer"]["fingerprint"] == own.fingerprint
    assert f"this studio's own certificate (SHA-256 {own.fingerprint})" in describe(mine)

    forged = inspect(theirs, own=own)
    assert forged["c2pa"]["state"] == "valid"  # intact: only the signer tells them apart
    assert forged["c2pa"]["signer"]["own"] is False
    assert forged["c2pa"]["signer"]["common_name"] == mine["c2pa"]["signer"]["common_name"]
    words = describe(forged)
    assert "UNKNOWN certificate" in words and "NOT this studio's" in words
    assert own.fingerprint not in words
    assert describe(mine) != words

    unknown = describe(inspect(ours))  # no certificate known here: says it cannot tell
    assert "cannot tell its images from a lookalike" in unknown
    assert "not proof of which studio" in unknown or "watermark" in unknown


def test_the_signing_folder_is_private_without_the_clis_umask(tmp_path):
    previous = os.umask(0o022)  # a worker started by hand, or by a service manager
    try:
        load_signing_key(tmp_path / "fresh", None, None)
    finally:
        os.umask(previous)
    folder = tmp_path / "fresh" / "c2pa"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("signer.pem", "certificate.pem"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in (folder / "certificate.pem").read_bytes()

"""Signed editor links: what they grant, and every way a link must fail."""

from __future__ import annotations

import base64
import os
import stat
from dataclasses import replace

import pytest
from PIL import Image

from data import link_secret
from studio import canvas
from studio.edit_links import EditLink, EditLinks, LinkExpired, LinkInvalid
from studio.errors import BadRequest

KEY = bytes(range(32))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _links(clock: Clock, key: bytes = KEY) -> EditLinks:
    return EditLinks(key, 10, clock=clock)


def test_a_signed_link_reads_back_as_what_it_grants():
    clock = Clock(1_000_000.0)
    links = _links(clock)
    link = links.new(7, 500, 501, "0123456789ab")
    assert link == EditLink(7, 500, 501, "0123456789ab", 1_000_600)
    assert links.read(links.sign(link)) == link
    direct = links.new(7, None, 88, "0123456789ab")  # from a DM: no server
    assert links.read(links.sign(direct)).guild_id is None


def test_an_expired_link_is_refused_with_when_it_expired():
    clock = Clock(1_000_000.0)
    links = _links(clock)
    token = links.sign(links.new(7, 500, 501, "0123456789ab"))
    clock.now += 10 * 60 - 1
    links.read(token)  # a second before its end: still good
    clock.now += 1
    with pytest.raises(LinkExpired) as refused:
        links.read(token)
    assert refused.value.expired_at == 1_000_600 and "expired" in str(refused.value)


def _payload(token: str) -> bytes:
    encoded = token.split(".")[0]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def _with_payload(token: str, payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + token.split(".")[1]


@pytest.mark.parametrize(
    "change",
    [
        (b"7.", b"8."),  # another member's id on the same signature
        (b"0123456789ab", b"ba9876543210"),  # another image
        (b"1000600", b"9000600"),  # a later expiry
        (b".501.", b".502."),  # another channel
    ],
)
def test_a_changed_link_is_refused(change):
    links = _links(Clock(1_000_000.0))
    token = links.sign(links.new(7, 500, 501, "0123456789ab"))
    tampered = _with_payload(token, _payload(token).replace(*change, 1))
    assert tampered != token
    with pytest.raises(LinkInvalid):
        links.read(tampered)


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.def", "%%%.%%%", "a" * 400])
def test_garbage_is_refused_as_invalid(token):
    with pytest.raises(LinkInvalid):
        _links(Clock(0)).read(token)


def test_a_link_signed_by_another_studio_is_refused():
    clock = Clock(1_000_000.0)
    token = _links(clock, key=b"x" * 32).sign(_links(clock).new(7, 500, 501, "0123456789ab"))
    with pytest.raises(LinkInvalid):
        _links(clock).read(token)


def test_a_result_link_keeps_member_and_place_with_a_fresh_time():
    clock = Clock(1_000_000.0)
    links = _links(clock)
    link = links.new(7, 500, 501, "0123456789ab")
    clock.now += 300
    renewed = links.renewed(link, "ba9876543210")
    assert renewed == replace(link, image_id="ba9876543210", expires_at=1_000_900)


def test_the_key_is_made_once_private_and_kept(tmp_path):
    path = tmp_path / "var" / "web-link.key"
    key = link_secret.load_or_create(path)
    assert len(key) == 32 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert link_secret.load_or_create(path) == key
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="delete it"):
        link_secret.load_or_create(path)


def test_a_frame_dragged_outward_grows_each_side_and_masks_only_the_new_area():
    image = Image.new("RGB", (64, 48), "red")
    grown = canvas.grow(image, (0.5, 0.0, 0.25, 1.0), 2048)
    assert grown.image.size == (64 + 32 + 16, 48 + 48)
    assert grown.image.getpixel((32, 0)) == (255, 0, 0)  # the picture, moved right
    assert grown.mask.getpixel((32, 0)) == 0 and grown.mask.getpixel((0, 0)) == 255
    assert grown.mask.getpixel((40, 60)) == 255  # below it: new
    for frame, message in [
        ((0, 0, 0, 0), "Drag the frame"),
        ((1.5, 0, 0, 0), "0 to 100%"),
        ((-0.1, 0, 0, 0), "0 to 100%"),
    ]:
        with pytest.raises(BadRequest, match=message):
            canvas.grow(image, frame, 2048)
    with pytest.raises(BadRequest, match="limit"):
        canvas.grow(image, (1, 1, 1, 1), 128)

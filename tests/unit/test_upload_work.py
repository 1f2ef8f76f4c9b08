"""Issue 19 item 4: upload decoding off the event loop, a cap on decodes at once, and the
content checks see a scaled-down copy, not the full-size image."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest
from PIL import Image

import studio.studio
from app.runtime import Runtime
from studio.studio import SCREEN_SIDE, Requester


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("cap", [2, 6])
async def test_uploads_decode_in_threads_within_the_cap_and_are_screened_small(
    settings, monkeypatch, cap
):
    runtime = await Runtime.start(settings.model_copy(update={"max_image_decodes": cap}))
    try:
        screened: list[tuple[int, int]] = []
        real_screen = runtime.studio.moderator.screen_upload

        async def recording(user_id, guild_id, image, prompt=""):
            screened.append(image.size)
            return await real_screen(user_id, guild_id, image, prompt)

        monkeypatch.setattr(runtime.studio.moderator, "screen_upload", recording)
        lock, active, peak, on_loop_thread = threading.Lock(), [0], [0], []
        real_open = studio.studio.open_upload

        def counting(data, **limits):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
                on_loop_thread.append(threading.current_thread() is threading.main_thread())
            try:
                time.sleep(0.2)  # long enough for the others to pile up behind the cap
                return real_open(data, **limits)
            finally:
                with lock:
                    active[0] -= 1

        monkeypatch.setattr(studio.studio, "open_upload", counting)
        upload = png(Image.new("RGB", (4096, 2048), "grey"))
        users = [Requester(100 + n, f"u{n}") for n in range(6)]
        await asyncio.gather(*(runtime.studio.vary(user, upload) for user in users))
        assert on_loop_thread == [False] * 6  # every decode ran in a worker thread
        if cap == 2:
            assert 1 <= peak[0] <= 2
        else:
            assert peak[0] > 2  # control: without a tight cap they do overlap
        assert screened == [(SCREEN_SIDE, SCREEN_SIDE // 2)] * 6  # not 4096×2048
    finally:
        await runtime.stop()

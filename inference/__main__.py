"""``python -m inference``: run one inference worker against the configured queue."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sys
from typing import TYPE_CHECKING

from data.queue import QueueUnavailable, open_queue
from data.settings import load_settings
from data.store import StoreUnavailable
from inference.config import WorkerSettings

if TYPE_CHECKING:
    from inference.provenance import Provenance
    from inference.storing import ResultStorage


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s worker %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(WorkerSettings)
    try:
        return asyncio.run(_serve(settings))
    except (QueueUnavailable, StoreUnavailable) as error:  # one sentence, no traceback
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


async def _serve(settings: WorkerSettings) -> int:
    # Imported here: torch and diffusers take seconds to import; settings errors come first.
    from data.image_checks import ImageChecker
    from inference.certificates import CertificateError
    from inference.engine import Engine, default_upscaler
    from inference.models import (
        MemoryOptions,
        ModelLoadError,
        SpeedOptions,
        load_pipelines,
        warm_up,
    )
    from inference.postprocess import PostProcessor
    from inference.previews import load_previewer
    from inference.superres import load_super_resolution
    from inference.worker import Worker

    try:
        provenance = await asyncio.to_thread(load_provenance, settings)
    except CertificateError as error:
        print(error, file=sys.stderr)
        return 2
    speed = SpeedOptions(settings.dtype, settings.channels_last, settings.compile)
    memory = MemoryOptions(settings.offload, settings.quantize, settings.vae_tiling)
    try:
        pipelines = await asyncio.to_thread(
            load_pipelines, settings.model, settings.device, speed, memory, settings.model_family
        )
    except ModelLoadError as error:
        print(error, file=sys.stderr)
        return 2
    # Variations and edits are painted within the pixel budget IMAGE_SIZE² sets.
    pipelines = dataclasses.replace(pipelines, side=settings.image_size)
    if settings.warm_up and (pipelines.device.type != "cpu" or settings.compile):
        await asyncio.to_thread(warm_up, pipelines, settings.image_size, settings.steps)
    previewer = await asyncio.to_thread(
        load_previewer,
        settings.preview_decoder,
        pipelines.device,
        pipelines.text2img.vae.dtype,
        settings.preview_seconds,
        pipelines.spec.latents,
    )
    try:
        enlarger = (
            await asyncio.to_thread(load_super_resolution, settings.upscale_model, pipelines.device)
            if settings.upscale_model
            else None
        )
    except ModelLoadError as error:
        print(error, file=sys.stderr)
        return 2
    tile = {"tile": settings.upscale_tile} if settings.upscale_tile else {}
    upscaler = default_upscaler(
        pipelines, tiles_per_call=settings.upscale_tiles_per_call, enlarger=enlarger, **tile
    )
    checker = None
    if settings.check_outputs:
        checker = ImageChecker(device=pipelines.device.type)
        provider = await asyncio.to_thread(lambda: checker.provider)  # loads it before work
        logging.getLogger(__name__).info("output checks run on %s", provider)
    storage = await open_result_storage(settings)
    queue = await open_queue(settings.queue_url, max_attempts=settings.job_max_attempts)
    worker = Worker(
        queue,
        Engine(pipelines, previewer, provenance, upscaler),
        worker_id=settings.worker_id,
        lease_seconds=settings.lease_seconds,
        poll_seconds=settings.poll_seconds,
        batch_images=settings.batch_size,
        batch_wait=settings.batch_wait_ms / 1000,
        post=PostProcessor(pipelines.name, checker, provenance),
        storage=storage,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await worker.run(stop)
    finally:
        await queue.close()
    return 0


async def open_result_storage(settings: WorkerSettings) -> ResultStorage | None:
    """The bot's storage, when this worker can see it (its name is checked per job)."""
    from data.images import open_image_files
    from inference.storing import ResultStorage

    try:
        files = open_image_files(
            settings.storage, settings.data_dir, endpoint_url=settings.s3_endpoint_url
        )
    except ValueError as error:  # a malformed STORAGE: the bot refuses it; bytes travel
        logging.getLogger(__name__).warning("results travel in the queue: %s", error)
        return None
    return await ResultStorage.open(files)


def load_provenance(settings: WorkerSettings) -> Provenance:
    """Watermark and signing as configured; a key that cannot sign stops the worker here."""
    from inference.certificates import load_signing_key
    from inference.provenance import Provenance, check_key

    key = load_signing_key(settings.data_dir, settings.c2pa_cert, settings.c2pa_key)
    check_key(key)
    return Provenance(key, include_prompt=settings.c2pa_include_prompt, mark=settings.watermark)


if __name__ == "__main__":
    sys.exit(main())

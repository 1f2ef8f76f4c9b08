"""What provenance costs per image, as a share of a 1-step 512² job, measured in one run.

    .venv/bin/python bench/provenance_cost.py [--model tiny] [--device cpu] [--runs 9]

Times, medians of ``--runs``:

- the job: ``Engine.run`` of a 1-step, 1-image, 512² text-to-image job with guidance 0
  and plain PNGs (text chunks only), the sd-turbo settings;
- the invisible watermark (``data.watermark.embed``) on that image;
- the C2PA signature of its PNG (``Provenance.sign``, the studio's own chain), for a
  generated image and for an edit (which also records its signed source as ingredient);
- the whole ``Provenance.png`` minus the plain one: what the worker adds per image.

Prints each and, last, ``provenance ratio: X.XXX`` (added cost ÷ job; goal ≤ 0.05).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from data import watermark
from data.jobs import Job, JobKind
from inference.certificates import load_signing_key
from inference.engine import Engine
from inference.models import load_pipelines
from inference.provenance import Provenance


def median_seconds(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    engine = Engine(load_pipelines(args.model, args.device))
    job = Job(
        id="bench",
        kind=JobKind.GENERATE,
        prompt="a purple mammoth riding a motorcycle",
        seed=1,
        n=1,
        width=args.size,
        height=args.size,
        steps=1,
        guidance=0.0,
    )
    engine.run(job)  # warm-up
    job_seconds = median_seconds(lambda: engine.run(job), args.runs)
    image = engine.paint(engine.prepare(job))[0]

    with tempfile.TemporaryDirectory() as data_dir:
        signing = Provenance(load_signing_key(Path(data_dir), None, None))
        plain = Provenance.plain()
        model = engine.model_name
        png = plain.png(job, image, 1, model)
        signed = signing.png(job, image, 1, model)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        edit = job.model_copy(
            update={"kind": JobKind.EDIT, "init_image": buffer.getvalue(), "parent": signed}
        )
        signing.png(job, image, 1, model)  # warm: the thread's c2pa context
        mark = median_seconds(lambda: watermark.embed(image, model), args.runs)
        sign = median_seconds(lambda: signing.sign(job, png, 1, model), args.runs)
        sign_edit = median_seconds(lambda: signing.sign(edit, png, 1, model), args.runs)
        plain_png = median_seconds(lambda: plain.png(job, image, 1, model), args.runs)
        full_png = median_seconds(lambda: signing.png(job, image, 1, model), args.runs)
    added = full_png - plain_png
    print(f"model {model}, {args.size}², 1 step, device {args.device}, medians of {args.runs}")
    print(f"job (1 image, plain PNG):      {job_seconds * 1000:8.1f} ms")
    print(f"watermark:                     {mark * 1000:8.1f} ms")
    print(f"C2PA sign, generated:          {sign * 1000:8.1f} ms")
    print(f"C2PA sign, edit + ingredient:  {sign_edit * 1000:8.1f} ms")
    print(f"PNG plain / with provenance:   {plain_png * 1000:8.1f} / {full_png * 1000:.1f} ms")
    print(f"manifest bytes added:          {len(signed) - len(png):8d}")
    print(f"provenance ratio: {added / job_seconds:.3f}")


if __name__ == "__main__":
    main()

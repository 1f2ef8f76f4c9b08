"""The command line end to end in a subprocess: use-case, ledger, queue, a worker process."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from tests.conftest import TEST_MODEL

ROOT = Path(__file__).resolve().parents[1]


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MODEL": TEST_MODEL, "DATA_DIR": str(tmp_path / "var"), **env}
    # This checkout's code, not whichever one the virtualenv's editable install points at.
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_imagine_vary_and_edit_from_the_terminal(tmp_path: Path):
    first = run_cli(tmp_path, "imagine", "a purple mammoth", "--out", "a", "--seed", "42")
    assert first.returncode == 0, first.stderr
    paths = [tmp_path / line for line in first.stdout.split()]
    assert [p.name for p in paths] == ["1.png", "2.png", "3.png", "4.png"]
    assert Image.open(paths[0]).text["seed"] == "42"
    assert "queued: 0 ahead" in first.stderr and "generating" in first.stderr

    again = run_cli(tmp_path, "imagine", "a purple mammoth", "--out", "b", "--seed", "42")
    assert again.returncode == 0, again.stderr
    # The same pixels and parameters; the bytes differ only by each file's own signature.
    same, before = Image.open(tmp_path / "b/3.png"), Image.open(tmp_path / "a/3.png")
    assert same.tobytes() == before.tobytes() and same.text == before.text

    edit = run_cli(tmp_path, "edit", "a/1.png", "a hat", "--extend", "right", "--out", "e")
    assert edit.returncode == 0, edit.stderr
    assert Image.open(tmp_path / "e/1.png").size == (96, 64)
    assert len(edit.stdout.split()) == 3


def test_provenance_prints_the_credentials_of_a_made_image(tmp_path: Path):
    made = run_cli(tmp_path, "imagine", "a quiet harbour", "--out", "a", "--count", "1")
    assert made.returncode == 0, made.stderr
    shown = run_cli(tmp_path, "provenance", "a/1.png")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["c2pa"]["state"] == "valid" and report["c2pa"]["problems"] == []
    assert report["c2pa"]["chain"][0]["actions"] == ["c2pa.created"]
    assert report["c2pa"]["chain"][0]["generation"]["model"] == TEST_MODEL
    assert report["text"]["prompt"] == "a quiet harbour"
    assert "a quiet harbour" not in json.dumps(report["c2pa"])
    # The worker made its own chain on first start, in DATA_DIR.
    assert (tmp_path / "var/c2pa/signer.pem").is_file()

    Image.open(tmp_path / "a/1.png").convert("RGB").save(tmp_path / "bare.png")
    bare = json.loads(run_cli(tmp_path, "provenance", "bare.png").stdout)
    assert bare["c2pa"] is None and bare["watermark"] is None and bare["text"] == {}
    (tmp_path / "notes.txt").write_text("hello")
    wrong = run_cli(tmp_path, "provenance", "notes.txt")
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: This is not an image")
    assert "Traceback" not in wrong.stderr


def test_bad_input_and_bad_settings_get_one_sentence(tmp_path: Path):
    empty = run_cli(tmp_path, "imagine", " ", "--out", "x", LOCAL_WORKER="false")
    assert empty.returncode == 1 and empty.stderr.strip() == (
        "error: Write a prompt: describe the image you want."
    )
    coded = run_cli(tmp_path, "imagine", " ", "--out", "x", "--codes", LOCAL_WORKER="false")
    assert coded.returncode == 1 and coded.stderr.strip() == (
        "error [prompt_empty]: Write a prompt: describe the image you want."
    )
    wrong = run_cli(tmp_path, "imagine", "a cat", "--out", "x", IMAGE_SIZE="huge")
    assert wrong.returncode == 1
    assert "IMAGE_SIZE is invalid" in wrong.stderr and "Traceback" not in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def serve_until(tmp_path: Path, command: str, marker: str) -> tuple[int, str]:
    """Start ``python -m bot COMMAND`` (no worker, any free port), wait for ``marker`` in
    its output, stop it with SIGTERM; returns its exit code and output."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MODEL": TEST_MODEL,
        "DATA_DIR": str(tmp_path / "var"),
        "DISCORD_TOKEN": "",
        "LOCAL_WORKER": "false",
        "API_PORT": "0",
    }
    log = tmp_path / f"{command}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", command], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 120
        while marker not in (text := log.read_text()):
            assert process.poll() is None and time.monotonic() < deadline, text
            time.sleep(0.1)
    finally:
        process.terminate()
        code = process.wait(timeout=60)
    return code, log.read_text()


def test_run_without_a_token_serves_the_api_and_explains_how_to_add_the_bot(tmp_path: Path):
    code, text = serve_until(tmp_path, "run", "bot imagine")
    assert code == 0, text
    assert re.search(r"Images API: http://127\.0\.0\.1:\d+/v1", text)
    key = re.search(r"API key for the local operator account: (imk_\S+)", text).group(1)
    assert "curl -s http://127.0.0.1:" in text and f"Bearer {key}" in text
    assert "DISCORD_TOKEN is not set" in text and "discord.com/developers" in text


def test_api_serves_alone_and_prints_no_key(tmp_path: Path):
    code, text = serve_until(tmp_path, "api", "openapi.json")
    assert code == 0, text
    assert re.search(r"Images API: http://127\.0\.0\.1:\d+/v1", text)
    assert "imk_" not in text and "DISCORD_TOKEN" not in text


async def test_queue_shows_waiting_running_and_recent_failures(tmp_path: Path):
    from data import job_records, users
    from data.jobs import Job, JobKind
    from data.sqlite_queue import SqliteQueue
    from data.store import Store

    store = await Store.open(tmp_path / "var" / "imagine.db")
    queue = SqliteQueue(store)
    shape = dict(kind=JobKind.GENERATE, prompt="p", n=4, width=64, height=64, steps=8)
    jobs = [Job(id=f"job{i}", seed=i, guidance=0, **shape) for i in range(3)]
    for job in jobs:
        await queue.submit(job)
    await queue.claim("gpu-box:42", lease_seconds=60)
    await queue.heartbeat("job0", "gpu-box:42", 3, 8, 60)
    async with store.transaction() as db:
        await users.ensure_user(db, 7, "someone", 1_764_000_000)
        await job_records.insert(
            db, jobs[2], user_id=7, cost=1, source_image_id=None, origin=None, now=1_764_000_000
        )
        await job_records.finish(db, "job2", "failed", "out of GPU memory", 1_764_000_060)
    await store.close()

    result = run_cli(tmp_path, "queue")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("imagine.db: 2 waiting, 1 running")
    assert lines[1].startswith("  job job0 on gpu-box:42: step 3/8, attempt 1, last heard ")
    assert lines[2:] == [
        "recent failures:",
        "  2025-11-24 16:01 UTC  job job2  user 7  out of GPU memory",
    ]


def test_upscale_from_the_terminal_doubles_the_picture(tmp_path: Path):
    """On the default family too: FLUX.2's upscale once failed on every call."""
    Image.new("RGB", (40, 24), "teal").save(tmp_path / "small.png")
    done = run_cli(tmp_path, "upscale", "small.png", "--out", "up", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(Path("up/1.png"))]
    picture = Image.open(tmp_path / "up/1.png")
    assert picture.size == (80, 48) and picture.text["mode"] == "upscale"
    creative = run_cli(tmp_path, "upscale", "small.png", "--out", "c", "--creative", "--seed", "3")
    assert creative.returncode == 0, creative.stderr
    assert (tmp_path / "c/1.png").read_bytes() != (tmp_path / "up/1.png").read_bytes()

    Image.new("RGB", (1100, 300), "teal").save(tmp_path / "wide.png")
    refused = run_cli(tmp_path, "upscale", "wide.png", "--out", "w", LOCAL_WORKER="false")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (
        "error: Upscaling this 1100×300 image would make 2200×600 pixels; the limit is 4.2"
        " megapixels and 2048 a side."
    )


def test_an_unreachable_queue_is_one_sentence_not_a_traceback(tmp_path: Path):
    """RedisQueue.connect raises a catchable QueueUnavailable; the CLI prints it and exits 1."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = run_cli(tmp_path, "queue", QUEUE=f"redis://127.0.0.1:{port}/0", LOCAL_WORKER="false")
    assert down.returncode == 1
    assert "cannot be reached" in down.stderr and "Traceback" not in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1


def test_the_cli_warns_when_the_worker_that_answered_serves_another_model():
    """Jobs name their model and workers claim only their own, but a job queued before
    that (no model named) can be taken by any worker: the CLI says so when it happens."""
    from app.cli import other_model_warning
    from data.images import ImageRecord

    def made_by(model: str) -> ImageRecord:
        return ImageRecord("i", "j", 1, 1, "p.png", "a fox", "", 1, model, 64, 64, None, 0.0)

    assert other_model_warning("tiny:flux2", [made_by("tiny:flux2")] * 2) is None
    warning = other_model_warning("tiny:flux2", [made_by("tiny"), made_by("tiny")])
    assert warning == (
        "warning: the worker that answered serves tiny, not MODEL=tiny:flux2; "
        "the images say so in their metadata"
    )


def test_imagine_python_m_app_and_python_m_bot_are_one_command(tmp_path: Path):
    """The installed ``imagine`` command, ``python -m app`` and the documented alias
    ``python -m bot`` run the same command line."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = Path(sys.executable).parent / "imagine"
    commands = [[str(script)], [sys.executable, "-m", "app"], [sys.executable, "-m", "bot"]]
    outputs = []
    for command in commands:
        done = subprocess.run(
            [*command, "--help"], cwd=tmp_path, env=environment, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert "imagine" in outputs[0] and "api-key" in outputs[0]
    assert outputs[0] == outputs[1] == outputs[2]

"""compose.yaml and the Dockerfile against the code they run: every setting they set is
one the program reads (and accepts), every command exists, every package is copied.
(Docker itself is not run here: no daemon on the test machines.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OURS = {"bot-1", "bot-2", "api-1", "api-2", "worker"}  # services that run this project's image
OTHER_VARIABLES = {  # read by boto3 and huggingface_hub, not by our settings
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "HF_HOME",
}  # fmt: skip


def _defaults(value: object) -> str:
    """``${VAR:-default}`` as compose fills it when VAR is not set."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_the_recipe_has_every_part_of_a_scaled_deployment(services):
    assert {"postgres", "redis", "minio", "bucket"} <= set(services)
    assert {"api-1", "api-2"} <= set(services)  # API processes behind a load balancer
    gpu = services["worker"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia" and "gpu" in gpu["capabilities"]


def test_every_variable_is_a_setting_the_program_accepts(services):
    from data.settings import load_settings
    from inference.config import WorkerSettings
    from studio.settings import Settings

    for name in sorted(OURS):
        service = services[name]
        kind = WorkerSettings if name == "worker" else Settings
        environment = {k: _defaults(v) for k, v in service["environment"].items()}
        known = {field.upper() for field in kind.model_fields}
        assert set(environment) - known <= OTHER_VARIABLES, name
        values = {k.lower(): v for k, v in environment.items() if k in known}
        settings = load_settings(kind, _env_file=None, **values)
        if name != "worker":
            assert settings.database_is_postgres and settings.queue_url.startswith("redis://")
            assert settings.storage.startswith("s3://") and not settings.local_worker
    for shared in ("QUEUE", "STORAGE", "S3_ENDPOINT_URL"):  # the workers store the images
        assert services["worker"]["environment"][shared] == services["bot-1"]["environment"][shared]


def test_the_bot_processes_split_the_shards(services):
    from studio.settings import Settings

    shards = [
        Settings(
            _env_file=None,
            **{
                k.lower(): v
                for k, v in services[name]["environment"].items()
                if k.startswith("SHARD_") or k == "QUEUE"
            },
        )
        for name in ("bot-1", "bot-2")
    ]
    assert {s.shard_count for s in shards} == {2}
    assert sorted(i for s in shards for i in s.shard_ids) == [0, 1]  # each shard once


def test_every_command_is_one_the_cli_has(services):
    from app.cli import build_parser

    parser = build_parser()
    for name in ("bot-1", "bot-2", "api-1", "api-2"):
        parser.parse_args(services[name]["command"])  # exits on an unknown command


def test_the_image_copies_every_package_the_project_installs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    packages = re.search(r"include = \[(.*?)\]", pyproject).group(1)
    for package in re.findall(r'"(\w+)\*"', packages):
        assert f"COPY {package} ./{package}" in dockerfile, package
    assert "FROM studio AS worker" in dockerfile and 'ENTRYPOINT ["python", "-m", "bot"]' in (
        dockerfile
    )

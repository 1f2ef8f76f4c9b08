"""Settings both processes read (storage, queue, model), from the environment and ``.env``.

The bot's :class:`bot.config.Settings` and the worker's :class:`inference.config.WorkerSettings`
extend this, so the two never disagree on where the data and the queue are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TINY_PRESET = "tiny"
DEFAULT_MODEL = "stabilityai/sd-turbo"


class SharedSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_default=True)

    data_dir: Path = Path("./var")
    database: Path | None = None  # SQLite file; default DATA_DIR/imagine.db
    queue: str | None = None  # queue URL; default the SQLite database itself
    model: str = DEFAULT_MODEL  # a Hugging Face id, a local folder, or the offline preset 'tiny'
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    image_size: int = Field(default=512, ge=32, le=1536, multiple_of=8)  # square side in pixels
    steps: int = Field(default=2, ge=1, le=150)  # sd-turbo: 1-4; SD 1.5/2.1: 25-50
    job_max_attempts: int = Field(default=3, ge=1, le=20)  # runs of a job whose worker died

    @field_validator("model")
    @classmethod
    def _model_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a model id, a local folder or 'tiny'")
        return value.strip()

    @property
    def database_path(self) -> Path:
        return self.database or self.data_dir / "imagine.db"

    @property
    def queue_url(self) -> str:
        return self.queue or f"sqlite:///{self.database_path}"

    @property
    def is_tiny(self) -> bool:
        return self.model == TINY_PRESET


class SettingsError(SystemExit):
    """A wrong setting: stops the program with one sentence that names the variable."""


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S], **overrides: object) -> S:
    try:
        return cls(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise SettingsError(
            f"Configuration error: {variable} is invalid ({first['msg']}); "
            f"got {first.get('input')!r}. Fix it in the environment or in .env."
        ) from None

"""Settings both processes read (storage, queue, model), from the environment and ``.env``.

The bot's :class:`bot.config.Settings` and the worker's :class:`inference.config.WorkerSettings`
extend this, so the two never disagree on where the data and the queue are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from data.families import (
    DEFAULT_MODEL,
    FAMILIES,
    TINY_MODELS,
    TINY_PRESET,
    Family,
    ModelDefaults,
    defaults_for,
    family_of,
    is_tiny,
)
from data.store import is_postgres

__all__ = ["DEFAULT_MODEL", "TINY_PRESET", "SettingsError", "SharedSettings", "load_settings"]


class SharedSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_default=True)

    data_dir: Path = Path("./var")
    # The store: a SQLite file (default DATA_DIR/imagine.db) or postgresql://user@host/db.
    database: str | None = None
    queue: str | None = None  # queue URL; default the store's own database
    # Where images live: empty (DATA_DIR), a folder (e.g. a shared mount) or s3://bucket/prefix.
    # Workers that see the same storage write their results there themselves.
    storage: str | None = None
    s3_endpoint_url: str | None = None  # an S3-compatible store other than AWS (MinIO, …)
    # A Hugging Face id, a local folder, or an offline build: 'tiny' (SD) or tiny:<family>.
    model: str = DEFAULT_MODEL
    # The model's family (data/families.py) when MODEL does not tell: sd, sdxl, sd3, flux,
    # flux2, zimage. Empty: from the preset table, the folder's model_index.json or the id.
    model_family: str = ""
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    # Square side in pixels (the pixel budget of all three shapes); default: the model's.
    image_size: int = Field(default=1024, ge=32, le=2048, multiple_of=8)
    steps: int = Field(default=4, ge=1, le=150)  # default: the model's (FLUX.2 klein 4)
    job_max_attempts: int = Field(default=3, ge=1, le=20)  # runs of a job whose worker died

    @field_validator("model")
    @classmethod
    def _model_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a model id, a local folder or 'tiny'")
        value = value.strip()
        if value.startswith(f"{TINY_PRESET}:") and not is_tiny(value):
            builds = ", ".join(TINY_MODELS)
            raise ValueError(f"there is no tiny build {value!r}; the tiny builds are {builds}")
        return value

    @field_validator("model_family")
    @classmethod
    def _known_family(cls, value: str) -> str:
        if value and value not in FAMILIES:
            raise ValueError(f"must be one of {', '.join(FAMILIES)} (or empty)")
        return value

    @model_validator(mode="after")
    def _model_defaults(self) -> SharedSettings:
        """Size and steps the operator did not set come from the model's family/preset."""
        defaults = self.model_defaults
        # Written past __setattr__ so that model_fields_set still tells what the operator set.
        if "image_size" not in self.model_fields_set:
            self.__dict__["image_size"] = defaults.side
        if "steps" not in self.model_fields_set:
            self.__dict__["steps"] = defaults.steps
        return self

    @property
    def family(self) -> Family:
        return family_of(self.model, self.model_family)

    @property
    def model_defaults(self) -> ModelDefaults:
        return defaults_for(self.model, self.model_family)

    @field_validator("database")
    @classmethod
    def _database_engine(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme and value.startswith(("postgresql://", "postgres://")) is False:
            raise ValueError(
                f"{scheme}:// is not a store this bot knows: give a SQLite file path"
                " or a postgresql://user:password@host:5432/database URL"
            )
        return value

    @property
    def database_is_postgres(self) -> bool:
        return self.database is not None and is_postgres(self.database)

    @property
    def database_path(self) -> Path:
        """The SQLite file (also where DATA_DIR-relative tools look when on PostgreSQL)."""
        if self.database and not self.database_is_postgres:
            return Path(self.database)
        return self.data_dir / "imagine.db"

    @property
    def database_location(self) -> Path | str:
        """What :meth:`data.store.Store.open` takes: the PostgreSQL URL or the SQLite file."""
        return self.database if self.database_is_postgres else self.database_path

    @property
    def store_queue_url(self) -> str:
        """The embedded queue in the store's own database."""
        if self.database_is_postgres:
            return str(self.database)
        return f"sqlite:///{self.database_path}"

    @property
    def queue_url(self) -> str:
        return self.queue or self.store_queue_url

    @property
    def is_tiny(self) -> bool:
        return is_tiny(self.model)


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

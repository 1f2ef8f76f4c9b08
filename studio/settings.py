"""The bot's settings (pydantic-settings): environment variables and ``.env``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from data.settings import SharedSettings


class Settings(SharedSettings):
    discord_token: str | None = None
    local_worker: bool = True  # start one worker as a child process (False: workers run elsewhere)
    max_canvas: int = Field(
        default=1536, ge=32, le=2048, multiple_of=8
    )  # longest side after extend
    guidance: float = Field(default=1.0, ge=0, le=30)  # default: the model's (data/families.py)
    vary_strength: float = Field(default=0.6, gt=0, le=1)  # default: the model family's
    vary_subtle_strength: float = Field(default=0.35, ge=0.05, le=1)  # Vary (Subtle)
    vary_strong_strength: float = Field(default=0.8, ge=0.05, le=1)  # Vary (Strong)
    upscale_subtle_strength: float = Field(default=0.2, ge=0.05, le=1)  # Upscale (Subtle)
    upscale_creative_strength: float = Field(default=0.45, ge=0.05, le=1)  # Upscale (Creative)
    upscale_max_pixels: int = Field(default=2048 * 2048, ge=64 * 64, le=2048 * 2048)  # 2× result
    images_per_prompt: int = Field(default=4, ge=1, le=4)
    images_per_edit: int = Field(default=3, ge=1, le=4)
    max_prompt_length: int = Field(default=400, ge=1, le=2000)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_upload_pixels: int = Field(default=4096 * 4096, ge=64 * 64)
    # uploads decoded, resized and encoded at once, in threads (each can hold ~100 MB)
    max_image_decodes: int = Field(default=2, ge=1, le=64)
    welcome_credits: int = Field(default=50, ge=0)  # first month
    monthly_credits: int = Field(default=15, ge=0)  # every month after
    pack_credits: int = Field(default=115, ge=1)  # one purchased pack (DALL·E: 115 for $15)
    credit_pack_sku_id: int | None = None  # the Discord premium-app SKU that sells a pack
    credits_per_server: bool = False  # each server its own free credits (packs go everywhere)
    refill_check_minutes: float = Field(default=60, gt=0)  # how often refills are granted
    rate_limit_jobs: int = Field(default=6, ge=1)  # new requests per user per window…
    rate_limit_seconds: float = Field(default=60, gt=0)  # …of this many seconds
    # The operator's terminal account (the console user and its API keys): 0 = unlimited.
    console_rate_limit_jobs: int = Field(default=0, ge=0)
    generation_cost: int = Field(default=1, ge=0)
    edit_cost: int = Field(default=1, ge=0)
    upscale_cost: int = Field(default=1, ge=0)
    history_limit: int = Field(default=50, ge=1, le=1000)  # generations /history shows
    collection_cap: int = Field(default=10_000, ge=1)  # saved images per user, all collections
    max_jobs_per_user: int = Field(default=5, ge=1, le=100)  # a user's unfinished jobs at once
    paid_first_after: int = Field(default=10, ge=0)  # paid jobs jump ahead once this many wait
    message_content: bool = True  # the privileged intent reply-to-edit needs
    block_faces: bool = True  # refuse uploads with realistic faces (a server may change it)
    block_nudity: bool = True  # refuse uploads and withhold results with nudity (per server too)
    check_outputs: bool = True  # check generated images before they are posted
    diversify_people: bool = False  # a random gender/ethnicity per image (servers opt in)
    prompt_classifier: str | None = None  # a text-classification model (hub id or folder)
    prompt_classifier_threshold: float = Field(default=0.8, gt=0, le=1)
    strike_limit: int = Field(default=3, ge=1)  # blocked requests in the window → suspended
    strike_window_hours: float = Field(default=24, gt=0)
    suspension_hours: float = Field(default=24, gt=0)
    allow_dms: bool = False  # slash commands and reply-to-edit in direct messages
    # Discord user ids whose /credits-admin grant may give credits for every server
    # (comma-separated); a server's own admins grant credits spent on that server only.
    operator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # The tag Share gives gallery forum posts (by name); without it, a forum that requires
    # a tag gets the first one the bot may apply.
    gallery_forum_tag: str | None = None
    api_enabled: bool = False  # serve the Images API beside the bot (python -m bot api: alone)
    api_host: str = "127.0.0.1"  # 0.0.0.0 to accept other machines (put TLS in front)
    api_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (printed)
    api_public_url: str | None = None  # the base of result URLs behind a proxy; default: Host
    api_max_image_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)  # DALL·E 2's 4 MB
    api_url_minutes: float = Field(default=60, gt=0)  # how long a ``url`` result lives
    # How long a key's member's roles are kept before Discord is asked again (0: every time).
    api_roles_seconds: float = Field(default=60, ge=0)
    # API ``url`` results signed by the bucket itself (the bytes skip the API); the bucket's
    # endpoint must then be reachable by the API's clients
    storage_signed_links: bool = False
    # The web editor's signed links (Edit button, /edit-link): how long one may be opened.
    web_link_minutes: float = Field(default=15, gt=0, le=24 * 60)
    # Several bot processes split Discord's shards: each runs SHARD_IDS (default: all) of
    # SHARD_COUNT shards; unset, one process holds the one shard Discord needs below 2,500
    # servers.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    # With QUEUE=redis: a bot or API process silent this long is deemed gone, and another
    # process takes over the jobs it followed (stores and delivers their results).
    watch_lease_seconds: float = Field(default=15, ge=1)
    discord_api_base: str | None = None  # another Discord-compatible REST endpoint (tests)
    discord_gateway: str | None = None  # and its gateway URL

    @field_validator("operator_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``OPERATOR_IDS=1,2`` as well as a list from code."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: object) -> object:
        """``SHARD_IDS=0,2`` as well as a list from code; empty: unset."""
        if isinstance(value, str):
            parts = [part for part in value.replace(" ", "").split(",") if part]
            if not all(part.isdigit() for part in parts):
                raise ValueError(f"SHARD_IDS must be shard numbers like 0,1 (got {value!r})")
            return tuple(int(part) for part in parts) or None
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        """SHARD_IDS names shards of SHARD_COUNT, each once."""
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (how many shards there are in all)")
        if len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError(f"SHARD_IDS names a shard twice: {self.shard_ids}")
        if wrong := [i for i in self.shard_ids if i >= self.shard_count]:
            raise ValueError(
                f"SHARD_IDS {wrong} are not shards of SHARD_COUNT={self.shard_count} "
                f"(shards are numbered 0 to {self.shard_count - 1})"
            )
        partial = len(self.shard_ids) < self.shard_count
        if partial and not self.queue_url.startswith(("redis://", "rediss://")):
            raise ValueError(
                "SHARD_IDS splits the shards between bot processes, which agree on who "
                "delivers each job through Redis: set QUEUE=redis://… as well"
            )
        return self

    @model_validator(mode="after")
    def _model_defaults_for_the_bot(self) -> Settings:
        """Guidance and variation strength the operator did not set come from the model;
        the tiny builds are fast only at tiny sizes, so their canvases stay small too."""
        chosen = self.model_fields_set
        if "guidance" not in chosen:
            self.__dict__["guidance"] = self.model_defaults.guidance
        if "vary_strength" not in chosen:
            self.__dict__["vary_strength"] = self.family.vary_strength
        if self.is_tiny and "max_canvas" not in chosen:
            self.__dict__["max_canvas"] = 256
        return self

    @property
    def sizes(self) -> dict[str, tuple[int, int]]:
        """Square, portrait and landscape at the model's pixel budget (IMAGE_SIZE²), in
        multiples its architecture needs."""
        return self.family.sizes(self.image_size)

    @property
    def negative_prompt_works(self) -> bool:
        """Whether a negative prompt changes anything with this model and guidance."""
        return self.family.negative_prompt_works(self.guidance)

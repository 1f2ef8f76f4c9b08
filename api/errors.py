"""OpenAI-shaped errors: ``{"error": {"message", "type", "param", "code"}}`` and the status
codes OpenAI uses, so an OpenAI client raises its usual exception for each refusal.

The studio's refusals (:class:`bot.errors.StudioError`) are translated here in one table;
the text a member reads on Discord carries Discord markup (mentions, timestamps), so the
refusals that have it get their own sentence for HTTP clients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from aiohttp import web

from bot.api_keys import InvalidKey
from bot.errors import (
    ContentBlocked,
    ImageRejected,
    NoAccess,
    NotEnoughCredits,
    StudioError,
    Suspended,
    TooManyJobs,
    Unavailable,
)
from bot.rate_limit import RateLimited

IN_FLIGHT_RETRY_SECONDS = 5  # a guess a client can act on: jobs take seconds, not minutes


@dataclass
class ApiError(Exception):
    """A refusal on its way to the client. Nothing was charged and no job was made."""

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def response(self) -> web.Response:
        body = {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }
        return web.json_response(body, status=self.status, headers=self.headers)


def bad_field(param: str, message: str) -> ApiError:
    """A 400 that names the field (``param``) the client has to fix."""
    return ApiError(400, message, param=param)


def policy_violation(message: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code="content_policy_violation")


NO_RETRY = {"x-should-retry": "false"}  # OpenAI's clients honour it: retrying cannot help


def from_studio(error: StudioError, param: str | None = None) -> ApiError:
    """The HTTP answer to a studio refusal; ``param`` names the field it concerns, if known."""
    if isinstance(error, InvalidKey):
        return ApiError(401, str(error), code="invalid_api_key")
    if isinstance(error, ContentBlocked):
        return policy_violation(str(error), param)
    if isinstance(error, Suspended):
        return ApiError(403, str(error), type="permission_error", code="suspended")
    if isinstance(error, NoAccess):
        roles = ", ".join(str(role) for role in error.role_ids)
        return ApiError(
            403,
            "On this server the studio is open to members with certain roles only "
            f"(role ids {roles}); ask a moderator for access.",
            type="permission_error",
            code="no_access",
        )
    if isinstance(error, RateLimited):
        wait = max(1, math.ceil(error.retry_after))
        return ApiError(
            429,
            f"Rate limit reached: try again in {wait} second{'s' if wait != 1 else ''}. "
            "Nothing was charged.",
            type="requests",
            code="rate_limit_exceeded",
            headers={"Retry-After": str(wait)},
        )
    if isinstance(error, TooManyJobs):
        return ApiError(
            429,
            str(error),
            type="requests",
            code="too_many_requests_in_flight",
            headers={"Retry-After": str(IN_FLIGHT_RETRY_SECONDS)},
        )
    if isinstance(error, NotEnoughCredits):
        return ApiError(
            429,
            f"{error} Nothing was charged.",
            type="insufficient_quota",
            code="insufficient_quota",
            headers=NO_RETRY,
        )
    if isinstance(error, Unavailable):
        return ApiError(
            503, str(error), type="server_error", code="generation_unavailable", headers=NO_RETRY
        )
    if isinstance(error, ImageRejected):
        return bad_field(param or "image", str(error))
    return ApiError(400, str(error), param=param)

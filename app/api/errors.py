"""OpenAI-shaped errors: ``{"error": {"message", "type", "param", "code"}}`` and the status
codes OpenAI uses, so an OpenAI client raises its usual exception for each refusal.

The studio's refusals (:class:`studio.errors.StudioError`) are translated here in one table,
by their stable ``code``; their text is plain (no Discord markup), so it is the message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from aiohttp import web

from studio.api_keys import InvalidKey
from studio.errors import (
    BadCount,
    ContentBlocked,
    ImageRejected,
    NoAccess,
    NotEnoughCredits,
    RateLimited,
    StudioError,
    Suspended,
    TooManyJobs,
    Unavailable,
    UnknownSize,
)

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


# What an OpenAI client's user needs to hear besides the studio's sentence, by the problem.
KEY_HINTS = {
    "missing": " Send it as 'Authorization: Bearer KEY'; make one with /api-key create in Discord."
}

# The request field a refusal concerns, by its code, where the caller did not name one.
PARAMS = {BadCount.code: "n", UnknownSize.code: "size", ImageRejected.code: "image"}


def from_studio(error: StudioError, param: str | None = None) -> ApiError:
    """The HTTP answer to a studio refusal, by its stable ``code`` (matched by the classes'
    constants, so a renamed code cannot fall through to a 400 unnoticed); ``param`` names
    the field it concerns, when the caller knows it."""
    details = error.details()
    param = param or PARAMS.get(error.code)
    match error.code:
        case InvalidKey.code:
            hint = KEY_HINTS.get(details["problem"], "")
            return ApiError(401, f"{error}{hint}", code="invalid_api_key")  # OpenAI's code
        case ContentBlocked.code:
            return policy_violation(str(error), param)
        case Suspended.code | NoAccess.code:
            return ApiError(403, str(error), type="permission_error", code=error.code)
        case RateLimited.code:
            wait = max(1, math.ceil(details["retry_after"]))
            return ApiError(
                429,
                str(error),
                type="requests",
                code="rate_limit_exceeded",
                headers={"Retry-After": str(wait)},
            )
        case TooManyJobs.code:
            return ApiError(
                429,
                str(error),
                type="requests",
                code="too_many_requests_in_flight",
                headers={"Retry-After": str(IN_FLIGHT_RETRY_SECONDS)},
            )
        case NotEnoughCredits.code:
            return ApiError(
                429,
                f"{error} Nothing was charged.",
                type="insufficient_quota",
                code="insufficient_quota",
                headers=NO_RETRY,
            )
        case Unavailable.code:
            return ApiError(
                503, str(error), type="server_error", code="generation_unavailable",
                headers=NO_RETRY,
            )  # fmt: skip
        case ImageRejected.code:
            return bad_field(param or "image", str(error))
    return ApiError(400, str(error), param=param, code=error.code)

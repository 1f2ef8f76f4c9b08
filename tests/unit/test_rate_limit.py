"""The per-user job rate limit: a token bucket per user that refills after its window."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from data.origins import HttpOrigin
from studio.errors import RateLimited
from studio.rate_limit import JobRateLimit
from studio.studio import EditOptions, ImagineOptions, Requester
from tests.conftest import running_studio


def test_each_user_gets_their_own_bucket_and_it_refills_after_the_window():
    limit = JobRateLimit(jobs=2, seconds=60)
    limit.check(1, now=1000.0)
    limit.check(1, now=1010.0)
    with pytest.raises(RateLimited) as refused:
        limit.check(1, now=1020.0)
    assert refused.value.retry_after == pytest.approx(40)
    assert "Try again in 40 seconds" in str(refused.value)
    limit.check(2, now=1020.0)  # another user is not affected
    with pytest.raises(RateLimited):
        limit.check(1, now=1059.0)
    limit.check(1, now=1061.0)  # a minute after the first request: a fresh window


def test_a_refusal_does_not_extend_the_wait():
    limit = JobRateLimit(jobs=1, seconds=10)
    limit.check(7, now=0.5)
    for moment in (1.0, 5.0, 9.0):
        with pytest.raises(RateLimited):
            limit.check(7, now=moment)
    limit.check(7, now=10.6)


def test_a_request_is_counted_once_however_many_use_cases_it_runs():
    """An API request for 10 images is several jobs; an early admission (before a body is
    read) and the use-case's own check are one request. Without a key, every call counts."""
    limit = JobRateLimit(jobs=2, seconds=60)
    for _ in range(4):
        limit.check(1, now=0.0, request="http:a")
    limit.check(1, now=1.0, request="http:b")
    with pytest.raises(RateLimited):
        limit.check(1, now=2.0, request="http:c")
    limit.check(1, now=3.0, request="http:a")  # still the admitted request
    limit.check(1, now=61.0, request="http:a")  # a new window counts it afresh
    limit.check(1, now=62.0)
    with pytest.raises(RateLimited):
        limit.check(1, now=63.0)


async def test_every_use_case_that_starts_a_job_checks_the_limit_itself(settings, engine):
    """No adapter in between: the use-cases refuse a member over the limit, and an edit
    without a mask (which becomes a variation) counts as one request."""
    settings.rate_limit_jobs = 2
    member = Requester(5, "eve")
    async with running_studio(settings, engine) as runtime:
        assert isinstance(runtime, Runtime)
        first = await runtime.studio.imagine(member, "a fox", ImagineOptions(count=1))
        image = (await first.outcome()).images[0]
        origin = HttpOrigin(api_key_id="k", request_id="r1", created_at=0.0)
        await runtime.studio.edit(member, image.id, "a hat", EditOptions(), origin=origin)
        calls = [
            lambda: runtime.studio.imagine(member, "a cat"),
            lambda: runtime.studio.vary(member, image.id),
            lambda: runtime.studio.edit(member, image.id, "a hat", EditOptions(region="top")),
            lambda: runtime.studio.reroll(member, image.id),
            lambda: runtime.studio.upscale(member, image.id),
            lambda: runtime.studio.outpaint(member, image.id, direction="left"),
        ]
        for call in calls:
            with pytest.raises(RateLimited):
                await call()


def test_a_member_with_a_limit_of_their_own_and_an_unlimited_one():
    """The operator's console account has its own setting (CONSOLE_RATE_LIMIT_JOBS)."""
    limit = JobRateLimit(2, 60, clock=lambda: 0.0, own_limits={0: 0, 5: 3})
    for _ in range(50):
        limit.check(0)  # 0: unlimited
    for _ in range(3):
        limit.check(5)
    with pytest.raises(RateLimited) as refused:
        limit.check(5)
    assert refused.value.jobs == 3
    limit.check(7)
    limit.check(7)
    with pytest.raises(RateLimited):
        limit.check(7)  # everyone else: the common limit


def test_the_studio_gives_the_console_account_its_own_setting(tmp_path):
    from studio.requester import CONSOLE
    from studio.settings import Settings
    from studio.studio import Studio

    def studio(**settings) -> Studio:
        chosen = Settings(_env_file=None, data_dir=tmp_path, model="tiny", **settings)
        return Studio(chosen, None, None, None, None, None)  # the limit needs none of them

    unlimited = studio(rate_limit_jobs=1)
    for _ in range(20):
        unlimited.admit(CONSOLE)
    limited = studio(rate_limit_jobs=1, console_rate_limit_jobs=2)
    limited.admit(CONSOLE)
    limited.admit(CONSOLE)
    with pytest.raises(RateLimited):
        limited.admit(CONSOLE)

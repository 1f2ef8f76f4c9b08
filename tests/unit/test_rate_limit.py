"""The per-user job rate limit: a token bucket per user that refills after its window."""

from __future__ import annotations

import pytest

from studio.errors import RateLimited
from studio.rate_limit import JobRateLimit


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

"""Quality levels as denoising steps: what a request's ``quality`` buys within the model's
own range (its authors' step count is ``medium``).

A distilled model (FLUX.2 [klein], 4 steps) is made for its step count: fewer steps are
rougher and faster, more add a little detail at twice the time. The credit price is the
same at every level (the queue's fair order already weighs big jobs).
"""

from __future__ import annotations

import math
from enum import StrEnum

MAX_STEPS = 150  # the job contract's limit


class Quality(StrEnum):
    LOW = "low"  # half the steps
    MEDIUM = "medium"  # the model's own steps
    HIGH = "high"  # twice the steps


def steps_for(quality: Quality | None, steps: int) -> int:
    """The steps a job runs at ``quality`` for a model whose own count is ``steps``."""
    if quality is Quality.LOW:
        return max(1, math.ceil(steps / 2))
    if quality is Quality.HIGH:
        return min(MAX_STEPS, steps * 2)
    return steps

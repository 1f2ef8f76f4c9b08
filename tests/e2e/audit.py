"""The reliability tests' bookkeeping: after faults, was any job lost, shown twice, or
any credit wrong? Read from the database the bot used and from what the fake Discord saw.

Each test prints one ``RELIABILITY`` line with its counts (``pytest -s``); the README's
reliability figures are those lines.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.fakediscord import FakeDiscord


@dataclass(frozen=True)
class Audit:
    jobs: int
    lost: list[str]  # finished nowhere, or finished but never shown to the user
    duplicated: list[str]  # shown more than once
    credits_wrong: list[str]  # charged for nothing, refunded a delivered result, paid twice

    def report(self, scenario: str, faults: int) -> str:
        line = (
            f"RELIABILITY {scenario}: faults injected {faults}, jobs {self.jobs}, "
            f"jobs lost {len(self.lost)}, shown twice {len(self.duplicated)}, "
            f"credits wrong {len(self.credits_wrong)}"
        )
        print(line)
        return line

    def assert_clean(self) -> None:
        assert not self.lost, f"lost jobs: {self.lost}"
        assert not self.duplicated, f"jobs shown twice: {self.duplicated}"
        assert not self.credits_wrong, f"wrong credits: {self.credits_wrong}"


def posts_per_image(fake: FakeDiscord) -> Counter[str]:
    """How many accepted bot messages showed each image id in their buttons."""
    shown: Counter[str] = Counter()
    for call in fake.calls:
        if call.method != "POST" or not call.ok or not isinstance(call.json, dict):
            continue
        body = call.json.get("data", call.json) if call.path.endswith("/callback") else call.json
        if not call.files or call.files[0].filename != "grid.jpg":
            continue
        ids = {
            component["custom_id"].rsplit(":", 1)[-1]
            for row in body.get("components", [])
            for component in row.get("components", [])
            if component.get("custom_id", "").startswith("imagine:vary:")
        }
        shown.update(ids)
    return shown


def audit(database: Path, fake: FakeDiscord) -> Audit:
    shown = posts_per_image(fake)
    notices = Counter(
        call.json.get("content")
        for call in fake.calls
        if call.method == "POST" and call.ok and isinstance(call.json, dict)
    )
    lost, duplicated, wrong = [], [], []
    with sqlite3.connect(database) as db:
        jobs = db.execute("SELECT id, status, cost, delivered_at, error FROM jobs").fetchall()
        for job_id, status, cost, delivered_at, error in jobs:
            spent = -sum(d for (d,) in db.execute(_DELTAS, (f"spend:{job_id}:%",)))
            refunded = sum(d for (d,) in db.execute(_DELTAS, (f"refund:{job_id}:%",)))
            images = [i for (i,) in db.execute("SELECT id FROM images WHERE job_id = ?", (job_id,))]
            if status == "done":
                times = {shown[i] for i in images}
                if not images or delivered_at is None or times == {0}:
                    lost.append(job_id)
                elif times != {1}:
                    duplicated.append(job_id)
                if spent != cost or refunded != 0:
                    wrong.append(job_id)
            elif status == "failed":
                said = sum(n for text, n in notices.items() if text and f"failed: {error}" in text)
                if delivered_at is None or said == 0:
                    lost.append(job_id)
                elif said > 1:
                    duplicated.append(job_id)
                if refunded != spent:
                    wrong.append(job_id)
            else:
                lost.append(job_id)  # still queued when the test ended
        orphans = db.execute(
            "SELECT idem_key FROM ledger WHERE kind IN ('spend', 'refund')"
            " AND substr(idem_key, instr(idem_key, ':') + 1, 32) NOT IN (SELECT id FROM jobs)"
        ).fetchall()
        wrong.extend(key for (key,) in orphans)
    return Audit(len(jobs), lost, duplicated, wrong)


_DELTAS = "SELECT delta FROM ledger WHERE idem_key LIKE ?"

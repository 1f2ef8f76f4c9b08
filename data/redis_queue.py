"""The scale-out queue: Redis Streams, for any number of workers on any number of machines.

Jobs wait in a sorted set in the fair order of :mod:`data.queue` (score: lane and turn;
member: arrival number and job id). Claiming moves the next one onto the ``jobs`` stream
and reads it through the ``workers`` consumer group, so the group's pending entries list
is the set of running jobs: who holds each one, how long it has been silent (its idle time,
reset by each heartbeat), how often it was delivered. Each waiting job is also in the
sorted set of its batch key (same score), so a worker fills a batch with the jobs of that
key in fair order without scanning the others. A worker silent for longer than its
lease loses the entry to the next claimer (XCLAIM; each job keeps its holder's lease, so
workers with different LEASE_SECONDS coexist); after ``max_attempts`` deliveries the job
fails and goes to the ``dead`` stream. Completion acks the entry and keeps the result in the
job's hash with a TTL until the bot has stored it: a binary field (:meth:`Result.to_bytes`,
the PNGs as they are), like the progress preview (a JPEG), so the client speaks bytes
(``decode_responses=False``) and decodes the text fields itself. Every step is one
Lua script, so each state change is atomic. Pub/sub channels wake idle workers and the
bot's watcher; a lost wake-up costs latency only.

All keys start with one prefix; a prefix with a hash tag (``{imagine}``) keeps them in one
cluster slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import redis.asyncio as redis

from data.jobs import Job, JobState, JobStatus, Priority, Result
from data.queue import (
    FIRST_LANE,
    PAID_FIRST_AFTER,
    Changes,
    Claim,
    JobQueue,
    QueueOverview,
    QueueUnavailable,
    RunningJob,
)

GROUP = "workers"
GENERAL_RING = "1"  # what ring() publishes: not one job's change
LANE_SPAN = 2**40  # score = lane * LANE_SPAN + turn
RESULT_TTL_SECONDS = 24 * 3600  # a finished job the bot never collects is dropped after this
DEAD_LETTERS_KEPT = 1000  # approximate length of the dead-letter stream
PENDING_SCAN = 1000  # running jobs a claim checks for expired leases (oldest first)

# Every Redis key, as a suffix of the queue's prefix: the one place they are spelled (arq
# keeps its names in constants.py). The scripts get them as Lua locals of the same names.
KEY_JOBS = ":jobs"  # the stream of running jobs, read through the GROUP consumer group
KEY_READY = ":ready"  # sorted set of waiting jobs in fair order; KEY_READY + ":" + batch key
KEY_MODEL = ":ready-model:"  # + model: the waiting jobs asked of that model ("" for none)
KEY_WORKERS = ":workers"  # hash worker -> "expires_at model": what each live worker serves
KEY_JOB = ":job:"  # + job id: the job's hash (payload, state, worker, result…)
KEY_BELL = ":bell:"  # + topic: pub/sub channels that wake workers and the watcher
KEY_USER_QUEUED = ":user:queued"  # hash lane:user -> how many jobs that user has waiting
KEY_USER_TURN = ":user:turn"  # hash lane:user -> the turn of that user's last waiting job
KEY_SEQ = ":seq"  # counter: arrival numbers, the tie-break of equal scores
KEY_DEAD = ":dead"  # stream of dead letters (jobs out of attempts)

# Helpers every script shares: KEYS[1] the jobs stream, KEYS[2] the waiting set, ARGV[1] the
# key prefix. A job is held by ``worker`` while its hash says running under that name.
_COMMON = f"""
local GROUP, SPAN, FIRST_LANE = '{GROUP}', {LANE_SPAN}, {FIRST_LANE}
local DEAD_LETTERS_KEPT, PENDING_SCAN = {DEAD_LETTERS_KEPT}, {PENDING_SCAN}
local stream, ready, prefix = KEYS[1], KEYS[2], ARGV[1]
local KEY_JOB, KEY_BELL, KEY_READY = '{KEY_JOB}', '{KEY_BELL}', '{KEY_READY}'
local KEY_USER_QUEUED, KEY_USER_TURN = '{KEY_USER_QUEUED}', '{KEY_USER_TURN}'
local KEY_SEQ, KEY_DEAD, KEY_MODEL = '{KEY_SEQ}', '{KEY_DEAD}', '{KEY_MODEL}'
local function job_key(id) return prefix .. KEY_JOB .. id end
if redis.call('EXISTS', stream) == 0 then  -- a new (or restarted, empty) Redis
  redis.call('XGROUP', 'CREATE', stream, GROUP, '0', 'MKSTREAM')
end
local function ring(topic) redis.call('PUBLISH', prefix .. KEY_BELL .. topic, 1) end
-- A change of one job (its progress, its end): the watcher reads only that job's status.
local function changed(id) redis.call('PUBLISH', prefix .. KEY_BELL .. 'changes', id) end
local function held(key, worker)
  local state, holder = unpack(redis.call('HMGET', key, 'state', 'worker'))
  return state == 'running' and holder == worker
end
local function finish(id, state, field, value, ttl)
  local key = job_key(id)
  local entry = redis.call('HGET', key, 'entry')
  redis.call('XACK', stream, GROUP, entry)
  redis.call('XDEL', stream, entry)
  redis.call('HSET', key, 'state', state, field, value)
  redis.call('HDEL', key, 'payload', 'preview')
  redis.call('EXPIRE', key, ttl)
  changed(id)
end
local function batch_set(batch) return prefix .. KEY_READY .. ':' .. batch end
local function model_set(model) return prefix .. KEY_MODEL .. model end
local function start(key, worker, lease, entry, attempt)
  redis.call('HSET', key, 'state', 'running', 'worker', worker, 'entry', entry,
    'attempts', attempt, 'step', 0, 'total', 0, 'lease', lease)
  redis.call('HDEL', key, 'preview')
  return {{redis.call('HGET', key, 'payload'), attempt}}
end
-- Moves a waiting job (its member of the waiting set) onto the stream, held by ``worker``.
local function take(member, worker, lease)
  local id = string.sub(member, 18)
  local key = job_key(id)
  redis.call('ZREM', ready, member)
  local batch, model = unpack(redis.call('HMGET', key, 'batch', 'model'))
  if batch then redis.call('ZREM', batch_set(batch), member) end
  if model then redis.call('ZREM', model_set(model), member) end
  local field = redis.call('HGET', key, 'field')
  if redis.call('HINCRBY', prefix .. KEY_USER_QUEUED, field, -1) <= 0 then
    redis.call('HDEL', prefix .. KEY_USER_QUEUED, field)
    redis.call('HDEL', prefix .. KEY_USER_TURN, field)
  end
  local entry = redis.call('XADD', stream, '*', 'job', id)
  redis.call('XREADGROUP', 'GROUP', GROUP, worker, 'COUNT', 1, 'STREAMS', stream, '>')
  return start(key, worker, lease, entry, 1)
end
-- A dead letter says which job failed, whose, how often and why; never the payload (the
-- prompt, an upload, a mask): the stream has no TTL and /forget-me must be able to end it.
local function dead_letter(key, id, reason)
  local user, attempts = unpack(redis.call('HMGET', key, 'user', 'attempts'))
  redis.call('XADD', prefix .. KEY_DEAD, 'MAXLEN', '~', DEAD_LETTERS_KEPT, '*', 'job', id,
    'user', user or '', 'attempts', attempts or 0, 'reason', reason)
end
"""

# ARGV: prefix, id, payload, user, priority, paid_first_after, max_attempts, now, batch, images,
# model
_SUBMIT = (
    _COMMON
    + """
local key = job_key(ARGV[2])
if redis.call('EXISTS', key) == 1 then return 0 end
local lane = 1
if tonumber(ARGV[5]) == 1 and redis.call('ZCARD', ready) >= tonumber(ARGV[6]) then
  lane = FIRST_LANE
end
local field = lane .. ':' .. ARGV[4]
local turn
if tonumber(redis.call('HGET', prefix .. KEY_USER_QUEUED, field) or '0') > 0 then
  turn = tonumber(redis.call('HGET', prefix .. KEY_USER_TURN, field)) + 1
else
  local front = redis.call('ZRANGEBYSCORE', ready, lane * SPAN,
    '(' .. (lane + 1) * SPAN, 'WITHSCORES', 'LIMIT', 0, 1)
  turn = front[2] and (tonumber(front[2]) - lane * SPAN) or 0
end
redis.call('HINCRBY', prefix .. KEY_USER_QUEUED, field, 1)
redis.call('HSET', prefix .. KEY_USER_TURN, field, turn)
local member = string.format('%016d:%s', redis.call('INCR', prefix .. KEY_SEQ), ARGV[2])
redis.call('ZADD', ready, lane * SPAN + turn, member)
redis.call('ZADD', batch_set(ARGV[9]), lane * SPAN + turn, member)
redis.call('ZADD', model_set(ARGV[11]), lane * SPAN + turn, member)
redis.call('HSET', key, 'payload', ARGV[3], 'state', 'queued', 'user', ARGV[4],
  'member', member, 'field', field, 'attempts', 0, 'max_attempts', ARGV[7],
  'step', 0, 'total', 0, 'enqueued_at', ARGV[8], 'batch', ARGV[9], 'images', ARGV[10],
  'model', ARGV[11])
ring('jobs')
return 1
"""
)

# ARGV: prefix, worker, lease in ms, ttl, filter ('1': only jobs of ARGV[6] or of no model),
# model. Returns {payload, attempt} or nil.
_CLAIM = (
    _COMMON
    + """
local worker, filter, model = ARGV[2], ARGV[5] == '1', ARGV[6]
local function serves(key)
  local asked = redis.call('HGET', key, 'model') or ''
  return not filter or asked == '' or asked == model
end
-- Jobs whose worker has been silent for its lease run again first, or are given up on.
-- The stream entry's idle time is the time since its holder last claimed or heartbeat it.
for _, pending in ipairs(redis.call('XPENDING', stream, GROUP, '-', '+', PENDING_SCAN)) do
  local entry_id, holder, idle = pending[1], pending[2], pending[3]
  local id = redis.call('XRANGE', stream, entry_id, entry_id)[1][2][2]
  local key = job_key(id)
  local lease = tonumber(redis.call('HGET', key, 'lease') or '0')
  if idle >= lease and serves(key)
    and #redis.call('XCLAIM', stream, GROUP, worker, lease, entry_id) > 0 then
    if #redis.call('XPENDING', stream, GROUP, '-', '+', 1, holder) == 0 then
      redis.call('XGROUP', 'DELCONSUMER', stream, GROUP, holder)  -- a dead worker
    end
    local deliveries = pending[4] + 1
    if redis.call('HGET', key, 'state') ~= 'running' then
      redis.call('XACK', stream, GROUP, entry_id)
      redis.call('XDEL', stream, entry_id)
    elseif deliveries > tonumber(redis.call('HGET', key, 'max_attempts')) then
      local reason = 'the worker stopped responding ' .. (deliveries - 1) .. ' times'
      dead_letter(key, id, reason)
      finish(id, 'failed', 'error', reason, ARGV[4])
    else
      changed(id)
      return start(key, worker, ARGV[3], entry_id, deliveries)
    end
  end
end
-- Then the next waiting job in fair order, delivered through the consumer group: of this
-- worker's model or of none, whichever comes first (score, then arrival in the member).
local member
if filter then
  local own = redis.call('ZRANGE', model_set(model), 0, 0, 'WITHSCORES')
  local any = redis.call('ZRANGE', model_set(''), 0, 0, 'WITHSCORES')
  member = own[1]
  if any[1] and (not member or tonumber(any[2]) < tonumber(own[2])
      or (tonumber(any[2]) == tonumber(own[2]) and any[1] < member)) then
    member = any[1]
  end
else
  member = redis.call('ZRANGE', ready, 0, 0)[1]
end
if not member then return nil end
local taken = take(member, worker, ARGV[3])
ring('changes')
return taken
"""
)

# ARGV: prefix, worker, lease in ms, batch, max images. Returns {payload, attempt, ...}: the
# waiting jobs of one batch key, in fair order, while their running sum of images fits.
_CLAIM_LIKE = (
    _COMMON
    + """
local budget = tonumber(ARGV[5])
local taken = {}
for _, member in ipairs(redis.call('ZRANGE', batch_set(ARGV[4]), 0, budget - 1)) do
  budget = budget - tonumber(redis.call('HGET', job_key(string.sub(member, 18)), 'images'))
  if budget < 0 then break end
  for _, value in ipairs(take(member, ARGV[2], ARGV[3])) do table.insert(taken, value) end
end
if #taken > 0 then ring('changes') end
return taken
"""
)

# ARGV: prefix, id, worker, step, total, lease in ms, preview (JPEG bytes; '' keeps the last)
_HEARTBEAT = (
    _COMMON
    + """
local key = job_key(ARGV[2])
if not held(key, ARGV[3]) then return 0 end
-- Claiming its own entry again resets the entry's idle time: the lease is renewed.
redis.call('XCLAIM', stream, GROUP, ARGV[3], 0, redis.call('HGET', key, 'entry'), 'JUSTID')
redis.call('HSET', key, 'step', ARGV[4], 'total', ARGV[5], 'lease', ARGV[6])
if ARGV[7] ~= '' then redis.call('HSET', key, 'preview', ARGV[7]) end
changed(ARGV[2])
return 1
"""
)

# ARGV: prefix, id, worker, result (bytes), ttl
_COMPLETE = (
    _COMMON
    + """
local key = job_key(ARGV[2])
if not held(key, ARGV[3]) then return 0 end
redis.call('HSET', key, 'step', redis.call('HGET', key, 'total'))
finish(ARGV[2], 'done', 'result', ARGV[4], ARGV[5])
return 1
"""
)

# ARGV: prefix, id, worker, reason, ttl
_FAIL = (
    _COMMON
    + """
local key = job_key(ARGV[2])
if not held(key, ARGV[3]) then return 0 end
dead_letter(key, ARGV[2], ARGV[4])
finish(ARGV[2], 'failed', 'error', ARGV[4], ARGV[5])
return 1
"""
)

# ARGV: prefix, ids... Returns {running, id, state, step, total, attempts, error, result,
# rank, preview, ...} for the ids that exist; one snapshot, so positions add up.
_STATUSES = (
    _COMMON
    + """
local out = {redis.call('XPENDING', stream, GROUP)[1]}
for i = 2, #ARGV do
  local key = job_key(ARGV[i])
  local h = redis.call('HMGET', key, 'state', 'step', 'total', 'attempts', 'error', 'result',
    'member', 'preview')
  if h[1] then
    local rank = -1
    if h[1] == 'queued' then rank = redis.call('ZRANK', ready, h[7]) end
    local row = {ARGV[i], h[1], h[2], h[3], h[4], h[5] or '', h[6] or '', rank, h[8] or ''}
    for _, value in ipairs(row) do
      table.insert(out, value)
    end
  end
end
return out
"""
)

# ARGV: prefix. Returns {waiting, dead letters, id, worker, step, total, attempts, idle ms,
# ...} for every running job, longest silent first; one snapshot.
_OVERVIEW = (
    _COMMON
    + """
local out = {redis.call('ZCARD', ready), redis.call('XLEN', prefix .. KEY_DEAD)}
local pending = redis.call('XPENDING', stream, GROUP, '-', '+', PENDING_SCAN)
table.sort(pending, function(a, b) return a[3] > b[3] end)
for _, entry in ipairs(pending) do
  local id = redis.call('XRANGE', stream, entry[1], entry[1])[1][2][2]
  local h = redis.call('HMGET', job_key(id), 'step', 'total', 'attempts')
  for _, value in ipairs({id, entry[2], h[1], h[2], h[3], entry[3]}) do
    table.insert(out, value)
  end
end
return out
"""
)

# ARGV: prefix, id
_FORGET = (
    _COMMON
    + """
local key = job_key(ARGV[2])
local state = redis.call('HGET', key, 'state')
if state == 'done' or state == 'failed' then redis.call('DEL', key) end
return 0
"""
)

_STATUS_FIELDS = 9


def _rows(flat: list, width: int) -> zip:
    """A script's flat reply cut into rows of ``width`` values."""
    return zip(*[iter(flat)] * width, strict=True)


def _text(value: bytes | None) -> str:
    """A text field of a reply (the client returns bytes: results and previews are binary)."""
    return value.decode() if value else ""


def _claims(flat: list) -> list[Claim]:
    """Claims from a claim script's reply: payload, attempt, payload, attempt, …"""
    return [
        Claim(job=Job.model_validate_json(payload), attempt=int(attempt))
        for payload, attempt in _rows(flat, 2)
    ]


def batch_name(job: Job) -> str:
    """The job's batch key as a readable key suffix: jobs with equal names share a batch set."""
    return ":".join(str(value) for value in job.batch_key())


POOL_CONNECTIONS = 128  # per process; Redis's default limit is 10,000 clients
POOL_WAIT_SECONDS = 30
SOCKET_READ_BYTES = 1 << 20


class RedisQueue(JobQueue):
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "imagine",
        max_attempts: int = 3,
        paid_first_after: int = PAID_FIRST_AFTER,
        result_ttl: int = RESULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self.client = client  # others keep their keys beside the queue's (the rate limit)
        self.prefix = prefix
        self._keys = [prefix + KEY_JOBS, prefix + KEY_READY]
        self._max_attempts = max_attempts
        self._paid_first_after = paid_first_after
        self._ttl = result_ttl
        self._clock = clock
        self._scripts = {
            name: client.register_script(source)
            for name, source in (
                ("submit", _SUBMIT),
                ("claim", _CLAIM),
                ("claim_like", _CLAIM_LIKE),
                ("heartbeat", _HEARTBEAT),
                ("complete", _COMPLETE),
                ("fail", _FAIL),
                ("statuses", _STATUSES),
                ("forget", _FORGET),
                ("overview", _OVERVIEW),
            )
        }
        self._bells: dict[str, redis.client.PubSub] = {}

    @classmethod
    async def connect(cls, url: str, **options) -> RedisQueue:
        """Connect and check the server answers (the scripts create the stream and group)."""
        # A burst (200 members' /imagine at once, each admitted and submitted) waits for a
        # connection instead of failing with "Too many connections".
        client = redis.Redis.from_pool(  # the client closes its own pool
            redis.BlockingConnectionPool.from_url(
                url,
                decode_responses=False,
                max_connections=POOL_CONNECTIONS,
                timeout=POOL_WAIT_SECONDS,
                # A result is megabytes (four PNGs and their grid): read it in 1 MiB pieces,
                # not redis-py's 64 KiB (fewer trips through the parser per result).
                socket_read_size=SOCKET_READ_BYTES,
            )
        )
        try:
            await client.ping()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            await client.aclose()
            raise QueueUnavailable(
                f"Configuration error: QUEUE={url} cannot be reached ({error}). "
                "Start Redis there or fix QUEUE in the environment or in .env."
            ) from None
        return cls(client, **options)

    async def _run(self, name: str, *args: object):
        return await self._scripts[name](keys=self._keys, args=[self.prefix, *args])

    async def submit(self, job: Job) -> None:
        await self._run(
            "submit",
            job.id,
            job.model_dump_json(),
            job.user_id,
            int(job.priority is Priority.PAID),
            self._paid_first_after,
            self._max_attempts,
            self._clock(),
            batch_name(job),
            job.n,
            job.model,
        )

    async def claim(
        self, worker_id: str, lease_seconds: float, model: str | None = None
    ) -> Claim | None:
        filtered = "1" if model is not None else "0"
        lease = int(lease_seconds * 1000)
        taken = await self._run("claim", worker_id, lease, self._ttl, filtered, model or "")
        return _claims(taken)[0] if taken else None

    async def announce(self, worker_id: str, model: str, ttl_seconds: float) -> None:
        expires = self._clock() + ttl_seconds
        await self._redis.hset(self.prefix + KEY_WORKERS, worker_id, f"{expires} {model}")

    async def retire(self, worker_id: str) -> None:
        await self._redis.hdel(self.prefix + KEY_WORKERS, worker_id)

    async def served_models(self) -> dict[str, int]:
        """Live workers' models (a worker that stopped cleanly retired its entry; one that
        died stays in the hash, counted only until its announcement runs out)."""
        now, served = self._clock(), {}
        for entry in (await self._redis.hgetall(self.prefix + KEY_WORKERS)).values():
            expires, model = _text(entry).split(" ", 1)
            if float(expires) > now:
                served[model] = served.get(model, 0) + 1
        return served

    async def claim_like(
        self, worker_id: str, lease_seconds: float, like: Job, max_images: int
    ) -> list[Claim]:
        lease = int(lease_seconds * 1000)
        return _claims(
            await self._run("claim_like", worker_id, lease, batch_name(like), max_images)
        )

    async def heartbeat(
        self,
        job_id: str,
        worker_id: str,
        step: int,
        total_steps: int,
        lease_seconds: float,
        preview: bytes | None = None,
    ) -> bool:
        lease = int(lease_seconds * 1000)
        shown = preview or b""
        return bool(
            await self._run("heartbeat", job_id, worker_id, step, total_steps, lease, shown)
        )

    async def complete(self, job_id: str, worker_id: str, result: Result) -> bool:
        return bool(await self._run("complete", job_id, worker_id, result.to_bytes(), self._ttl))

    async def fail(self, job_id: str, worker_id: str, reason: str) -> bool:
        return bool(await self._run("fail", job_id, worker_id, reason, self._ttl))

    async def statuses(self, job_ids: list[str]) -> dict[str, JobStatus]:
        if not job_ids:
            return {}
        running, *rows = await self._run("statuses", *job_ids)
        found = {}
        for job_id, state, step, total, attempts, error, result, rank, preview in _rows(
            rows, _STATUS_FIELDS
        ):
            state = JobState(_text(state))
            found[_text(job_id)] = JobStatus(
                job_id=_text(job_id),
                state=state,
                ahead=int(running) + int(rank) if state is JobState.QUEUED else 0,
                step=int(step),
                total_steps=int(total),
                attempts=int(attempts),
                error=_text(error) or None,
                result=Result.from_bytes(result) if result else None,
                preview=preview or None,
            )
        return found

    async def forget(self, job_id: str) -> None:
        await self._run("forget", job_id)

    async def forget_user(self, user_id: int) -> int:
        """Delete the user's dead letters and finished job hashes (results kept for the
        bot). A scan, not a script: it runs once per /forget-me, not per job."""
        user, removed = str(user_id), 0
        dead = self.prefix + KEY_DEAD
        doomed = [
            entry
            for entry, fields in await self._redis.xrange(dead)
            if _text(fields.get(b"user")) == user
        ]
        if doomed:
            removed += await self._redis.xdel(dead, *doomed)
        async for key in self._redis.scan_iter(match=self.prefix + KEY_JOB + "*", count=500):
            owner, state = map(_text, await self._redis.hmget(key, "user", "state"))
            if owner == user and state in (JobState.DONE, JobState.FAILED):
                removed += await self._redis.delete(key)
        return removed

    async def overview(self) -> QueueOverview:
        waiting, dead, *rows = await self._run("overview")
        running = [
            RunningJob(
                _text(job_id), _text(worker), int(step), int(total), int(attempts), int(idle) / 1000
            )
            for job_id, worker, step, total, attempts, idle in _rows(rows, 6)
        ]
        return QueueOverview(int(waiting), running, int(dead))

    async def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The latest finally failed jobs, newest first, for an operator to inspect."""
        entries = await self._redis.xrevrange(self.prefix + KEY_DEAD, count=count)
        return [
            {_text(key): _text(value) for key, value in fields.items()} for _, fields in entries
        ]

    async def wait_for_jobs(self, timeout: float) -> None:
        await self._wait("jobs", timeout)

    async def wait_for_changes(self, timeout: float) -> Changes | None:
        """The scripts ring the changes channel with a job's id when only that job changed
        (progress, its end, run again) and with ``1`` when the waiting jobs' order moved."""
        rung = await self._wait("changes", timeout)
        if rung is None:
            return None
        return Changes(frozenset({_text(message) for message in rung} - {GENERAL_RING}))

    async def _wait(self, topic: str, timeout: float) -> list[bytes] | None:
        """The messages on the topic's channel once one came (with those already behind
        it), or None after ``timeout`` seconds.

        A broken subscription (Redis restarted) is dropped and made again next time; the
        caller's next queue call is what reports a Redis that stays away.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            bell = self._bells.get(topic)
            if bell is None:
                bell = self._bells[topic] = self._redis.pubsub(ignore_subscribe_messages=True)
                await bell.subscribe(self.prefix + KEY_BELL + topic)
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                if (message := await bell.get_message(timeout=left)) is not None:
                    rung = [message["data"]]
                    while (message := await bell.get_message(timeout=0)) is not None:
                        rung.append(message["data"])  # one wake for many
                    return rung
        except (redis.ConnectionError, redis.TimeoutError):
            if broken := self._bells.pop(topic, None):
                with contextlib.suppress(redis.RedisError):
                    await broken.aclose()
            await asyncio.sleep(max(0.0, deadline - asyncio.get_running_loop().time()))
        return None

    async def close(self) -> None:
        for bell in self._bells.values():
            await bell.aclose()
        self._bells.clear()
        await self._redis.aclose()

"""Credits as use-cases: balances, summaries, admin grants, purchases, a user's history.

The rules (welcome and monthly grants, expiry, spending order) are :class:`bot.credits.
CreditRules` over the ledger; this service opens the transactions and knows whose
credits pay where (per server, when ``CREDITS_PER_SERVER`` is on). Charging for a job is
part of generation (:meth:`bot.studio.Studio.imagine`): it shares the job row's transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from data import ledger, users
from data.store import Store
from studio.credits import CreditRules
from studio.errors import BadAmount
from studio.requester import Requester
from studio.settings import Settings
from studio.text import clean_text

if TYPE_CHECKING:
    from studio.studio import Studio


@dataclass(frozen=True)
class CreditSummary:
    balance: ledger.Balance
    next_refill: datetime
    refill_amount: int
    recent: list[ledger.LedgerEntry]


def credit_scope(settings: Settings, user: Requester) -> int:
    """The server whose credits pay, when credits are per server; else 0 (global)."""
    if settings.credits_per_server and user.guild_id is not None:
        return user.guild_id
    return 0


class Wallet:
    """Each user's credits where they are.

    Args:
        settings: ``credits_per_server`` decides the scope.
        store: the database with the ledger.
        rules: the credit rules (grants, expiry, spending order).
        clock: the time (tests pass a fake one).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        rules: CreditRules,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.rules = rules
        self.clock = clock

    @classmethod
    def of(cls, studio: Studio) -> Wallet:
        """The wallet over the studio's store and rules (cheap: make one per request)."""
        return cls(studio.settings, studio.store, studio.credits, clock=studio.clock)

    def scope(self, user: Requester) -> int:
        """The server whose credits pay (see :func:`credit_scope`)."""
        return credit_scope(self.settings, user)

    async def balance(self, user: Requester) -> int:
        """What the user can spend where they are (welcome credits included).

        Args:
            user: who; their server decides the scope when credits are per server.
        """
        now, scope = self.clock(), self.scope(user)
        async with self.store.transaction() as db:
            await users.ensure_user(db, user.id, user.name, now)
            await self.rules.top_up(db, user.id, now, scope)
            return (await self.rules.wallet(db, user.id, scope, user.guild_id)).total

    async def summary(self, user: Requester) -> CreditSummary:
        """Balances per pool, when free credits expire (the next refill) and recent rows.

        Args:
            user: who; a due monthly grant is given first.
        """
        now, scope = self.clock(), self.scope(user)
        async with self.store.transaction() as db:
            await users.ensure_user(db, user.id, user.name, now)
            await self.rules.top_up(db, user.id, now, scope)
            return CreditSummary(
                balance=await self.rules.wallet(db, user.id, scope, user.guild_id),
                next_refill=await self.rules.next_refill(db, user.id, now, scope),
                refill_amount=self.rules.monthly_credits,
                recent=await ledger.recent(
                    db, user.id, limit=5, scope=scope, guild=user.guild_id or 0
                ),
            )

    async def grant(
        self, target: Requester, amount: int, reason: str, key: str, *, everywhere: bool = False
    ) -> CreditSummary:
        """An admin gives or takes credits, with a reason; the key makes a retry harmless.

        A grant is spent only on the target's server (``target.guild_id``): a server's
        admins cannot mint credits for other servers. ``everywhere`` (the caller checked the
        admin is an operator) or a target without a server (the terminal) grants globally.

        Args:
            target: whose credits (their server's scope when credits are per server).
            amount: credits to give; negative takes them away; never 0.
            reason: why, kept in the ledger (cleaned, at most 200 characters).
            key: idempotency key (e.g. the interaction id): the same key grants once.
            everywhere: an operator's grant, spent on every server.

        Raises:
            BadAmount (zero), ControlCharacters (in the reason).
        """
        reason = clean_text(reason, self.settings.max_prompt_length, required=False)
        reason = reason or "admin grant"
        if amount == 0:
            raise BadAmount
        now, scope = self.clock(), self.scope(target)
        where = 0 if everywhere or target.guild_id is None else target.guild_id
        async with self.store.transaction() as db:
            await users.ensure_user(db, target.id, target.name, now)
            await self.rules.admin_grant(
                db, target.id, amount, reason[:200], key, now, scope, where
            )
        return await self.summary(target)

    async def history(self, user: Requester, limit: int = 15) -> list[ledger.LedgerEntry]:
        """The user's latest ledger rows where they are, newest first.

        Args:
            user: whose rows.
            limit: how many rows at most.
        """
        async with self.store.read() as db:
            return await ledger.recent(db, user.id, limit, self.scope(user), user.guild_id or 0)

    async def purchase(self, user: Requester, entitlement_id: int) -> bool:
        """A credit pack bought through Discord; True the first time this entitlement is seen.

        Args:
            user: the buyer (packs are the person's, on every server).
            entitlement_id: the store's id of the purchase: it grants once.
        """
        now = self.clock()
        async with self.store.transaction() as db:
            await users.ensure_user(db, user.id, user.name, now)
            return await self.rules.purchase(db, user.id, entitlement_id, now)

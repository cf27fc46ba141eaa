"""Concurrent writes of one auth document all take effect (FerretDB, the local and CI database).

FerretDB v1 applies an update as "read the whole document, apply the operators, write it
back", and evaluates the filter apart from the write: without the per-document write lock
(`shelter_runtime.mongo.writing`, see `shelter_auth.adapters.mongo`) two updates of one
document both "won" and the later write undid the other. An administrator's emergency lock
(S10.5) was overwritten by a failed sign-in's counter, a revoked refresh-token session (S10.1)
came back when a rotation wrote last, a revoked kiosk token or client (S10.7) by its last use,
and parallel requests undercounted the rate limits or failed with a duplicate key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shelter_auth.adapters import mongo
from shelter_auth.domain import model
from shelter_auth.domain.commands import Actor, EditAccount, ResetPassword, SignIn
from shelter_auth.domain.model import (
    Account,
    AccountChanges,
    ConcurrentUpdateError,
    IntegrationClient,
    KioskToken,
    PasswordPolicy,
    PrincipalKind,
    Role,
    Session,
)
from shelter_auth.service_layer import handlers
from shelter_runtime.mongo import Document

from ..conftest import FAST_HASHER, KEYS, SteppingClock, rules

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
#: Documents raced at once: without the lock most of them lost a write.
RACES = 30
PASSWORD = "staple paper clip 42"
ADMIN = Actor("admin", PrincipalKind.STAFF, "192.0.2.10")
#: A sign-in from no known address: only the per-user rate limit applies.
GUESSER = Actor("guesser", None, None)


def _deps(db: AsyncDatabase[Document]) -> handlers.Dependencies:
    """The handlers with every repository on FerretDB (real Argon2id, small costs)."""
    return handlers.Dependencies(
        accounts=mongo.MongoAccounts(db),
        policies=mongo.MongoPolicies(db),
        sessions=mongo.MongoSessions(db),
        kiosk_tokens=mongo.MongoKioskTokens(db),
        clients=mongo.MongoClients(db),
        revocations=mongo.MongoRevocations(db),
        audit=mongo.MongoAuditLog(db),
        rate_limiter=mongo.MongoRateLimiter(db),
        hasher=FAST_HASHER,
        signer=KEYS,
        clock=SteppingClock(),
        rules=rules(),
    )


async def _add_staff(accounts: mongo.MongoAccounts, count: int) -> list[Account]:
    password_hash = await FAST_HASHER.hash(PASSWORD)
    added = [
        Account(
            user_id=f"staff{n:02d}",
            display_name="職員",
            role=Role.SHELTER_STAFF,
            password_hash=password_hash,
            password_changed_at=datetime.now(UTC).replace(microsecond=0),
            created_at=AT,
            shelters=("13101-0001",),
        )
        for n in range(count)
    ]
    for account in added:
        await accounts.add(account)
    return added


async def test_of_two_writes_from_one_read_of_an_account_exactly_one_is_stored(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """The version filter is a compare-and-set again: the other writer is told to re-read."""
    accounts = mongo.MongoAccounts(mongo_client[database_name])
    added = await _add_staff(accounts, RACES)
    policy = PasswordPolicy()

    async def race(account: Account) -> None:
        locked = replace(account, locked=True, version=account.version + 1)
        failed = account.sign_in_failed(policy, AT)
        results = await asyncio.gather(
            accounts.update(locked), accounts.update(failed), return_exceptions=True
        )
        lost = [r for r in results if isinstance(r, ConcurrentUpdateError)]
        assert len(lost) == 1, (account.user_id, results)
        winner = locked if results[0] is None else failed
        assert await accounts.get(account.user_id) == winner

    await asyncio.gather(*(race(a) for a in added))


async def test_an_emergency_lock_during_failed_sign_ins_is_kept_and_they_are_counted(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """S10.5 emergency lock against S10.1 failed sign-ins: both writes take effect."""
    deps = _deps(mongo_client[database_name])
    assert isinstance(deps.accounts, mongo.MongoAccounts)
    added = await _add_staff(deps.accounts, RACES)
    lock = AccountChanges(locked=True)

    async def race(user_id: str) -> None:
        results = await asyncio.gather(
            handlers.edit_account(EditAccount(user_id, lock), ADMIN, deps),
            *(handlers.sign_in(SignIn(user_id, "wrong guess"), GUESSER, deps) for _ in range(2)),
            return_exceptions=True,
        )
        assert isinstance(results[0], Account), results  # the administrator's edit went through
        counted = sum(isinstance(r, model.InvalidCredentialsError) for r in results[1:])
        refused = sum(isinstance(r, model.AccountLockedError) for r in results[1:])
        assert counted + refused == 2, results
        stored = await deps.accounts.get(user_id)
        assert stored is not None and stored.locked, user_id
        assert stored.failed_attempts == counted, (user_id, stored.failed_attempts, results)

    await asyncio.gather(*(race(a.user_id) for a in added))


async def test_parallel_wrong_guesses_are_all_counted_to_the_lock_out(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """S10.1: as many parallel wrong passwords as the threshold lock the account out."""
    deps = _deps(mongo_client[database_name])
    assert isinstance(deps.accounts, mongo.MongoAccounts)
    threshold = PasswordPolicy().lockout_threshold
    added = await _add_staff(deps.accounts, 10)

    async def guess(user_id: str) -> None:
        results = await asyncio.gather(
            *(
                handlers.sign_in(SignIn(user_id, "wrong guess"), GUESSER, deps)
                for _ in range(threshold)
            ),
            return_exceptions=True,
        )
        # Each guess counted: the threshold-th (whichever it was) locked the account out.
        kinds = sorted(type(r).__name__ for r in results)
        assert kinds == ["AccountLockedOutError"] + ["InvalidCredentialsError"] * (threshold - 1)
        stored = await deps.accounts.get(user_id)
        assert stored is not None and stored.locked_out_until is not None, stored

    await asyncio.gather(*(guess(a.user_id) for a in added))


async def test_a_password_reset_during_a_failed_sign_in_is_kept(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """S10.5: the administrator's new password is not reverted to the old hash."""
    deps = _deps(mongo_client[database_name])
    assert isinstance(deps.accounts, mongo.MongoAccounts)
    added = await _add_staff(deps.accounts, RACES)
    new_password = "a brand new pass 77"

    async def race(user_id: str) -> None:
        results = await asyncio.gather(
            handlers.reset_password(ResetPassword(user_id, new_password), ADMIN, deps),
            handlers.sign_in(SignIn(user_id, "wrong guess"), GUESSER, deps),
            return_exceptions=True,
        )
        assert results[0] is None, results
        stored = await deps.accounts.get(user_id)
        assert stored is not None and stored.must_change_password, user_id
        assert await FAST_HASHER.verify(stored.password_hash, new_password), user_id

    await asyncio.gather(*(race(a.user_id) for a in added))


async def test_sessions_revoked_while_their_refresh_tokens_rotate_stay_revoked(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """S10.1: a rotation that writes last does not bring a revoked session back."""
    sessions = mongo.MongoSessions(mongo_client[database_name])
    ends = AT + timedelta(hours=12)
    for n in range(RACES):
        await sessions.add(Session(f"one{n}", f"user{n}", "old", AT, ends))
        await sessions.add(Session(f"all{n}", f"user{n}", "old", AT, ends))
        await sessions.add(Session(f"other{n}", f"user{n}", "old", AT, ends))

    async def after(delay: float, revoke: Awaitable[object]) -> object:
        await asyncio.sleep(delay)
        return await revoke

    async def race(n: int) -> None:
        # The revocations start at staggered moments of the rotations' reads and writes.
        delay = n % 10 / 2000
        await asyncio.gather(
            sessions.rotate(f"one{n}", "old", "new", AT),
            sessions.rotate(f"all{n}", "old", "new", AT),
            after(delay, sessions.revoke(f"one{n}", AT)),
            after(delay, sessions.revoke_all(f"user{n}", AT)),
        )
        for session_id in (f"one{n}", f"all{n}", f"other{n}"):
            stored = await sessions.get(session_id)
            assert stored is not None and stored.revoked_at == AT, stored

    await asyncio.gather(*(race(n) for n in range(RACES)))


async def test_kiosk_tokens_and_clients_revoked_while_in_use_stay_revoked(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """S10.7: a token exchange's last-use stamp does not undo the revocation (nor the reverse)."""
    db = mongo_client[database_name]
    kiosks, clients = mongo.MongoKioskTokens(db), mongo.MongoClients(db)
    used = AT + timedelta(minutes=1)
    for n in range(RACES):
        await kiosks.add(KioskToken(f"k{n}", "13101-0001", "入口", "hash", AT, "admin"))
        await clients.add(IntegrationClient(f"cl_{n}", "県", frozenset(), "hash", AT, "admin"))

    async def race(n: int) -> None:
        revoked = await asyncio.gather(
            kiosks.touch(f"k{n}", used),
            kiosks.revoke(f"k{n}", AT),
            clients.touch(f"cl_{n}", used),
            clients.revoke(f"cl_{n}", AT),
        )
        assert revoked[1] is True and revoked[3] is True
        token, client = await kiosks.get(f"k{n}"), await clients.get(f"cl_{n}")
        assert token is not None and (token.revoked_at, token.last_used_at) == (AT, used), token
        assert client is not None and (client.revoked_at, client.last_used_at) == (AT, used)

    await asyncio.gather(*(race(n) for n in range(RACES)))


async def test_parallel_hits_of_one_rate_limit_are_all_counted(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """S10.1 sign-in limits: every hit counts, the window's first hits included."""
    limiter = mongo.MongoRateLimiter(mongo_client[database_name])
    hits, limit = 20, 10

    async def burst(key: str) -> None:
        results = await asyncio.gather(*(limiter.hit(key, limit, 60, AT) for _ in range(hits)))
        assert results.count(None) == limit, results
        doc = await limiter.collection.find_one({"_id": {"$regex": f"^{key}\\|"}})
        assert doc is not None and doc["count"] == hits, doc

    await asyncio.gather(*(burst(f"sign-in:user:staff{n}") for n in range(10)))


async def test_the_first_saves_of_the_password_policy_and_revocations_race_safely(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """S10.7 settings saved twice at once; revocations extended while the expired are purged."""
    db = mongo_client[database_name]
    policies, revocations = mongo.MongoPolicies(db), mongo.MongoRevocations(db)
    saved = [PasswordPolicy(min_length=12 + n) for n in range(5)]
    await asyncio.gather(*(policies.set(p) for p in saved))
    assert await policies.get() in saved
    ids = [f"s{n}" for n in range(RACES)]
    await revocations.add(ids, AT)  # expired at AT
    await asyncio.gather(
        *(revocations.add([i], AT + timedelta(minutes=11)) for i in ids),
        *(revocations.purge_expired(AT) for _ in range(3)),
    )
    assert await revocations.current(AT) == sorted(ids)

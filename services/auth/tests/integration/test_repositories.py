"""One contract for the auth repositories, run against the fakes and FerretDB."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from shelter_auth.adapters import mongo
from shelter_auth.domain.model import (
    Account,
    AccountExistsError,
    AuditRecord,
    CharClass,
    ConcurrentUpdateError,
    IntegrationClient,
    KioskToken,
    Outcome,
    PasswordPolicy,
    PrincipalKind,
    Role,
    Session,
)
from shelter_runtime.mongo import Document

from ..conftest import (
    FakeAccounts,
    FakeAuditLog,
    FakeClients,
    FakeKioskTokens,
    FakePolicies,
    FakeRateLimiter,
    FakeRevocations,
    FakeSessions,
)

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["fake", "mongo"])
def repos(
    request: pytest.FixtureRequest, mongo_client: AsyncMongoClient[Document], database_name: str
) -> dict[str, Any]:
    if request.param == "fake":
        return {
            "accounts": FakeAccounts(),
            "policies": FakePolicies(),
            "sessions": FakeSessions(),
            "kiosk_tokens": FakeKioskTokens(),
            "clients": FakeClients(),
            "revocations": FakeRevocations(),
            "audit": FakeAuditLog(),
            "rate_limiter": FakeRateLimiter(),
        }
    db = mongo_client[database_name]
    return {
        "accounts": mongo.MongoAccounts(db),
        "policies": mongo.MongoPolicies(db),
        "sessions": mongo.MongoSessions(db),
        "kiosk_tokens": mongo.MongoKioskTokens(db),
        "clients": mongo.MongoClients(db),
        "revocations": mongo.MongoRevocations(db),
        "audit": mongo.MongoAuditLog(db),
        "rate_limiter": mongo.MongoRateLimiter(db),
    }


def _account(user_id: str = "staff1") -> Account:
    return Account(
        user_id=user_id,
        display_name="職員",
        role=Role.SHELTER_STAFF,
        password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        password_changed_at=AT,
        created_at=AT,
        shelters=("13101-0001",),
        password_history=("$argon2id$old",),
        expires_at=AT + timedelta(days=30),
        locked_out_until=AT + timedelta(minutes=5),
        failed_attempts=2,
    )


async def test_accounts_round_trip_unique_ids_and_versions(repos: dict[str, Any]) -> None:
    accounts = repos["accounts"]
    account = _account()
    await accounts.add(account)
    assert await accounts.get("staff1") == account
    assert await accounts.get("nobody") is None
    with pytest.raises(AccountExistsError):
        await accounts.add(_account())
    changed = replace(account, locked=True, version=2)
    await accounts.update(changed)
    assert await accounts.get("staff1") == changed
    with pytest.raises(ConcurrentUpdateError):
        await accounts.update(replace(account, display_name="stale", version=2))
    await accounts.add(_account("admin"))
    assert [a.user_id for a in await accounts.list()] == ["admin", "staff1"]
    assert await accounts.delete("staff1") is True
    assert await accounts.delete("staff1") is False


async def test_the_policy_is_the_default_until_set(repos: dict[str, Any]) -> None:
    policies = repos["policies"]
    assert await policies.get() == PasswordPolicy()
    policy = PasswordPolicy(
        min_length=14,
        required_classes=frozenset({CharClass.SYMBOL, CharClass.UPPERCASE}),
        history=3,
        max_age_days=90,
        lockout_threshold=4,
        lockout_minutes=20,
    )
    await policies.set(policy)
    assert await policies.get() == policy


async def test_refresh_rotation_is_compare_and_set(repos: dict[str, Any]) -> None:
    sessions = repos["sessions"]
    session = Session("s1", "staff1", "h1", AT, AT + timedelta(hours=12))
    await sessions.add(session)
    await sessions.add(Session("s2", "staff1", "x", AT, AT + timedelta(hours=12)))
    await sessions.add(Session("s3", "other", "y", AT, AT + timedelta(hours=12)))
    assert await sessions.get("s1") == session
    assert await sessions.rotate("s1", "h1", "h2", AT) is True
    assert await sessions.rotate("s1", "h1", "h3", AT) is False  # the old hash lost
    stored = await sessions.get("s1")
    assert stored is not None and stored.token_hash == "h2" and stored.last_used_at == AT
    assert await sessions.revoke("s2", AT) is True
    assert await sessions.revoke("s2", AT) is False
    assert await sessions.revoke_all("staff1", AT) == ["s1"]
    assert await sessions.rotate("s1", "h2", "h4", AT) is False  # revoked
    assert (await sessions.get("s3")) == Session("s3", "other", "y", AT, AT + timedelta(hours=12))


async def test_of_racing_rotations_of_one_refresh_token_exactly_one_wins(
    repos: dict[str, Any],
) -> None:
    """FerretDB's update filter is not atomic with its write: the claim insert decides."""
    sessions = repos["sessions"]
    for n in range(5):
        await sessions.add(Session(f"race{n}", "staff1", "old", AT, AT + timedelta(hours=12)))
        results = await asyncio.gather(
            *(sessions.rotate(f"race{n}", "old", f"new{k}", AT) for k in range(8))
        )
        assert results.count(True) == 1, results
        stored = await sessions.get(f"race{n}")
        assert stored is not None and stored.token_hash == f"new{results.index(True)}"


async def test_kiosk_tokens_and_clients_touch_and_revoke(repos: dict[str, Any]) -> None:
    kiosks, clients = repos["kiosk_tokens"], repos["clients"]
    token = KioskToken("k1", "13101-0001", "入口", "hash", AT, "admin")
    await kiosks.add(token)
    await kiosks.touch("k1", AT + timedelta(minutes=1))
    assert await kiosks.revoke("k1", AT + timedelta(minutes=2)) is True
    assert await kiosks.revoke("k1", AT) is False
    assert await kiosks.revoke("nope", AT) is False
    [listed] = await kiosks.list()
    assert listed == replace(
        token, last_used_at=AT + timedelta(minutes=1), revoked_at=AT + timedelta(minutes=2)
    )
    client = IntegrationClient("cl_1", "県", frozenset({"stats:read"}), "hash", AT, "admin")
    await clients.add(client)
    await clients.touch("cl_1", AT)
    assert await clients.get("cl_1") == replace(client, last_used_at=AT)
    assert await clients.revoke("cl_1", AT) is True
    assert [c.client_id for c in await clients.list()] == ["cl_1"]


async def test_revocations_last_until_their_time(repos: dict[str, Any]) -> None:
    revocations = repos["revocations"]
    await revocations.add(["a", "b"], AT + timedelta(minutes=11))
    await revocations.add(["a"], AT + timedelta(minutes=1))  # never shortens
    assert await revocations.current(AT) == ["a", "b"]
    assert await revocations.current(AT + timedelta(minutes=12)) == []


async def test_audit_records_by_period(repos: dict[str, Any]) -> None:
    audit = repos["audit"]
    records = [
        AuditRecord(
            record_id=f"r{n}",
            at=AT + timedelta(minutes=n),
            service="auth",
            action="session.sign_in",
            outcome=Outcome.FAILURE if n % 2 else Outcome.SUCCESS,
            actor="staff1",
            actor_kind=PrincipalKind.STAFF if n else None,
            ip="192.0.2.1",
            details=(("reason", "wrong-password"),) if n % 2 else (),
        )
        for n in range(5)
    ]
    for record in reversed(records):
        await audit.append(record)
    found = await audit.between(AT + timedelta(minutes=1), AT + timedelta(minutes=4), 10)
    assert found == records[1:4]
    assert await audit.between(AT, AT + timedelta(hours=1), 2) == records[:2]


async def test_rate_limit_windows(repos: dict[str, Any]) -> None:
    limiter = repos["rate_limiter"]
    start = datetime(2026, 11, 25, 9, 30, 10, tzinfo=UTC)
    assert [await limiter.hit("k", 2, 60, start) for _ in range(2)] == [None, None]
    assert await limiter.hit("k", 2, 60, start) == 50
    assert await limiter.hit("other", 2, 60, start) is None
    assert await limiter.hit("k", 2, 60, start + timedelta(seconds=60)) is None


async def test_an_audit_record_is_added_once_by_its_id(repos: dict[str, Any]) -> None:
    audit = repos["audit"]
    record = AuditRecord("e1", AT, "registration", "shelter.opened", Outcome.SUCCESS, "s1", None)
    assert await audit.add_once(record) is True
    assert await audit.add_once(replace(record, action="other")) is False
    assert await audit.between(AT, AT + timedelta(minutes=1), 10) == [record]

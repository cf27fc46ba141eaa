"""Fakes of the auth ports and fixtures shared by the unit and integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from shelter_auth.adapters.keys import SigningKeys
from shelter_auth.adapters.passwords import Argon2Hasher
from shelter_auth.bootstrap import bootstrap, install_app_deps
from shelter_auth.config import Settings
from shelter_auth.domain.commands import Actor, CreateAccount
from shelter_auth.domain.model import (
    Account,
    AccountExistsError,
    AuditRecord,
    ConcurrentUpdateError,
    IntegrationClient,
    KioskToken,
    PasswordPolicy,
    Role,
    Session,
)
from shelter_auth.service_layer import handlers
from shelter_runtime.settings import Environment

ADMIN_PASSWORD = "correct horse battery 9"
STAFF_PASSWORD = "staple paper clip 42"
SHELTER = "13101-0001"
OTHER_SHELTER = "13101-0002"


class FakeAccounts:
    def __init__(self) -> None:
        self.by_id: dict[str, Account] = {}

    async def get(self, user_id: str) -> Account | None:
        return self.by_id.get(user_id)

    async def add(self, account: Account) -> None:
        if account.user_id in self.by_id:
            raise AccountExistsError(account.user_id)
        self.by_id[account.user_id] = account

    async def update(self, account: Account) -> None:
        stored = self.by_id.get(account.user_id)
        if stored is None or stored.version != account.version - 1:
            raise ConcurrentUpdateError(account.user_id)
        self.by_id[account.user_id] = account

    async def delete(self, user_id: str) -> bool:
        return self.by_id.pop(user_id, None) is not None

    async def list(self) -> list[Account]:
        return [self.by_id[k] for k in sorted(self.by_id)]


class FakePolicies:
    def __init__(self) -> None:
        self.policy = PasswordPolicy()

    async def get(self) -> PasswordPolicy:
        return self.policy

    async def set(self, policy: PasswordPolicy) -> None:
        self.policy = policy


class FakeSessions:
    def __init__(self) -> None:
        self.by_id: dict[str, Session] = {}

    async def add(self, session: Session) -> None:
        self.by_id[session.session_id] = session

    async def get(self, session_id: str) -> Session | None:
        return self.by_id.get(session_id)

    async def rotate(self, session_id: str, old_hash: str, new_hash: str, at: datetime) -> bool:
        s = self.by_id.get(session_id)
        if s is None or s.token_hash != old_hash or s.revoked_at is not None:
            return False
        self.by_id[session_id] = replace(s, token_hash=new_hash, last_used_at=at)
        return True

    async def revoke(self, session_id: str, at: datetime) -> bool:
        s = self.by_id.get(session_id)
        if s is None or s.revoked_at is not None:
            return False
        self.by_id[session_id] = replace(s, revoked_at=at)
        return True

    async def revoke_all(self, user_id: str, at: datetime) -> list[str]:
        live = [
            s.session_id
            for s in self.by_id.values()
            if s.user_id == user_id and s.revoked_at is None and s.expires_at > at
        ]
        for session_id in live:
            await self.revoke(session_id, at)
        return live


class FakeKioskTokens:
    def __init__(self) -> None:
        self.by_id: dict[str, KioskToken] = {}

    async def add(self, token: KioskToken) -> None:
        self.by_id[token.token_id] = token

    async def get(self, token_id: str) -> KioskToken | None:
        return self.by_id.get(token_id)

    async def list(self) -> list[KioskToken]:
        return sorted(self.by_id.values(), key=lambda t: t.created_at)

    async def touch(self, token_id: str, at: datetime) -> None:
        self.by_id[token_id] = replace(self.by_id[token_id], last_used_at=at)

    async def revoke(self, token_id: str, at: datetime) -> bool:
        t = self.by_id.get(token_id)
        if t is None or t.revoked_at is not None:
            return False
        self.by_id[token_id] = replace(t, revoked_at=at)
        return True


class FakeClients:
    def __init__(self) -> None:
        self.by_id: dict[str, IntegrationClient] = {}

    async def add(self, client: IntegrationClient) -> None:
        self.by_id[client.client_id] = client

    async def get(self, client_id: str) -> IntegrationClient | None:
        return self.by_id.get(client_id)

    async def list(self) -> list[IntegrationClient]:
        return sorted(self.by_id.values(), key=lambda c: c.created_at)

    async def touch(self, client_id: str, at: datetime) -> None:
        self.by_id[client_id] = replace(self.by_id[client_id], last_used_at=at)

    async def revoke(self, client_id: str, at: datetime) -> bool:
        c = self.by_id.get(client_id)
        if c is None or c.revoked_at is not None:
            return False
        self.by_id[client_id] = replace(c, revoked_at=at)
        return True


class FakeRevocations:
    def __init__(self) -> None:
        self.until: dict[str, datetime] = {}

    async def add(self, ids: Iterable[str], until: datetime) -> None:
        for i in ids:
            self.until[i] = max(until, self.until.get(i, until))

    async def current(self, now: datetime) -> list[str]:
        return sorted(i for i, until in self.until.items() if until > now)


class FakeAuditLog:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    async def append(self, record: AuditRecord) -> None:
        self.records.append(record)

    async def add_once(self, record: AuditRecord) -> bool:
        if any(r.record_id == record.record_id for r in self.records):
            return False
        self.records.append(record)
        return True

    async def between(self, start: datetime, end: datetime, limit: int) -> list[AuditRecord]:
        found = sorted(
            (r for r in self.records if start <= r.at < end), key=lambda r: (r.at, r.record_id)
        )
        return found[:limit]

    def actions(self) -> list[tuple[str, str]]:
        return [(r.action, r.outcome.value) for r in self.records]


class FakeRateLimiter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}

    async def hit(self, key: str, limit: int, window_seconds: int, now: datetime) -> int | None:
        epoch = int(now.timestamp())
        window = epoch - epoch % window_seconds
        count = self.counts.get((key, window), 0) + 1
        self.counts[(key, window)] = count
        return None if count <= limit else max(window + window_seconds - epoch, 1)


class SteppingClock:
    """Starts at the real time (token checks use the wall clock) and moves when told."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


#: Real Argon2id, with small costs so the tests stay fast.
FAST_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024)
KEYS = SigningKeys.ephemeral()


def rules() -> handlers.TokenRules:
    return handlers.TokenRules(
        issuer="shelter-checkin-auth",
        audience=("registration", "roster", "stats", "integration", "auth"),
    )


@pytest.fixture
def deps() -> handlers.Dependencies:
    return handlers.Dependencies(
        accounts=FakeAccounts(),
        policies=FakePolicies(),
        sessions=FakeSessions(),
        kiosk_tokens=FakeKioskTokens(),
        clients=FakeClients(),
        revocations=FakeRevocations(),
        audit=FakeAuditLog(),
        rate_limiter=FakeRateLimiter(),
        hasher=FAST_HASHER,
        signer=KEYS,
        clock=SteppingClock(),
        rules=rules(),
    )


class Fakes:
    """The fakes behind `deps`, typed as fakes (for their inspection helpers)."""

    def __init__(self, deps: handlers.Dependencies) -> None:
        assert isinstance(deps.accounts, FakeAccounts)
        assert isinstance(deps.audit, FakeAuditLog)
        assert isinstance(deps.clock, SteppingClock)
        assert isinstance(deps.policies, FakePolicies)
        assert isinstance(deps.sessions, FakeSessions)
        self.accounts = deps.accounts
        self.audit = deps.audit
        self.clock = deps.clock
        self.policies = deps.policies
        self.sessions = deps.sessions


@pytest.fixture
def fakes(deps: handlers.Dependencies) -> Fakes:
    return Fakes(deps)


SYSTEM = Actor("test", None, "192.0.2.10")


async def add_account(
    deps: handlers.Dependencies,
    user_id: str,
    role: Role,
    password: str,
    shelters: tuple[str, ...] = (),
    **fields: object,
) -> Account:
    """An account that can sign in right away (its password needs no change)."""
    cmd = CreateAccount(
        user_id=user_id,
        display_name=user_id,
        role=role,
        password=password,
        shelters=shelters,
        must_change_password=False,
    )
    account = await handlers.create_account(cmd, SYSTEM, deps)
    if fields:
        account = replace(account, version=account.version + 1, **fields)  # type: ignore[arg-type]
        await deps.accounts.update(account)
    return account


@pytest.fixture
async def seeded(deps: handlers.Dependencies) -> handlers.Dependencies:
    """An administrator, shelter staff of SHELTER and a headquarters viewer."""
    await add_account(deps, "admin", Role.ADMINISTRATOR, ADMIN_PASSWORD)
    await add_account(deps, "staff1", Role.SHELTER_STAFF, STAFF_PASSWORD, (SHELTER,))
    await add_account(deps, "hq1", Role.HQ_VIEWER, STAFF_PASSWORD)
    return deps


def offline_settings(**overrides: object) -> Settings:
    """Settings whose servers do not exist: the app is built, nothing connects."""
    return Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=SecretStr("mongodb://127.0.0.1:1/"),
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
async def client(seeded: handlers.Dependencies) -> AsyncIterator[httpx.AsyncClient]:
    """The real app and routes with fakes behind the ports (no lifespan: nothing connects)."""
    app = bootstrap(offline_settings())
    install_app_deps(app, seeded, revocation_cache_seconds=0)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://auth") as c:
        yield c


async def bearer(client: httpx.AsyncClient, user_id: str, password: str) -> dict[str, str]:
    response = await client.post("/sign-in", json={"user_id": user_id, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}

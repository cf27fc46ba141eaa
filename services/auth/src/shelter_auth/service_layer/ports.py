"""What the handlers need from the outside world, as small interfaces."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from shelter_auth.domain.model import (
    Account,
    AuditRecord,
    IntegrationClient,
    KioskToken,
    PasswordPolicy,
    Session,
)


class Accounts(Protocol):
    async def get(self, user_id: str) -> Account | None: ...

    async def add(self, account: Account) -> None:
        """Store a new account; AccountExistsError if the user id is taken."""

    async def update(self, account: Account) -> None:
        """Store the account if the stored version is `account.version - 1`.

        ConcurrentUpdateError otherwise (someone else changed it since it was read).
        """

    async def delete(self, user_id: str) -> bool: ...

    async def list(self) -> list[Account]:
        """Every account, by user id."""


class Policies(Protocol):
    async def get(self) -> PasswordPolicy:
        """The administrator's policy, or the default one until it is set."""

    async def set(self, policy: PasswordPolicy) -> None: ...


class Sessions(Protocol):
    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: str) -> Session | None: ...

    async def rotate(self, session_id: str, old_hash: str, new_hash: str, at: datetime) -> bool:
        """Replace the token hash only if it is still `old_hash` and not revoked.

        Atomic: of two calls with the same `old_hash`, at most one returns True, so a
        replayed refresh token is detected even when both requests arrive together.
        """

    async def revoke(self, session_id: str, at: datetime) -> bool: ...

    async def revoke_all(self, user_id: str, at: datetime) -> list[str]:
        """Revoke every live session of an account; the ids of those revoked."""


class KioskTokens(Protocol):
    async def add(self, token: KioskToken) -> None: ...

    async def get(self, token_id: str) -> KioskToken | None: ...

    async def list(self) -> list[KioskToken]: ...

    async def touch(self, token_id: str, at: datetime) -> None: ...

    async def revoke(self, token_id: str, at: datetime) -> bool:
        """False if unknown or already revoked."""


class Clients(Protocol):
    async def add(self, client: IntegrationClient) -> None: ...

    async def get(self, client_id: str) -> IntegrationClient | None: ...

    async def list(self) -> list[IntegrationClient]: ...

    async def touch(self, client_id: str, at: datetime) -> None: ...

    async def revoke(self, client_id: str, at: datetime) -> bool: ...


class Revocations(Protocol):
    async def add(self, ids: Iterable[str], until: datetime) -> None:
        """Name token or credential ids as revoked until `until` (when their tokens expire)."""

    async def current(self, now: datetime) -> list[str]: ...


class AuditLog(Protocol):
    async def append(self, record: AuditRecord) -> None: ...

    async def add_once(self, record: AuditRecord) -> bool:
        """Store a record unless its `record_id` is stored already (a replayed event)."""

    async def between(self, start: datetime, end: datetime, limit: int) -> list[AuditRecord]:
        """Records with start <= at < end, oldest first, at most `limit`."""


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int, now: datetime) -> int | None:
        """Count one attempt; None if within the limit, else seconds until the window ends."""


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than the current ones."""

    async def dummy_verify(self) -> None:
        """Spend the time of one verification (an unknown user id answers as slowly)."""


class TokenSigner(Protocol):
    def sign(self, claims: Mapping[str, Any]) -> str: ...

    def jwks(self) -> dict[str, Any]:
        """The public keys as a JWKS document."""


class Clock(Protocol):
    def now(self) -> datetime: ...

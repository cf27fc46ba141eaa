"""What callers ask the auth service to do, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shelter_auth.domain.model import AccountChanges, PasswordPolicy, PrincipalKind, Role


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks, and from where (the client IP the gateway saw)."""

    name: str
    kind: PrincipalKind | None
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class CreateAccount:
    user_id: str
    display_name: str
    role: Role
    password: str
    shelters: tuple[str, ...] = ()
    expires_at: datetime | None = None
    #: The first administrator chooses their own password; others change it at first sign-in.
    must_change_password: bool = True


@dataclass(frozen=True, slots=True)
class EditAccount:
    user_id: str
    changes: AccountChanges


@dataclass(frozen=True, slots=True)
class DeleteAccount:
    user_id: str


@dataclass(frozen=True, slots=True)
class UnlockAccount:
    """Clear an emergency lock and a lock-out."""

    user_id: str


@dataclass(frozen=True, slots=True)
class ResetPassword:
    user_id: str
    new_password: str


@dataclass(frozen=True, slots=True)
class ChangePassword:
    """A staff member changes their own password, proving the current one (S10.2)."""

    user_id: str
    current_password: str
    new_password: str


@dataclass(frozen=True, slots=True)
class SetPasswordPolicy:
    policy: PasswordPolicy


@dataclass(frozen=True, slots=True)
class SignIn:
    user_id: str
    password: str


@dataclass(frozen=True, slots=True)
class Refresh:
    refresh_token: str


@dataclass(frozen=True, slots=True)
class SignOut:
    refresh_token: str | None = None
    session_id: str | None = None
    access_token_id: str | None = None


@dataclass(frozen=True, slots=True)
class IssueKioskToken:
    shelter_id: str
    label: str


@dataclass(frozen=True, slots=True)
class RevokeKioskToken:
    token_id: str


@dataclass(frozen=True, slots=True)
class ExchangeKioskToken:
    token: str


@dataclass(frozen=True, slots=True)
class CreateClient:
    name: str
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class RevokeClient:
    client_id: str


@dataclass(frozen=True, slots=True)
class IssueClientToken:
    client_id: str
    client_secret: str
    scopes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class RecordAudit:
    """An audit record sent by another service (roster edit, export, disaster close...)."""

    #: The client id of the sending service.
    service: str
    action: str
    outcome: str
    actor: str
    actor_kind: PrincipalKind | None
    ip: str | None
    target_type: str | None
    target_id: str | None
    shelter_id: str | None
    details: tuple[tuple[str, str], ...]
    at: datetime | None = None

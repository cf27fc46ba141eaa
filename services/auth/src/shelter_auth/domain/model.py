"""Staff accounts (職員アカウント), the password policy and the credentials of devices and clients.

S10.5: accounts with roles, emergency lock, expiry and a password policy; S10.2: a staff
member changes their own password; S10.7: kiosk tokens bound to one shelter.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    """Mirrors shelter_runtime.security.Role (a unit test keeps them equal)."""

    ADMINISTRATOR = "administrator"
    SHELTER_STAFF = "shelter_staff"  # 避難所職員: only the shelters assigned to the account
    HQ_VIEWER = "hq_viewer"  # 災害対策本部: reads everything, changes nothing


class PrincipalKind(StrEnum):
    STAFF = "staff"
    KIOSK = "kiosk"
    INTEGRATION = "integration"


#: Scopes an integration client may hold (the PULL API and service-to-service audit records).
#: `roster:personal` adds the personal fields (names, birth date, address, ...) to what
#: `roster:read` gives in the roster's PULL API (S17.2).
SCOPES = frozenset({"shelters:read", "stats:read", "roster:read", "roster:personal", "audit:write"})

USER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$"
#: Argon2 hashes whatever it is given: cap the input so a huge password cannot burn CPU.
MAX_PASSWORD_LENGTH = 256


class DomainError(Exception):
    """A refused command; the entrypoints map each kind to a problem type."""


class UnknownAccountError(DomainError):
    pass


class AccountExistsError(DomainError):
    pass


class ConcurrentUpdateError(DomainError):
    pass


class ShelterAssignmentError(DomainError):
    """Shelter staff need at least one shelter; other roles take none."""


class LastAdministratorError(DomainError):
    """The last active administrator cannot be removed, demoted or locked."""


class InvalidCredentialsError(DomainError):
    """Unknown user id or wrong password: the answer does not say which."""


class AccountLockedError(DomainError):
    """Emergency lock by an administrator (緊急アカウントロック)."""


class AccountLockedOutError(DomainError):
    """Too many failed sign-ins in a row; unlocked by an administrator or after a while."""

    def __init__(self, until: datetime) -> None:
        super().__init__("locked out")
        self.until = until


class AccountExpiredError(DomainError):
    pass


class PasswordChangeRequiredError(DomainError):
    """The password is initial or older than the policy's maximum age (S10.2)."""


class PasswordPolicyError(DomainError):
    def __init__(self, violations: list[str]) -> None:
        super().__init__(", ".join(violations))
        self.violations = violations


class InvalidRefreshTokenError(DomainError):
    pass


class RefreshTokenReusedError(DomainError):
    """A refresh token was used twice: its session is revoked (someone may have copied it)."""


class UnknownCredentialError(DomainError):
    """No kiosk token or integration client with this id (or it is revoked)."""


class RateLimitedError(DomainError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("rate limited")
        self.retry_after_seconds = retry_after_seconds


class InvalidScopeError(DomainError):
    def __init__(self, unknown: list[str]) -> None:
        super().__init__(", ".join(unknown))
        self.unknown = unknown


class CharClass(StrEnum):
    LOWERCASE = "lowercase"
    UPPERCASE = "uppercase"
    DIGIT = "digit"
    SYMBOL = "symbol"


def _classes(password: str) -> set[CharClass]:
    found: set[CharClass] = set()
    for char in password:
        if char in string.ascii_lowercase:
            found.add(CharClass.LOWERCASE)
        elif char in string.ascii_uppercase:
            found.add(CharClass.UPPERCASE)
        elif char.isdigit():
            found.add(CharClass.DIGIT)
        else:
            found.add(CharClass.SYMBOL)
    return found


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """The password policy an administrator sets (パスワードポリシー, S10.5, S10.7)."""

    min_length: int = 12
    required_classes: frozenset[CharClass] = frozenset({CharClass.LOWERCASE, CharClass.DIGIT})
    #: A new password may not equal any of the last `history` ones.
    history: int = 5
    #: Days after which a password must be changed; None: never.
    max_age_days: int | None = None
    #: Consecutive failed sign-ins that lock an account out.
    lockout_threshold: int = 5
    lockout_minutes: int = 15

    def violations(self, password: str) -> list[str]:
        """What the password lacks, as stable codes (the password itself is never echoed)."""
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"shorter than {self.min_length} characters")
        if len(password) > MAX_PASSWORD_LENGTH:
            found.append(f"longer than {MAX_PASSWORD_LENGTH} characters")
        missing = sorted(self.required_classes - _classes(password))
        found += [f"needs a {c.value} character" for c in missing]
        return found

    def password_expired(self, changed_at: datetime, now: datetime) -> bool:
        return self.max_age_days is not None and now - changed_at > timedelta(
            days=self.max_age_days
        )


@dataclass(frozen=True, slots=True)
class Account:
    """A staff account. `password_history` holds hashes only, newest first."""

    user_id: str
    display_name: str
    role: Role
    password_hash: str
    password_changed_at: datetime
    created_at: datetime
    shelters: tuple[str, ...] = ()
    password_history: tuple[str, ...] = ()
    expires_at: datetime | None = None
    locked: bool = False
    failed_attempts: int = 0
    locked_out_until: datetime | None = None
    must_change_password: bool = False
    version: int = 1

    @property
    def active_administrator(self) -> bool:
        return self.role is Role.ADMINISTRATOR and not self.locked

    def check_can_sign_in(self, now: datetime) -> None:
        """Refuse a locked, locked-out or expired account (before the password is checked)."""
        if self.locked:
            raise AccountLockedError(self.user_id)
        if self.locked_out_until is not None and now < self.locked_out_until:
            raise AccountLockedOutError(self.locked_out_until)
        if self.expires_at is not None and now >= self.expires_at:
            raise AccountExpiredError(self.user_id)

    def sign_in_failed(self, policy: PasswordPolicy, now: datetime) -> Account:
        """One more failure in a row; the threshold-th locks the account out for a while."""
        lapsed = self.locked_out_until is not None and now >= self.locked_out_until
        failures = (0 if lapsed else self.failed_attempts) + 1
        if failures >= policy.lockout_threshold:
            until = now + timedelta(minutes=policy.lockout_minutes)
            return self._next(failed_attempts=0, locked_out_until=until)
        return self._next(failed_attempts=failures, locked_out_until=None)

    def signed_in(self) -> Account:
        return self._next(failed_attempts=0, locked_out_until=None)

    def with_password(self, new_hash: str, policy: PasswordPolicy, now: datetime) -> Account:
        history = (self.password_hash, *self.password_history)[: max(policy.history - 1, 0)]
        return self._next(
            password_hash=new_hash,
            password_history=history,
            password_changed_at=now,
            must_change_password=False,
        )

    def rehashed(self, new_hash: str) -> Account:
        """The same password hashed with the current Argon2 parameters."""
        return self._next(password_hash=new_hash)

    def reset_password(self, new_hash: str, now: datetime) -> Account:
        """An administrator sets a password: the holder must change it at the next sign-in."""
        return self._next(
            password_hash=new_hash,
            password_history=(self.password_hash, *self.password_history),
            password_changed_at=now,
            must_change_password=True,
            failed_attempts=0,
            locked_out_until=None,
        )

    def unlocked(self) -> Account:
        return self._next(locked=False, failed_attempts=0, locked_out_until=None)

    def edited(self, changes: AccountChanges) -> Account:
        role = changes.role or self.role
        shelters = changes.shelters if changes.shelters is not None else self.shelters
        check_assignment(role, shelters)
        return self._next(
            display_name=changes.display_name or self.display_name,
            role=role,
            shelters=shelters,
            expires_at=(
                self.expires_at
                if isinstance(changes.expires_at, _Unchanged)
                else changes.expires_at
            ),
            locked=self.locked if changes.locked is None else changes.locked,
        )

    def _next(self, **changes: object) -> Account:
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


class _Unchanged:
    """The marker of a field an edit leaves alone where None is a meaningful value."""


UNCHANGED = _Unchanged()


@dataclass(frozen=True, slots=True)
class AccountChanges:
    """What an administrator edits; None leaves a field as it is (expires_at: see below)."""

    display_name: str | None = None
    role: Role | None = None
    shelters: tuple[str, ...] | None = None
    #: UNCHANGED keeps the expiry, None removes it, a datetime sets it.
    expires_at: datetime | _Unchanged | None = field(default=UNCHANGED)
    locked: bool | None = None


def check_assignment(role: Role, shelters: tuple[str, ...]) -> None:
    if role is Role.SHELTER_STAFF and not shelters:
        raise ShelterAssignmentError("shelter staff need at least one shelter")
    if role is not Role.SHELTER_STAFF and shelters:
        raise ShelterAssignmentError("only shelter staff are assigned to shelters")


def valid_user_id(user_id: str) -> bool:
    return re.fullmatch(USER_ID_PATTERN, user_id) is not None


@dataclass(frozen=True, slots=True)
class Session:
    """A sign-in session (one refresh-token family); each refresh replaces the token."""

    session_id: str
    user_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class KioskToken:
    """A kiosk device's credential, bound to one shelter (S10.7)."""

    token_id: str
    shelter_id: str
    label: str
    secret_hash: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IntegrationClient:
    """An external system's client credentials (the PULL API, service-to-service audit)."""

    client_id: str
    name: str
    scopes: frozenset[str]
    secret_hash: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


def check_scopes(scopes: frozenset[str]) -> None:
    unknown = sorted(scopes - SCOPES)
    if unknown:
        raise InvalidScopeError(unknown)


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One line of the audit trail (監査ログ, S10.8): who did what, when, from where.

    Never a password, a token or personal data: `target_id` is an account, shelter, stay or
    credential id, and `details` holds reason codes and counts.
    """

    record_id: str
    at: datetime
    service: str
    action: str
    outcome: Outcome
    actor: str
    actor_kind: PrincipalKind | None
    ip: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    shelter_id: str | None = None
    details: tuple[tuple[str, str], ...] = ()

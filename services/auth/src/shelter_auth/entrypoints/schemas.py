"""Request and response bodies of the auth API. No response ever holds a password hash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shelter_auth.domain import model
from shelter_auth.domain.model import MAX_PASSWORD_LENGTH, USER_ID_PATTERN, CharClass, Role

UserId = Annotated[str, StringConstraints(pattern=USER_ID_PATTERN)]
Password = Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
ShelterId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.-]+$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignInRequest(_In):
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Password
    cookie: bool = Field(
        default=False,
        description="Browser session: set HttpOnly cookies and a CSRF token instead of "
        "returning the tokens in the body",
    )


class RefreshRequest(_In):
    refresh_token: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Omit to use the refresh cookie"
    )


class PasswordChange(_In):
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    current_password: Password
    new_password: Password


class PasswordReset(_In):
    new_password: Password


class TokenResponse(BaseModel):
    """Tokens are in the body for API clients; a cookie session gets only `csrf_token`."""

    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (the OAuth token type)
    access_token: str | None = None
    expires_in: int
    refresh_token: str | None = None
    session_expires_at: datetime | None = None
    csrf_token: str | None = None
    kind: model.PrincipalKind
    subject: str
    role: Role | None = None
    shelters: list[str] = []
    scope: str | None = None


class Me(BaseModel):
    subject: str
    kind: str
    role: str | None
    shelters: list[str]
    expires_at: datetime


class AccountCreate(_In):
    user_id: UserId
    display_name: Label
    role: Role
    shelters: list[ShelterId] = Field(default=[], max_length=500)
    password: Password = Field(description="Initial password; changed by the holder at first use")
    expires_at: datetime | None = None


class AccountUpdate(_In):
    display_name: Label | None = None
    role: Role | None = None
    shelters: list[ShelterId] | None = Field(default=None, max_length=500)
    expires_at: datetime | None = Field(default=None, description="null removes the expiry")
    locked: bool | None = Field(default=None, description="Emergency lock (緊急ロック)")


class AccountPublic(BaseModel):
    user_id: str
    display_name: str
    role: Role
    shelters: list[str]
    expires_at: datetime | None
    locked: bool
    locked_out_until: datetime | None
    failed_attempts: int
    must_change_password: bool
    password_changed_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, account: model.Account) -> AccountPublic:
        return cls(
            user_id=account.user_id,
            display_name=account.display_name,
            role=account.role,
            shelters=list(account.shelters),
            expires_at=account.expires_at,
            locked=account.locked,
            locked_out_until=account.locked_out_until,
            failed_attempts=account.failed_attempts,
            must_change_password=account.must_change_password,
            password_changed_at=account.password_changed_at,
            created_at=account.created_at,
        )


class PasswordPolicyBody(_In):
    min_length: int = Field(default=12, ge=8, le=128)
    required_classes: list[CharClass] = [CharClass.LOWERCASE, CharClass.DIGIT]
    history: int = Field(default=5, ge=0, le=24, description="No reuse of the last N passwords")
    max_age_days: int | None = Field(default=None, ge=1, le=3650)
    lockout_threshold: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)

    def to_policy(self) -> model.PasswordPolicy:
        return model.PasswordPolicy(
            min_length=self.min_length,
            required_classes=frozenset(self.required_classes),
            history=self.history,
            max_age_days=self.max_age_days,
            lockout_threshold=self.lockout_threshold,
            lockout_minutes=self.lockout_minutes,
        )

    @classmethod
    def of(cls, policy: model.PasswordPolicy) -> PasswordPolicyBody:
        return cls(
            min_length=policy.min_length,
            required_classes=sorted(policy.required_classes),
            history=policy.history,
            max_age_days=policy.max_age_days,
            lockout_threshold=policy.lockout_threshold,
            lockout_minutes=policy.lockout_minutes,
        )


class KioskTokenCreate(_In):
    shelter_id: ShelterId
    label: Label


class KioskTokenIssued(BaseModel):
    token_id: str
    token: str = Field(description="Shown once: enter it in the kiosk's settings")
    shelter_id: str
    label: str
    created_at: datetime


class KioskTokenPublic(BaseModel):
    token_id: str
    shelter_id: str
    label: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


class KioskTokenExchange(_In):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ClientCreate(_In):
    name: Label
    scopes: list[Annotated[str, StringConstraints(max_length=50)]] = Field(
        min_length=1, max_length=20
    )


class ClientIssued(BaseModel):
    client_id: str
    client_secret: str = Field(description="Shown once")
    name: str
    scopes: list[str]
    created_at: datetime


class ClientPublic(BaseModel):
    client_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


class Revoked(BaseModel):
    revoked: list[str] = Field(description="Token ids (jti) and credential ids (cid) to refuse")
    refresh_seconds: int = Field(description="How often verifiers should fetch this list")


Action = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+){1,3}$")]
ShortText = Annotated[str, StringConstraints(max_length=100)]


class AuditRecordCreate(_In):
    """An audit record from another service: reason codes and ids, never personal data."""

    action: Action = Field(examples=["roster.entry_edited", "roster.exported", "disaster.closed"])
    outcome: model.Outcome = model.Outcome.SUCCESS
    actor: ShortText = Field(description="The staff user id (or kiosk / client subject) acting")
    actor_kind: model.PrincipalKind | None = None
    ip: Annotated[str, StringConstraints(max_length=64)] | None = None
    target_type: ShortText | None = None
    target_id: ShortText | None = None
    shelter_id: ShelterId | None = None
    at: datetime | None = None
    details: dict[Annotated[str, StringConstraints(max_length=40)], ShortText | int | bool] = Field(
        default={}, max_length=10
    )


class AuditRecordPublic(BaseModel):
    record_id: str
    at: datetime
    service: str
    action: str
    outcome: model.Outcome
    actor: str
    actor_kind: model.PrincipalKind | None
    ip: str | None
    target_type: str | None
    target_id: str | None
    shelter_id: str | None
    details: dict[str, str]

    @classmethod
    def of(cls, record: model.AuditRecord) -> AuditRecordPublic:
        return cls(
            record_id=record.record_id,
            at=record.at,
            service=record.service,
            action=record.action,
            outcome=record.outcome,
            actor=record.actor,
            actor_kind=record.actor_kind,
            ip=record.ip,
            target_type=record.target_type,
            target_id=record.target_id,
            shelter_id=record.shelter_id,
            details=dict(record.details),
        )

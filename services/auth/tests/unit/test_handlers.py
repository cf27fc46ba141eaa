"""The auth handlers with fakes behind the ports: lock-out, expiry, sessions, credentials."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

import jwt
import pytest

from shelter_auth.adapters.passwords import Argon2Hasher
from shelter_auth.domain import model
from shelter_auth.domain.commands import (
    Actor,
    ChangePassword,
    CreateClient,
    EditAccount,
    ExchangeKioskToken,
    IssueClientToken,
    IssueKioskToken,
    Refresh,
    ResetPassword,
    RevokeKioskToken,
    SignIn,
    SignOut,
    UnlockAccount,
)
from shelter_auth.domain.model import AccountChanges, PasswordPolicy, Role
from shelter_auth.service_layer import handlers
from shelter_contracts.events import AuditRecorded
from shelter_runtime.security import StaticKeys, TokenRejectedError, Verifier

from ..conftest import ADMIN_PASSWORD, SHELTER, STAFF_PASSWORD, SYSTEM, Fakes

ADMIN = Actor("admin", model.PrincipalKind.STAFF, "192.0.2.1")


def _verifier(deps: handlers.Dependencies, audience: str = "roster") -> Verifier:
    return Verifier(keys=StaticKeys(deps.signer.jwks), audience=audience, issuer=deps.rules.issuer)


async def _fail(deps: handlers.Dependencies, user_id: str = "staff1") -> type[Exception]:
    with pytest.raises(model.DomainError) as refused:
        await handlers.sign_in(SignIn(user_id, "wrong password 1"), SYSTEM, deps)
    return type(refused.value)


async def test_sign_in_issues_a_token_every_service_accepts(seeded: handlers.Dependencies) -> None:
    issued = await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    principal = await _verifier(seeded).verify(issued.access_token)
    assert principal.sub == "staff1" and principal.shelters == frozenset({SHELTER})
    assert principal.role is not None and principal.role.value == Role.SHELTER_STAFF.value
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert set(claims) >= {"sub", "role", "shelters", "aud", "iss", "exp", "iat", "jti", "cid"}
    assert claims["exp"] - claims["iat"] == 600
    assert issued.refresh_token and issued.session_id == principal.credential_id


async def test_lock_out_after_n_consecutive_failures(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    fakes.policies.policy = PasswordPolicy(lockout_threshold=3, lockout_minutes=10)
    assert await _fail(seeded) is model.InvalidCredentialsError
    assert await _fail(seeded) is model.InvalidCredentialsError
    assert await _fail(seeded) is model.AccountLockedOutError  # the third one locks
    # Even the right password is refused while locked out.
    with pytest.raises(model.AccountLockedOutError):
        await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    assert ("account.locked_out", "success") in fakes.audit.actions()
    fakes.clock.advance(minutes=11)  # the configured period unlocks it
    await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    assert fakes.accounts.by_id["staff1"].failed_attempts == 0


async def test_a_success_resets_the_failure_count(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    fakes.policies.policy = PasswordPolicy(lockout_threshold=3)
    await _fail(seeded)
    await _fail(seeded)
    await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    assert await _fail(seeded) is model.InvalidCredentialsError
    assert await _fail(seeded) is model.InvalidCredentialsError


async def test_an_administrator_lifts_a_lock_out(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    fakes.policies.policy = PasswordPolicy(lockout_threshold=1)
    assert await _fail(seeded) is model.AccountLockedOutError
    await handlers.unlock_account(UnlockAccount("staff1"), ADMIN, seeded)
    await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)


async def test_locked_and_expired_accounts_cannot_sign_in(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    await handlers.edit_account(EditAccount("staff1", AccountChanges(locked=True)), ADMIN, seeded)
    with pytest.raises(model.AccountLockedError):
        await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    expiry = fakes.clock.now() + timedelta(days=1)
    await handlers.edit_account(
        EditAccount("hq1", AccountChanges(expires_at=expiry)), ADMIN, seeded
    )
    await handlers.sign_in(SignIn("hq1", STAFF_PASSWORD), SYSTEM, seeded)
    fakes.clock.advance(days=2)
    with pytest.raises(model.AccountExpiredError):
        await handlers.sign_in(SignIn("hq1", STAFF_PASSWORD), SYSTEM, seeded)
    reasons = [dict(r.details).get("reason") for r in fakes.audit.records]
    assert "locked" in reasons and "expired" in reasons


async def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    assert await _fail(seeded, "nobody") is model.InvalidCredentialsError
    assert fakes.audit.records[-1].actor == "unknown"


async def test_a_locked_account_loses_its_sessions_at_once(
    seeded: handlers.Dependencies,
) -> None:
    issued = await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    await handlers.edit_account(EditAccount("staff1", AccountChanges(locked=True)), ADMIN, seeded)
    assert issued.session_id in await handlers.revoked_ids(seeded)
    with pytest.raises(model.InvalidRefreshTokenError):
        await handlers.refresh(Refresh(issued.refresh_token or ""), SYSTEM, seeded)


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    first = await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    assert first.refresh_token
    second = await handlers.refresh(Refresh(first.refresh_token), SYSTEM, seeded)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.session_id == first.session_id
    # The old token again: theft is assumed, the whole session ends.
    with pytest.raises(model.RefreshTokenReusedError):
        await handlers.refresh(Refresh(first.refresh_token), SYSTEM, seeded)
    with pytest.raises(model.InvalidRefreshTokenError):
        await handlers.refresh(Refresh(second.refresh_token), SYSTEM, seeded)
    assert first.session_id in await handlers.revoked_ids(seeded)
    assert ("session.refresh_reused", "failure") in fakes.audit.actions()


async def test_sign_out_revokes_the_session_and_the_access_token(
    seeded: handlers.Dependencies,
) -> None:
    issued = await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    assert issued.refresh_token
    await handlers.sign_out(SignOut(refresh_token=issued.refresh_token), SYSTEM, seeded)
    with pytest.raises(model.InvalidRefreshTokenError):
        await handlers.refresh(Refresh(issued.refresh_token), SYSTEM, seeded)
    verifier = Verifier(
        keys=StaticKeys(seeded.signer.jwks),
        audience="roster",
        issuer=seeded.rules.issuer,
        revocations=_Revoked(seeded),
    )
    with pytest.raises(TokenRejectedError, match="revoked"):
        await verifier.verify(issued.access_token)


class _Revoked:
    def __init__(self, deps: handlers.Dependencies) -> None:
        self.deps = deps

    async def revoked(self) -> frozenset[str]:
        return frozenset(await handlers.revoked_ids(self.deps))


async def test_the_revocation_list_forgets_what_has_expired_anyway(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    issued = await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    await handlers.sign_out(SignOut(session_id=issued.session_id), SYSTEM, seeded)
    assert issued.session_id in await handlers.revoked_ids(seeded)
    fakes.clock.advance(minutes=12)
    assert await handlers.revoked_ids(seeded) == []


async def test_changing_the_password_needs_the_current_one_and_respects_history(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    fakes.policies.policy = PasswordPolicy(history=2, min_length=10)
    with pytest.raises(model.InvalidCredentialsError):
        await handlers.change_password(
            ChangePassword("staff1", "not the password 1", "brand new pass 1"), SYSTEM, seeded
        )
    with pytest.raises(model.PasswordPolicyError):
        await handlers.change_password(
            ChangePassword("staff1", STAFF_PASSWORD, STAFF_PASSWORD), SYSTEM, seeded
        )
    with pytest.raises(model.PasswordPolicyError) as weak:
        await handlers.change_password(
            ChangePassword("staff1", STAFF_PASSWORD, "short"), SYSTEM, seeded
        )
    assert weak.value.violations == ["shorter than 10 characters", "needs a digit character"]
    await handlers.change_password(
        ChangePassword("staff1", STAFF_PASSWORD, "brand new pass 1"), SYSTEM, seeded
    )
    await handlers.change_password(
        ChangePassword("staff1", "brand new pass 1", "another pass 22"), SYSTEM, seeded
    )
    # history=2: the last two are barred, the one before them is allowed again.
    with pytest.raises(model.PasswordPolicyError):
        await handlers.change_password(
            ChangePassword("staff1", "another pass 22", "brand new pass 1"), SYSTEM, seeded
        )
    await handlers.change_password(
        ChangePassword("staff1", "another pass 22", STAFF_PASSWORD), SYSTEM, seeded
    )


async def test_an_initial_or_old_password_must_be_changed_before_signing_in(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    fakes.accounts.by_id["staff1"] = replace(
        fakes.accounts.by_id["staff1"], must_change_password=True
    )
    with pytest.raises(model.PasswordChangeRequiredError):
        await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    await handlers.change_password(
        ChangePassword("staff1", STAFF_PASSWORD, "my own pass 123"), SYSTEM, seeded
    )
    await handlers.sign_in(SignIn("staff1", "my own pass 123"), SYSTEM, seeded)
    fakes.policies.policy = PasswordPolicy(max_age_days=90)
    fakes.clock.advance(days=91)
    with pytest.raises(model.PasswordChangeRequiredError):
        await handlers.sign_in(SignIn("staff1", "my own pass 123"), SYSTEM, seeded)


async def test_the_last_administrator_cannot_be_locked_or_demoted(
    seeded: handlers.Dependencies,
) -> None:
    with pytest.raises(model.LastAdministratorError):
        await handlers.edit_account(
            EditAccount("admin", AccountChanges(locked=True)), ADMIN, seeded
        )
    with pytest.raises(model.LastAdministratorError):
        await handlers.edit_account(
            EditAccount("admin", AccountChanges(role=Role.HQ_VIEWER)), ADMIN, seeded
        )


async def test_sign_in_is_rate_limited_per_user(seeded: handlers.Dependencies) -> None:
    for _ in range(seeded.rules.sign_in_per_user):
        await handlers.sign_in(SignIn("hq1", STAFF_PASSWORD), SYSTEM, seeded)
    with pytest.raises(model.RateLimitedError) as limited:
        await handlers.sign_in(SignIn("hq1", STAFF_PASSWORD), SYSTEM, seeded)
    assert 1 <= limited.value.retry_after_seconds <= 60


async def test_sign_in_is_rate_limited_per_client_ip(seeded: handlers.Dependencies) -> None:
    ip = Actor("anonymous", None, "198.51.100.7")
    for n in range(seeded.rules.sign_in_per_ip):
        with pytest.raises(model.InvalidCredentialsError):
            await handlers.sign_in(SignIn(f"user{n}", "whatever pass 1"), ip, seeded)
    with pytest.raises(model.RateLimitedError):
        await handlers.sign_in(SignIn("admin", ADMIN_PASSWORD), ip, seeded)


async def test_a_revoked_kiosk_token_is_refused_and_listed(
    seeded: handlers.Dependencies,
) -> None:
    issued = await handlers.issue_kiosk_token(IssueKioskToken(SHELTER, "入口の端末"), ADMIN, seeded)
    access = await handlers.exchange_kiosk_token(ExchangeKioskToken(issued.secret), SYSTEM, seeded)
    principal = await _verifier(seeded, "registration").verify(access.access_token)
    assert principal.kind.value == "kiosk" and principal.shelters == frozenset({SHELTER})
    [listed] = await handlers.list_kiosk_tokens(seeded)
    assert listed.last_used_at is not None
    assert listed.secret_hash != issued.secret and issued.secret not in repr(listed)

    await handlers.revoke_kiosk_token(RevokeKioskToken(issued.credential_id), ADMIN, seeded)
    with pytest.raises(model.UnknownCredentialError):
        await handlers.exchange_kiosk_token(ExchangeKioskToken(issued.secret), SYSTEM, seeded)
    assert issued.credential_id in await handlers.revoked_ids(seeded)
    assert principal.credential_id == issued.credential_id  # so its access token is refused


async def test_a_forged_kiosk_token_is_refused(seeded: handlers.Dependencies) -> None:
    issued = await handlers.issue_kiosk_token(IssueKioskToken(SHELTER, "受付"), ADMIN, seeded)
    forged = issued.credential_id + ".not-the-secret"
    with pytest.raises(model.UnknownCredentialError):
        await handlers.exchange_kiosk_token(ExchangeKioskToken(forged), SYSTEM, seeded)


async def test_integration_clients_get_tokens_with_their_scopes(
    seeded: handlers.Dependencies,
) -> None:
    created = await handlers.create_client(
        CreateClient("県防災システム", frozenset({"shelters:read", "stats:read"})), ADMIN, seeded
    )
    issued = await handlers.issue_client_token(
        IssueClientToken(created.credential_id, created.secret), SYSTEM, seeded
    )
    principal = await _verifier(seeded, "integration").verify(issued.access_token)
    assert principal.scopes == frozenset({"shelters:read", "stats:read"})
    with pytest.raises(model.InvalidScopeError):
        await handlers.issue_client_token(
            IssueClientToken(created.credential_id, created.secret, frozenset({"roster:read"})),
            SYSTEM,
            seeded,
        )
    with pytest.raises(model.UnknownCredentialError):
        await handlers.issue_client_token(
            IssueClientToken(created.credential_id, "wrong"), SYSTEM, seeded
        )
    with pytest.raises(model.InvalidScopeError):
        await handlers.create_client(CreateClient("x", frozenset({"root"})), ADMIN, seeded)


async def test_audit_records_hold_no_password_or_token(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    issued = await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, seeded)
    await _fail(seeded)
    kiosk = await handlers.issue_kiosk_token(IssueKioskToken(SHELTER, "受付"), ADMIN, seeded)
    text = repr(fakes.audit.records)
    for secret in (STAFF_PASSWORD, ADMIN_PASSWORD, "wrong password 1", kiosk.secret):
        assert secret not in text
    assert issued.access_token not in text and (issued.refresh_token or "") not in text
    assert "$argon2" not in text
    assert {r.ip for r in fakes.audit.records if r.action == "session.sign_in"} == {"192.0.2.10"}


async def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    weak = Argon2Hasher(time_cost=1, memory_cost=512)
    fakes.accounts.by_id["hq1"] = replace(
        fakes.accounts.by_id["hq1"], password_hash=await weak.hash(STAFF_PASSWORD)
    )
    assert seeded.hasher.needs_rehash(fakes.accounts.by_id["hq1"].password_hash)
    await handlers.sign_in(SignIn("hq1", STAFF_PASSWORD), SYSTEM, seeded)
    assert not seeded.hasher.needs_rehash(fakes.accounts.by_id["hq1"].password_hash)
    await handlers.sign_in(SignIn("hq1", STAFF_PASSWORD), SYSTEM, seeded)


async def test_audit_events_of_other_services_are_kept_once_each(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    """S10.8: a replayed AuditRecorded (same event id) adds no second line."""
    event = AuditRecorded(
        occurred_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        producer="roster",
        action="roster_entry.corrected",
        actor="staff1",
        actor_kind="staff",
        ip="192.0.2.9",
        target_type="roster_entry",
        target_id="0b9f3c2e-1111-4222-8333-444455556666",
        shelter_id=SHELTER,
        details={"fields": "phone,remarks"},
    )
    assert await handlers.store_audit_event(event, seeded) is True
    assert await handlers.store_audit_event(event, seeded) is False
    [stored] = [r for r in fakes.audit.records if r.service == "roster"]
    assert stored.record_id == str(event.event_id) and stored.actor == "staff1"
    assert stored.actor_kind is model.PrincipalKind.STAFF and stored.shelter_id == SHELTER
    assert dict(stored.details) == {"fields": "phone,remarks"}
    evacuee = event.model_copy(update={"event_id": uuid4(), "actor": "evacuee"})
    evacuee = evacuee.model_copy(update={"actor_kind": "evacuee"})
    assert await handlers.store_audit_event(evacuee, seeded) is True
    assert fakes.audit.records[-1].actor_kind is None


def _live_sessions(fakes: Fakes, user_id: str) -> list[str]:
    return [
        s.session_id
        for s in fakes.sessions.by_id.values()
        if s.user_id == user_id and s.revoked_at is None
    ]


class _MeanwhileHasher:
    """Checks passwords like the real hasher; runs `meanwhile` during the check (an
    administrator acting while Argon2 works)."""

    def __init__(self, hasher: Argon2Hasher, meanwhile: Callable[[], Awaitable[object]]) -> None:
        self._hasher = hasher
        self._meanwhile = meanwhile

    async def verify(self, password_hash: str, password: str) -> bool:
        matched = await self._hasher.verify(password_hash, password)
        await self._meanwhile()
        return matched

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hasher, name)


@pytest.mark.parametrize(
    "changes",
    [AccountChanges(locked=True), AccountChanges(expires_at=datetime(2020, 1, 1, tzinfo=UTC))],
)
async def test_an_account_locked_while_its_password_is_checked_gets_no_session(
    seeded: handlers.Dependencies, fakes: Fakes, changes: AccountChanges
) -> None:
    async def lock() -> None:
        await handlers.edit_account(EditAccount("staff1", changes), ADMIN, seeded)

    deps = replace(seeded, hasher=_MeanwhileHasher(cast(Argon2Hasher, seeded.hasher), lock))
    with pytest.raises(model.DomainError):
        await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, deps)
    assert _live_sessions(fakes, "staff1") == []
    assert dict(fakes.audit.records[-1].details)["reason"] == "account-changed"


async def test_a_password_reset_while_the_old_one_is_checked_gets_no_session(
    seeded: handlers.Dependencies, fakes: Fakes
) -> None:
    async def reset() -> None:
        await handlers.reset_password(
            ResetPassword("staff1", "Another-pass-phrase-9"), ADMIN, seeded
        )

    deps = replace(seeded, hasher=_MeanwhileHasher(cast(Argon2Hasher, seeded.hasher), reset))
    with pytest.raises(model.InvalidCredentialsError):
        await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, deps)
    assert _live_sessions(fakes, "staff1") == []


async def test_a_role_changed_while_signing_in_is_the_role_in_the_token(
    seeded: handlers.Dependencies,
) -> None:
    async def demote() -> None:
        changes = AccountChanges(role=Role.HQ_VIEWER, shelters=())
        await handlers.edit_account(EditAccount("staff1", changes), ADMIN, seeded)

    deps = replace(seeded, hasher=_MeanwhileHasher(cast(Argon2Hasher, seeded.hasher), demote))
    issued = await handlers.sign_in(SignIn("staff1", STAFF_PASSWORD), SYSTEM, deps)
    principal = await _verifier(seeded).verify(issued.access_token)
    assert principal.role is not None and principal.role.value == Role.HQ_VIEWER.value

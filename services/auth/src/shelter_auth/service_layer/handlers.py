"""Command handlers: accounts, sign-in sessions, device and client credentials, the audit trail.

Every change and every sign-in attempt leaves an audit record (S10.8). Nothing here logs or
returns a password, a hash or a token other than the one a caller is being given.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shelter_auth.domain import model
from shelter_auth.domain.commands import (
    Actor,
    ChangePassword,
    CreateAccount,
    CreateClient,
    DeleteAccount,
    EditAccount,
    ExchangeKioskToken,
    IssueClientToken,
    IssueKioskToken,
    RecordAudit,
    Refresh,
    ResetPassword,
    RevokeClient,
    RevokeKioskToken,
    SetPasswordPolicy,
    SignIn,
    SignOut,
    UnlockAccount,
)
from shelter_auth.domain.model import Outcome, PrincipalKind
from shelter_auth.service_layer.ports import (
    Accounts,
    AuditLog,
    Clients,
    Clock,
    KioskTokens,
    PasswordHasher,
    Policies,
    RateLimiter,
    Revocations,
    Sessions,
    TokenSigner,
)
from shelter_contracts.events import AuditRecorded

SERVICE = "auth"
#: Security events for monitoring; who and what are in the audit trail, never in log lines.
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TokenRules:
    """Lifetimes, audiences and rate limits (from Settings)."""

    issuer: str
    audience: tuple[str, ...]
    access_ttl: timedelta = timedelta(minutes=10)
    session_ttl: timedelta = timedelta(hours=12)
    #: How long a revoked id stays on the list: the longest an access token lives, and leeway.
    revocation_margin: timedelta = timedelta(seconds=60)
    sign_in_per_user: int = 10
    sign_in_per_ip: int = 30
    rate_window_seconds: int = 60


@dataclass(frozen=True, slots=True)
class Dependencies:
    accounts: Accounts
    policies: Policies
    sessions: Sessions
    kiosk_tokens: KioskTokens
    clients: Clients
    revocations: Revocations
    audit: AuditLog
    rate_limiter: RateLimiter
    hasher: PasswordHasher
    signer: TokenSigner
    clock: Clock
    rules: TokenRules


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """What a caller receives once: the access token and, for staff, a refresh token."""

    access_token: str
    expires_in: int
    kind: PrincipalKind
    subject: str
    role: model.Role | None = None
    shelters: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    refresh_token: str | None = None
    session_id: str | None = None
    session_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A kiosk token or client secret: shown once, stored only as a hash."""

    credential_id: str
    secret: str
    details: dict[str, Any] = field(default_factory=dict)


def _digest(secret: str) -> str:
    # The secrets are 256-bit random values: a fast hash is enough (no dictionary to try).
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _split(token: str) -> tuple[str, str]:
    credential_id, _, secret = token.partition(".")
    return credential_id, secret


async def _audit(
    deps: Dependencies,
    actor: Actor,
    action: str,
    outcome: Outcome = Outcome.SUCCESS,
    *,
    target_type: str | None = None,
    target_id: str | None = None,
    shelter_id: str | None = None,
    extra: Mapping[str, object] | None = None,
    **details: object,
) -> None:
    details = {**(extra or {}), **details}
    await deps.audit.append(
        model.AuditRecord(
            record_id=uuid.uuid4().hex,
            at=deps.clock.now(),
            service=SERVICE,
            action=action,
            outcome=outcome,
            actor=actor.name,
            actor_kind=actor.kind,
            ip=actor.ip,
            target_type=target_type,
            target_id=target_id,
            shelter_id=shelter_id,
            details=tuple((k, str(v)) for k, v in sorted(details.items())),
        )
    )


async def _limit(deps: Dependencies, key: str, limit: int) -> None:
    retry = await deps.rate_limiter.hit(
        key, limit, deps.rules.rate_window_seconds, deps.clock.now()
    )
    if retry is not None:
        raise model.RateLimitedError(retry)


async def _revoke_ids(deps: Dependencies, ids: list[str]) -> None:
    if ids:
        until = deps.clock.now() + deps.rules.access_ttl + deps.rules.revocation_margin
        await deps.revocations.add(ids, until)


def _claims(deps: Dependencies, now: datetime, **claims: Any) -> dict[str, Any]:
    return {
        "iss": deps.rules.issuer,
        "aud": list(deps.rules.audience),
        "iat": int(now.timestamp()),
        "exp": int((now + deps.rules.access_ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        **claims,
    }


# --- accounts (S10.5) --------------------------------------------------------------------------


async def _account(deps: Dependencies, user_id: str) -> model.Account:
    account = await deps.accounts.get(user_id)
    if account is None:
        raise model.UnknownAccountError(user_id)
    return account


#: Tries of one account change against concurrent writers of the account (failed sign-ins,
#: another administrator). A try is lost only when another writer's change was stored since
#: the account was read, so this many cover as many parallel writers as the per-user sign-in
#: limit lets through at once.
ACCOUNT_WRITE_TRIES = 10


async def _store_change(
    deps: Dependencies,
    account: model.Account,
    change: Callable[[model.Account], Awaitable[model.Account]],
) -> tuple[model.Account, model.Account]:
    """Store `change(account)`; when another write stored a newer version first, apply the
    change again to the account as it is now. Returns the account before and after the change.

    The repository's version check is a compare-and-set (on FerretDB under the adapter's
    write lock), so a concurrent write is never overwritten: an emergency lock (S10.5) and a
    failed sign-in's counter (S10.1) both take effect. ConcurrentUpdateError after
    ACCOUNT_WRITE_TRIES lost tries.
    """
    tries = 1
    while True:
        after = await change(account)
        try:
            await deps.accounts.update(after)
        except model.ConcurrentUpdateError:
            if tries == ACCOUNT_WRITE_TRIES:
                raise
            tries += 1
            account = await _account(deps, account.user_id)
            continue
        return account, after


async def _check_password(deps: Dependencies, password: str) -> model.PasswordPolicy:
    policy = await deps.policies.get()
    violations = policy.violations(password)
    if violations:
        raise model.PasswordPolicyError(violations)
    return policy


async def _keeps_an_administrator(deps: Dependencies, before: model.Account) -> None:
    """Refuse a change that would leave no active administrator (nobody could manage accounts)."""
    others = [
        a
        for a in await deps.accounts.list()
        if a.active_administrator and a.user_id != before.user_id
    ]
    if before.active_administrator and not others:
        raise model.LastAdministratorError(before.user_id)


async def list_accounts(deps: Dependencies) -> list[model.Account]:
    """Every staff account."""
    return await deps.accounts.list()


async def get_account(user_id: str, deps: Dependencies) -> model.Account:
    """One staff account."""
    return await _account(deps, user_id)


async def create_account(cmd: CreateAccount, actor: Actor, deps: Dependencies) -> model.Account:
    """Create a staff account with an initial password chosen by an administrator."""
    if not model.valid_user_id(cmd.user_id):
        raise model.PasswordPolicyError(["user id: 3-64 letters, digits or . _ @ -"])
    model.check_assignment(cmd.role, cmd.shelters)
    await _check_password(deps, cmd.password)
    now = deps.clock.now()
    account = model.Account(
        user_id=cmd.user_id,
        display_name=cmd.display_name,
        role=cmd.role,
        shelters=cmd.shelters,
        password_hash=await deps.hasher.hash(cmd.password),
        password_changed_at=now,
        created_at=now,
        expires_at=cmd.expires_at,
        must_change_password=cmd.must_change_password,
    )
    await deps.accounts.add(account)
    await _audit(
        deps,
        actor,
        "account.created",
        target_type="account",
        target_id=account.user_id,
        role=account.role.value,
        shelters=",".join(account.shelters),
    )
    return account


async def edit_account(cmd: EditAccount, actor: Actor, deps: Dependencies) -> model.Account:
    """Change an account's name, role, shelters, expiry or emergency lock (S10.5).

    The changes are applied to the account as stored: a failed sign-in written meanwhile
    neither undoes an emergency lock nor makes it fail.
    """

    async def edit(before: model.Account) -> model.Account:
        after = before.edited(cmd.changes)
        if not after.active_administrator:
            await _keeps_an_administrator(deps, before)
        return after

    before, after = await _store_change(deps, await _account(deps, cmd.user_id), edit)
    changed = [
        name
        for name in ("display_name", "role", "shelters", "expires_at", "locked")
        if getattr(before, name) != getattr(after, name)
    ]
    details: dict[str, object] = {"changed": ",".join(changed)}
    if before.role != after.role:
        details["role"] = f"{before.role.value}->{after.role.value}"
    if before.shelters != after.shelters:
        details["shelters"] = ",".join(after.shelters)
    await _audit(
        deps,
        actor,
        "account.updated",
        target_type="account",
        target_id=after.user_id,
        extra=details,
    )
    if before.locked != after.locked:
        action = "account.locked" if after.locked else "account.unlocked"
        await _audit(deps, actor, action, target_type="account", target_id=after.user_id)
    # New claims (or a lock) take effect now, not when the current tokens expire.
    if {"role", "shelters", "locked", "expires_at"} & set(changed):
        await _end_sessions(deps, after.user_id)
    return after


async def delete_account(cmd: DeleteAccount, actor: Actor, deps: Dependencies) -> None:
    """Delete an account and end its sessions."""
    account = await _account(deps, cmd.user_id)
    await _keeps_an_administrator(deps, account)
    await deps.accounts.delete(cmd.user_id)
    await _end_sessions(deps, cmd.user_id)
    await _audit(deps, actor, "account.deleted", target_type="account", target_id=cmd.user_id)


async def unlock_account(cmd: UnlockAccount, actor: Actor, deps: Dependencies) -> model.Account:
    """Lift an emergency lock and a lock-out after failed sign-ins."""

    async def unlock(account: model.Account) -> model.Account:
        return account.unlocked()

    _, account = await _store_change(deps, await _account(deps, cmd.user_id), unlock)
    await _audit(deps, actor, "account.unlocked", target_type="account", target_id=cmd.user_id)
    return account


async def reset_password(cmd: ResetPassword, actor: Actor, deps: Dependencies) -> None:
    """An administrator sets a new password; the holder must change it at the next sign-in."""
    await _check_password(deps, cmd.new_password)
    account = await _account(deps, cmd.user_id)
    now = deps.clock.now()
    new_hash = await deps.hasher.hash(cmd.new_password)

    async def reset(current: model.Account) -> model.Account:
        return current.reset_password(new_hash, now)

    await _store_change(deps, account, reset)
    await _end_sessions(deps, cmd.user_id)
    await _audit(
        deps, actor, "account.password_reset", target_type="account", target_id=cmd.user_id
    )


async def change_password(cmd: ChangePassword, actor: Actor, deps: Dependencies) -> None:
    """A staff member changes their own password, proving the current one (S10.2)."""
    who = Actor(cmd.user_id, PrincipalKind.STAFF, actor.ip)
    await _limit(deps, f"password:user:{cmd.user_id.lower()}", deps.rules.sign_in_per_user)
    if actor.ip:
        await _limit(deps, f"password:ip:{actor.ip}", deps.rules.sign_in_per_ip)
    account = await _verified_account(deps, who, cmd.user_id, cmd.current_password, "password")
    policy = await _check_password(deps, cmd.new_password)
    for old in (account.password_hash, *account.password_history[: max(policy.history - 1, 0)]):
        if policy.history and await deps.hasher.verify(old, cmd.new_password):
            await _audit(deps, who, "account.password_changed", Outcome.FAILURE, reason="reused")
            raise model.PasswordPolicyError([f"used among the last {policy.history} passwords"])
    new_hash = await deps.hasher.hash(cmd.new_password)
    await deps.accounts.update(account.with_password(new_hash, policy, deps.clock.now()))
    await _end_sessions(deps, cmd.user_id)
    await _audit(deps, who, "account.password_changed", target_type="account", target_id=who.name)


async def get_policy(deps: Dependencies) -> model.PasswordPolicy:
    """The password policy in force."""
    return await deps.policies.get()


async def set_policy(cmd: SetPasswordPolicy, actor: Actor, deps: Dependencies) -> None:
    """An administrator sets the password policy (S10.5, S10.7)."""
    await deps.policies.set(cmd.policy)
    p = cmd.policy
    await _audit(
        deps,
        actor,
        "settings.password_policy_changed",
        target_type="settings",
        target_id="password_policy",
        min_length=p.min_length,
        required_classes=",".join(sorted(p.required_classes)),
        history=p.history,
        max_age_days=p.max_age_days,
        lockout_threshold=p.lockout_threshold,
        lockout_minutes=p.lockout_minutes,
    )


# --- sign-in sessions (S10.1) ------------------------------------------------------------------


async def _record_failure(
    deps: Dependencies, account: model.Account, policy: model.PasswordPolicy
) -> model.Account:
    """Count a failure; re-read and count again when a concurrent write changed the account
    (parallel wrong guesses are each counted, S10.1)."""

    async def fail(current: model.Account) -> model.Account:
        return current.sign_in_failed(policy, deps.clock.now())

    try:
        _, failed = await _store_change(deps, account, fail)
    except model.ConcurrentUpdateError:
        log.warning("A failed sign-in was not counted: the account kept changing")
        return account
    return failed


async def _verified_account(
    deps: Dependencies, who: Actor, user_id: str, password: str, purpose: str
) -> model.Account:
    """The account whose password this is; counts failures and locks out at the threshold."""
    action = "session.sign_in" if purpose == "sign-in" else "account.password_changed"
    account = await deps.accounts.get(user_id)
    if account is None:
        await deps.hasher.dummy_verify()
        unknown = Actor("unknown", None, who.ip)
        await _audit(deps, unknown, action, Outcome.FAILURE, reason="unknown-user")
        raise model.InvalidCredentialsError
    now = deps.clock.now()
    try:
        account.check_can_sign_in(now)
    except model.DomainError as refused:
        reason = {
            model.AccountLockedError: "locked",
            model.AccountLockedOutError: "locked-out",
            model.AccountExpiredError: "expired",
        }[type(refused)]
        await _audit(deps, who, action, Outcome.FAILURE, reason=reason)
        raise
    if not await deps.hasher.verify(account.password_hash, password):
        policy = await deps.policies.get()
        failed = await _record_failure(deps, account, policy)
        await _audit(deps, who, action, Outcome.FAILURE, reason="wrong-password")
        if failed.locked_out_until is not None:
            log.warning("An account is locked out after consecutive failed sign-ins")
            await _audit(
                deps,
                who,
                "account.locked_out",
                target_type="account",
                target_id=account.user_id,
                failures=policy.lockout_threshold,
            )
            raise model.AccountLockedOutError(failed.locked_out_until)
        raise model.InvalidCredentialsError
    return account


async def sign_in(cmd: SignIn, actor: Actor, deps: Dependencies) -> IssuedTokens:
    """Check the password and open a session: an access token and a refresh token."""
    await _limit(deps, f"sign-in:user:{cmd.user_id.lower()}", deps.rules.sign_in_per_user)
    if actor.ip:
        await _limit(deps, f"sign-in:ip:{actor.ip}", deps.rules.sign_in_per_ip)
    who = Actor(cmd.user_id, PrincipalKind.STAFF, actor.ip)
    account = await _verified_account(deps, who, cmd.user_id, cmd.password, "sign-in")
    policy = await deps.policies.get()
    now = deps.clock.now()
    if account.failed_attempts or account.locked_out_until is not None:
        account = account.signed_in()
        with contextlib.suppress(model.ConcurrentUpdateError):  # a racing attempt wrote first
            await deps.accounts.update(account)
    if deps.hasher.needs_rehash(account.password_hash):
        rehashed = account.rehashed(await deps.hasher.hash(cmd.password))
        with contextlib.suppress(model.ConcurrentUpdateError):
            await deps.accounts.update(rehashed)
            account = rehashed
    if account.must_change_password or policy.password_expired(account.password_changed_at, now):
        await _audit(
            deps, who, "session.sign_in", Outcome.FAILURE, reason="password-change-required"
        )
        raise model.PasswordChangeRequiredError(account.user_id)
    refresh_token, session = _new_session(deps, account.user_id, now)
    await deps.sessions.add(session)
    account = await _still_allowed(deps, who, account, session)
    await _audit(deps, who, "session.sign_in", target_type="session", target_id=session.session_id)
    log.info("Signed in")
    return _staff_tokens(deps, account, session, refresh_token, now)


async def _still_allowed(
    deps: Dependencies, who: Actor, checked: model.Account, session: model.Session
) -> model.Account:
    """The account as it is now that its new session is stored.

    An administrator may have locked, deleted or changed the account, or reset its password,
    while the password was being checked (S10.5); ending the sessions then missed this one,
    which is ended here. Otherwise the tokens carry the role and shelters as they are now.
    """
    current = await deps.accounts.get(checked.user_id)
    try:
        if current is None or current.password_hash != checked.password_hash:
            raise model.InvalidCredentialsError
        current.check_can_sign_in(deps.clock.now())
    except model.DomainError:
        await deps.sessions.revoke(session.session_id, deps.clock.now())
        await _audit(deps, who, "session.sign_in", Outcome.FAILURE, reason="account-changed")
        raise
    return current


def _new_session(deps: Dependencies, user_id: str, now: datetime) -> tuple[str, model.Session]:
    session_id = uuid.uuid4().hex
    token = f"{session_id}.{_new_secret()}"
    session = model.Session(
        session_id=session_id,
        user_id=user_id,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + deps.rules.session_ttl,
    )
    return token, session


def _staff_tokens(
    deps: Dependencies,
    account: model.Account,
    session: model.Session,
    refresh_token: str,
    now: datetime,
) -> IssuedTokens:
    access = deps.signer.sign(
        _claims(
            deps,
            now,
            sub=account.user_id,
            kind=PrincipalKind.STAFF.value,
            role=account.role.value,
            shelters=list(account.shelters),
            cid=session.session_id,
        )
    )
    return IssuedTokens(
        access_token=access,
        expires_in=int(deps.rules.access_ttl.total_seconds()),
        kind=PrincipalKind.STAFF,
        subject=account.user_id,
        role=account.role,
        shelters=account.shelters,
        refresh_token=refresh_token,
        session_id=session.session_id,
        session_expires_at=session.expires_at,
    )


async def refresh(cmd: Refresh, actor: Actor, deps: Dependencies) -> IssuedTokens:
    """Swap a refresh token for new tokens; a reused refresh token ends its session."""
    session_id, _ = _split(cmd.refresh_token)
    session = await deps.sessions.get(session_id) if session_id else None
    now = deps.clock.now()
    if session is None or session.revoked_at is not None or now >= session.expires_at:
        raise model.InvalidRefreshTokenError
    who = Actor(session.user_id, PrincipalKind.STAFF, actor.ip)
    presented = _digest(cmd.refresh_token)
    new_token = f"{session_id}.{_new_secret()}"
    rotated = hmac.compare_digest(presented, session.token_hash) and await deps.sessions.rotate(
        session_id, presented, _digest(new_token), now
    )
    if not rotated:
        await deps.sessions.revoke(session_id, now)
        await _revoke_ids(deps, [session_id])
        log.warning("A refresh token was used twice: its session is revoked")
        await _audit(
            deps,
            who,
            "session.refresh_reused",
            Outcome.FAILURE,
            target_type="session",
            target_id=session_id,
        )
        raise model.RefreshTokenReusedError(session_id)
    account = await deps.accounts.get(session.user_id)
    try:
        if account is None:
            raise model.InvalidRefreshTokenError
        account.check_can_sign_in(now)
    except model.DomainError:
        await deps.sessions.revoke(session_id, now)
        raise
    return _staff_tokens(deps, account, session, new_token, now)


async def sign_out(cmd: SignOut, actor: Actor, deps: Dependencies) -> None:
    """End a session: its refresh token and its access tokens stop working everywhere."""
    session_id = cmd.session_id
    if cmd.refresh_token:
        candidate, _ = _split(cmd.refresh_token)
        session = await deps.sessions.get(candidate)
        if session is not None and hmac.compare_digest(
            session.token_hash, _digest(cmd.refresh_token)
        ):
            session_id = candidate
    if session_id is None:
        return
    await deps.sessions.revoke(session_id, deps.clock.now())
    await _revoke_ids(deps, [i for i in (session_id, cmd.access_token_id) if i])
    await _audit(deps, actor, "session.signed_out", target_type="session", target_id=session_id)


async def _end_sessions(deps: Dependencies, user_id: str) -> None:
    ended = await deps.sessions.revoke_all(user_id, deps.clock.now())
    await _revoke_ids(deps, ended)


async def revoked_ids(deps: Dependencies) -> list[str]:
    """Token and credential ids that every service must refuse now."""
    return await deps.revocations.current(deps.clock.now())


# --- kiosk tokens (S10.7) ----------------------------------------------------------------------


async def issue_kiosk_token(cmd: IssueKioskToken, actor: Actor, deps: Dependencies) -> IssuedSecret:
    """Issue a kiosk token bound to one shelter; the token is shown once."""
    token_id = secrets.token_hex(8)
    token = f"{token_id}.{_new_secret()}"
    now = deps.clock.now()
    await deps.kiosk_tokens.add(
        model.KioskToken(
            token_id=token_id,
            shelter_id=cmd.shelter_id,
            label=cmd.label,
            secret_hash=_digest(token),
            created_at=now,
            created_by=actor.name,
        )
    )
    await _audit(
        deps,
        actor,
        "kiosk_token.issued",
        target_type="kiosk_token",
        target_id=token_id,
        shelter_id=cmd.shelter_id,
    )
    return IssuedSecret(token_id, token, {"shelter_id": cmd.shelter_id, "created_at": now})


async def list_kiosk_tokens(deps: Dependencies) -> list[model.KioskToken]:
    """Every kiosk token with its last use."""
    return await deps.kiosk_tokens.list()


async def revoke_kiosk_token(cmd: RevokeKioskToken, actor: Actor, deps: Dependencies) -> None:
    """Revoke a kiosk token: exchanges fail and its access tokens are refused everywhere."""
    token = await deps.kiosk_tokens.get(cmd.token_id)
    if token is None or not await deps.kiosk_tokens.revoke(cmd.token_id, deps.clock.now()):
        raise model.UnknownCredentialError(cmd.token_id)
    await _revoke_ids(deps, [cmd.token_id])
    await _audit(
        deps,
        actor,
        "kiosk_token.revoked",
        target_type="kiosk_token",
        target_id=cmd.token_id,
        shelter_id=token.shelter_id,
    )


async def exchange_kiosk_token(
    cmd: ExchangeKioskToken, actor: Actor, deps: Dependencies
) -> IssuedTokens:
    """Swap a kiosk token for a short-lived access token of its shelter."""
    if actor.ip:
        await _limit(deps, f"kiosk:ip:{actor.ip}", deps.rules.sign_in_per_ip)
    token_id, _ = _split(cmd.token)
    token = await deps.kiosk_tokens.get(token_id) if token_id else None
    if (
        token is None
        or token.revoked_at is not None
        or not hmac.compare_digest(token.secret_hash, _digest(cmd.token))
    ):
        unknown = Actor("unknown", PrincipalKind.KIOSK, actor.ip)
        await _audit(
            deps, unknown, "kiosk_token.exchanged", Outcome.FAILURE, reason="invalid-or-revoked"
        )
        raise model.UnknownCredentialError(token_id)
    now = deps.clock.now()
    await deps.kiosk_tokens.touch(token_id, now)
    subject = f"kiosk:{token_id}"
    access = deps.signer.sign(
        _claims(
            deps,
            now,
            sub=subject,
            kind=PrincipalKind.KIOSK.value,
            shelters=[token.shelter_id],
            cid=token_id,
        )
    )
    await _audit(
        deps,
        Actor(subject, PrincipalKind.KIOSK, actor.ip),
        "kiosk_token.exchanged",
        target_type="kiosk_token",
        target_id=token_id,
        shelter_id=token.shelter_id,
    )
    return IssuedTokens(
        access_token=access,
        expires_in=int(deps.rules.access_ttl.total_seconds()),
        kind=PrincipalKind.KIOSK,
        subject=subject,
        shelters=(token.shelter_id,),
    )


# --- integration clients (S17) -----------------------------------------------------------------


async def create_client(cmd: CreateClient, actor: Actor, deps: Dependencies) -> IssuedSecret:
    """Register an integration client; its secret is shown once."""
    model.check_scopes(cmd.scopes)
    client_id = f"cl_{secrets.token_hex(8)}"
    secret = _new_secret()
    now = deps.clock.now()
    await deps.clients.add(
        model.IntegrationClient(
            client_id=client_id,
            name=cmd.name,
            scopes=cmd.scopes,
            secret_hash=_digest(secret),
            created_at=now,
            created_by=actor.name,
        )
    )
    await _audit(
        deps,
        actor,
        "client.created",
        target_type="client",
        target_id=client_id,
        scopes=" ".join(sorted(cmd.scopes)),
    )
    return IssuedSecret(client_id, secret, {"scopes": sorted(cmd.scopes), "created_at": now})


async def list_clients(deps: Dependencies) -> list[model.IntegrationClient]:
    """Every integration client."""
    return await deps.clients.list()


async def revoke_client(cmd: RevokeClient, actor: Actor, deps: Dependencies) -> None:
    """Revoke a client: no new tokens, and its access tokens are refused everywhere."""
    if not await deps.clients.revoke(cmd.client_id, deps.clock.now()):
        raise model.UnknownCredentialError(cmd.client_id)
    await _revoke_ids(deps, [cmd.client_id])
    await _audit(deps, actor, "client.revoked", target_type="client", target_id=cmd.client_id)


async def issue_client_token(
    cmd: IssueClientToken, actor: Actor, deps: Dependencies
) -> IssuedTokens:
    """OAuth 2.0 client credentials grant: an access token with the client's scopes."""
    await _limit(deps, f"token:client:{cmd.client_id}", deps.rules.sign_in_per_user)
    if actor.ip:
        await _limit(deps, f"token:ip:{actor.ip}", deps.rules.sign_in_per_ip)
    client = await deps.clients.get(cmd.client_id)
    subject = f"client:{cmd.client_id}"
    who = Actor(subject, PrincipalKind.INTEGRATION, actor.ip)
    if (
        client is None
        or client.revoked_at is not None
        or not hmac.compare_digest(client.secret_hash, _digest(cmd.client_secret))
    ):
        await _audit(deps, who, "client.token_issued", Outcome.FAILURE, reason="invalid-client")
        raise model.UnknownCredentialError(cmd.client_id)
    scopes = client.scopes if cmd.scopes is None else cmd.scopes
    if not scopes <= client.scopes:
        raise model.InvalidScopeError(sorted(scopes - client.scopes))
    now = deps.clock.now()
    await deps.clients.touch(cmd.client_id, now)
    access = deps.signer.sign(
        _claims(
            deps,
            now,
            sub=subject,
            kind=PrincipalKind.INTEGRATION.value,
            scope=" ".join(sorted(scopes)),
            cid=cmd.client_id,
        )
    )
    await _audit(deps, who, "client.token_issued", target_type="client", target_id=cmd.client_id)
    return IssuedTokens(
        access_token=access,
        expires_in=int(deps.rules.access_ttl.total_seconds()),
        kind=PrincipalKind.INTEGRATION,
        subject=subject,
        scopes=tuple(sorted(scopes)),
    )


# --- audit trail (S10.8) -----------------------------------------------------------------------


async def record_audit(cmd: RecordAudit, deps: Dependencies) -> model.AuditRecord:
    """Store an audit record sent by another service (named by its client's name)."""
    client = await deps.clients.get(cmd.service)
    record = model.AuditRecord(
        record_id=uuid.uuid4().hex,
        at=cmd.at or deps.clock.now(),
        service=client.name if client else cmd.service,
        action=cmd.action,
        outcome=Outcome(cmd.outcome),
        actor=cmd.actor,
        actor_kind=cmd.actor_kind,
        ip=cmd.ip,
        target_type=cmd.target_type,
        target_id=cmd.target_id,
        shelter_id=cmd.shelter_id,
        details=cmd.details,
    )
    await deps.audit.append(record)
    return record


async def store_audit_event(event: AuditRecorded, deps: Dependencies) -> bool:
    """Keep an audit record published by another service, once per event id (S10.8)."""
    kinds = {k.value: k for k in PrincipalKind}
    record = model.AuditRecord(
        record_id=str(event.event_id),
        at=event.occurred_at,
        service=event.producer,
        action=event.action,
        outcome=Outcome(event.outcome.value),
        actor=event.actor or "anonymous",
        actor_kind=kinds.get(event.actor_kind or ""),
        ip=event.ip,
        target_type=event.target_type,
        target_id=event.target_id,
        shelter_id=event.shelter_id,
        details=tuple(sorted(event.details.items())),
    )
    return await deps.audit.add_once(record)


async def audit_between(
    start: datetime, end: datetime, limit: int, deps: Dependencies
) -> list[model.AuditRecord]:
    """The audit records of a period, oldest first."""
    return await deps.audit.between(start, end, limit)


async def record_download(actor: Actor, deps: Dependencies, start: datetime, end: datetime) -> None:
    """Reading the audit trail is itself audited."""
    await _audit(
        deps,
        actor,
        "audit.downloaded",
        target_type="audit",
        start=start.isoformat(),
        end=end.isoformat(),
    )

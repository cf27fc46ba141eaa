"""HTTP routes: parse, authorise, build a command, call the handler, map the result or refusal."""

from __future__ import annotations

import base64
import csv
import io
import json
import secrets
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from shelter_auth.domain import model
from shelter_auth.domain.commands import (
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
from shelter_auth.entrypoints.deps import (
    Administrator,
    AnyStaff,
    AuditWriter,
    Deps,
    SettingsDep,
    actor_of,
    refusal,
)
from shelter_auth.entrypoints.schemas import (
    AccountCreate,
    AccountPublic,
    AccountUpdate,
    AuditRecordCreate,
    AuditRecordPublic,
    ClientCreate,
    ClientIssued,
    ClientPublic,
    KioskTokenCreate,
    KioskTokenExchange,
    KioskTokenIssued,
    KioskTokenPublic,
    Me,
    PasswordChange,
    PasswordPolicyBody,
    PasswordReset,
    RefreshRequest,
    Revoked,
    SignInRequest,
    TokenResponse,
)
from shelter_auth.service_layer import handlers
from shelter_runtime.http import JsonBody
from shelter_runtime.problems import ProblemError
from shelter_runtime.security import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    TokenRejectedError,
    Verifier,
    access_token_of,
    verify_csrf,
)

T = TypeVar("T")
REFRESH_COOKIE = "__Secure-shelter-refresh"
#: How often other services should fetch the revocation list.
REVOCATION_REFRESH_SECONDS = 5

sessions = APIRouter(tags=["sessions"])
accounts = APIRouter(prefix="/accounts", tags=["accounts"])
settings_router = APIRouter(prefix="/settings", tags=["settings"])
kiosk_tokens = APIRouter(prefix="/kiosk-tokens", tags=["kiosk tokens"])
clients = APIRouter(tags=["integration clients"])
audit = APIRouter(prefix="/audit", tags=["audit"])

UserPath = Annotated[str, Path(max_length=64)]
CredentialPath = Annotated[str, Path(max_length=64)]


async def _run(call: Awaitable[T]) -> T:
    try:
        return await call
    except model.DomainError as error:
        raise refusal(error) from error


# --- sessions (S10.1, S10.2) ------------------------------------------------------------------


def _token_response(issued: handlers.IssuedTokens, *, in_body: bool = True) -> TokenResponse:
    return TokenResponse(
        access_token=issued.access_token if in_body else None,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token if in_body else None,
        session_expires_at=issued.session_expires_at,
        kind=issued.kind,
        subject=issued.subject,
        role=issued.role,
        shelters=list(issued.shelters),
        scope=" ".join(issued.scopes) or None,
    )


def _cookie_session(
    issued: handlers.IssuedTokens, settings: SettingsDep, csrf_token: str
) -> JSONResponse:
    body = _token_response(issued, in_body=False)
    body.csrf_token = csrf_token
    response = JSONResponse(body.model_dump(mode="json", exclude_none=True))
    secure = settings.cookie_secure
    session_seconds = settings.session_hours * 3600
    response.set_cookie(
        ACCESS_COOKIE,
        issued.access_token,
        max_age=issued.expires_in,
        path="/",
        httponly=True,
        secure=secure,
        samesite="strict",
    )
    assert issued.refresh_token is not None
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=session_seconds,
        path=settings.refresh_cookie_path,
        httponly=True,
        secure=secure,
        samesite="strict",
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token (double submit).
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token,
        max_age=session_seconds,
        path="/",
        httponly=False,
        secure=secure,
        samesite="strict",
    )
    return response


@sessions.post(
    "/sign-in",
    dependencies=[JsonBody],
    responses={401: {"description": "Wrong user id or password"}, 403: {}, 429: {}},
)
async def sign_in(
    body: SignInRequest, request: Request, deps: Deps, settings: SettingsDep
) -> Response:
    """Sign in with user id and password (S10.1): an access token and a refresh token."""
    cmd = SignIn(user_id=body.user_id, password=body.password)
    issued = await _run(handlers.sign_in(cmd, actor_of(None, request), deps))
    if body.cookie:
        return _cookie_session(issued, settings, secrets.token_urlsafe(32))
    return JSONResponse(_token_response(issued).model_dump(mode="json", exclude_none=True))


@sessions.post("/refresh", responses={401: {"description": "Session ended"}})
async def refresh(request: Request, deps: Deps, settings: SettingsDep) -> Response:
    """New tokens for a refresh token (body or cookie); the refresh token is rotated."""
    body = await _optional_body(request, RefreshRequest)
    token = body.refresh_token if body else None
    from_cookie = token is None
    if from_cookie:
        token = request.cookies.get(REFRESH_COOKIE)
        verify_csrf(request)
    if not token:
        raise refusal(model.InvalidRefreshTokenError())
    issued = await _run(handlers.refresh(Refresh(token), actor_of(None, request), deps))
    if from_cookie:
        return _cookie_session(issued, settings, request.cookies.get(CSRF_COOKIE, ""))
    return JSONResponse(_token_response(issued).model_dump(mode="json", exclude_none=True))


@sessions.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(request: Request, deps: Deps, settings: SettingsDep) -> Response:
    """End the session: its refresh token and access tokens are refused from now on."""
    body = await _optional_body(request, RefreshRequest)
    refresh_token = body.refresh_token if body else None
    if refresh_token is None and REFRESH_COOKIE in request.cookies:
        verify_csrf(request)
        refresh_token = request.cookies[REFRESH_COOKIE]
    session_id = token_id = None
    principal = None
    found = access_token_of(request)
    if found is not None:
        verifier: Verifier = request.app.state.verifier
        try:
            principal = await verifier.verify(found[0])
            session_id, token_id = principal.credential_id, principal.token_id
        except TokenRejectedError:
            principal = None
    cmd = SignOut(refresh_token=refresh_token, session_id=session_id, access_token_id=token_id)
    await _run(handlers.sign_out(cmd, actor_of(principal, request), deps))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    for name, path in (
        (ACCESS_COOKIE, "/"),
        (CSRF_COOKIE, "/"),
        (REFRESH_COOKIE, settings.refresh_cookie_path),
    ):
        response.delete_cookie(
            name, path=path, secure=settings.cookie_secure, httponly=True, samesite="strict"
        )
    return response


@sessions.post("/password", status_code=status.HTTP_204_NO_CONTENT, dependencies=[JsonBody])
async def change_password(body: PasswordChange, request: Request, deps: Deps) -> None:
    """Change one's own password with the current one (S10.2); every session ends."""
    cmd = ChangePassword(body.user_id, body.current_password, body.new_password)
    await _run(handlers.change_password(cmd, actor_of(None, request), deps))


@sessions.get("/me")
async def me(principal: AnyStaff) -> Me:
    """Who the access token belongs to."""
    return Me(
        subject=principal.sub,
        kind=principal.kind.value,
        role=principal.role.value if principal.role else None,
        shelters=sorted(principal.shelters),
        expires_at=principal.expires_at,
    )


@sessions.get("/.well-known/jwks.json")
async def jwks(deps: Deps) -> JSONResponse:
    """The public keys that verify access tokens (JWKS, by kid)."""
    # Public keys may be cached briefly; verifiers refetch on an unknown kid anyway.
    return JSONResponse(deps.signer.jwks(), headers={"Cache-Control": "public, max-age=300"})


@sessions.get("/revocations")
async def revocations(deps: Deps) -> Revoked:
    """Revoked token ids and credential ids; services refresh it every few seconds."""
    return Revoked(
        revoked=await handlers.revoked_ids(deps), refresh_seconds=REVOCATION_REFRESH_SECONDS
    )


async def _optional_body(request: Request, schema: type[RefreshRequest]) -> RefreshRequest | None:
    raw = await request.body()
    if not raw:
        return None
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise ProblemError.for_status(415, detail="Send application/json or no body")
    try:
        return schema.model_validate_json(raw)
    except ValueError as exc:
        raise ProblemError.for_status(422) from exc


# --- accounts (S10.5) -------------------------------------------------------------------------


@accounts.get("")
async def list_accounts(_: Administrator, deps: Deps) -> list[AccountPublic]:
    """Every staff account."""
    return [AccountPublic.of(a) for a in await handlers.list_accounts(deps)]


@accounts.post("", status_code=status.HTTP_201_CREATED, dependencies=[JsonBody])
async def create_account(
    body: AccountCreate, admin: Administrator, request: Request, deps: Deps
) -> AccountPublic:
    """Create an account; its holder changes the initial password at the first sign-in."""
    cmd = CreateAccount(
        user_id=body.user_id,
        display_name=body.display_name,
        role=model.Role(body.role.value),
        password=body.password,
        shelters=tuple(body.shelters),
        expires_at=body.expires_at,
    )
    return AccountPublic.of(
        await _run(handlers.create_account(cmd, actor_of(admin, request), deps))
    )


@accounts.get("/{user_id}")
async def get_account(user_id: UserPath, _: Administrator, deps: Deps) -> AccountPublic:
    """One staff account."""
    return AccountPublic.of(await _run(handlers.get_account(user_id, deps)))


@accounts.patch("/{user_id}", dependencies=[JsonBody])
async def edit_account(
    user_id: UserPath, body: AccountUpdate, admin: Administrator, request: Request, deps: Deps
) -> AccountPublic:
    """Edit role, shelters, expiry, name or the emergency lock; sessions end on a change."""
    given = body.model_fields_set
    changes = model.AccountChanges(
        display_name=body.display_name,
        role=model.Role(body.role.value) if body.role else None,
        shelters=tuple(body.shelters) if body.shelters is not None else None,
        expires_at=body.expires_at if "expires_at" in given else model.UNCHANGED,
        locked=body.locked,
    )
    cmd = EditAccount(user_id, changes)
    return AccountPublic.of(await _run(handlers.edit_account(cmd, actor_of(admin, request), deps)))


@accounts.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(
    user_id: UserPath, admin: Administrator, request: Request, deps: Deps
) -> None:
    """Delete an account and end its sessions."""
    await _run(handlers.delete_account(DeleteAccount(user_id), actor_of(admin, request), deps))


@accounts.post("/{user_id}/unlock")
async def unlock_account(
    user_id: UserPath, admin: Administrator, request: Request, deps: Deps
) -> AccountPublic:
    """Lift an emergency lock or a lock-out after failed sign-ins."""
    cmd = UnlockAccount(user_id)
    return AccountPublic.of(
        await _run(handlers.unlock_account(cmd, actor_of(admin, request), deps))
    )


@accounts.post(
    "/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT, dependencies=[JsonBody]
)
async def reset_password(
    user_id: UserPath, body: PasswordReset, admin: Administrator, request: Request, deps: Deps
) -> None:
    """Set a new password for a staff member, who must change it at the next sign-in."""
    cmd = ResetPassword(user_id, body.new_password)
    await _run(handlers.reset_password(cmd, actor_of(admin, request), deps))


# --- settings (S10.7) -------------------------------------------------------------------------


@settings_router.get("/password-policy")
async def get_password_policy(_: Administrator, deps: Deps) -> PasswordPolicyBody:
    """The password policy in force."""
    return PasswordPolicyBody.of(await handlers.get_policy(deps))


@settings_router.put("/password-policy", dependencies=[JsonBody])
async def set_password_policy(
    body: PasswordPolicyBody, admin: Administrator, request: Request, deps: Deps
) -> PasswordPolicyBody:
    """Set the password policy: length, character classes, history, age, lock-out."""
    cmd = SetPasswordPolicy(body.to_policy())
    await _run(handlers.set_policy(cmd, actor_of(admin, request), deps))
    return body


# --- kiosk tokens (S10.7) ---------------------------------------------------------------------


@kiosk_tokens.post("", status_code=status.HTTP_201_CREATED, dependencies=[JsonBody])
async def issue_kiosk_token(
    body: KioskTokenCreate, admin: Administrator, request: Request, deps: Deps
) -> KioskTokenIssued:
    """Issue a kiosk token bound to one shelter; the token is shown only in this answer."""
    cmd = IssueKioskToken(body.shelter_id, body.label)
    issued = await _run(handlers.issue_kiosk_token(cmd, actor_of(admin, request), deps))
    return KioskTokenIssued(
        token_id=issued.credential_id,
        token=issued.secret,
        shelter_id=body.shelter_id,
        label=body.label,
        created_at=issued.details["created_at"],
    )


@kiosk_tokens.get("")
async def list_kiosk_tokens(_: Administrator, deps: Deps) -> list[KioskTokenPublic]:
    """Kiosk tokens with their shelter, creation and last use."""
    return [
        KioskTokenPublic(
            token_id=t.token_id,
            shelter_id=t.shelter_id,
            label=t.label,
            created_at=t.created_at,
            created_by=t.created_by,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )
        for t in await handlers.list_kiosk_tokens(deps)
    ]


@kiosk_tokens.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_kiosk_token(
    token_id: CredentialPath, admin: Administrator, request: Request, deps: Deps
) -> None:
    """Revoke a kiosk token; every service refuses its access tokens within seconds."""
    try:
        await handlers.revoke_kiosk_token(
            RevokeKioskToken(token_id), actor_of(admin, request), deps
        )
    except model.UnknownCredentialError as exc:
        raise ProblemError.for_status(404, "No live kiosk token with this id") from exc


@kiosk_tokens.post("/exchange", dependencies=[JsonBody])
async def exchange_kiosk_token(
    body: KioskTokenExchange, request: Request, deps: Deps
) -> TokenResponse:
    """A kiosk swaps its token for a short-lived access token of its shelter."""
    cmd = ExchangeKioskToken(body.token)
    return _token_response(
        await _run(handlers.exchange_kiosk_token(cmd, actor_of(None, request), deps))
    )


# --- integration clients ----------------------------------------------------------------------


@clients.post("/clients", status_code=status.HTTP_201_CREATED, dependencies=[JsonBody])
async def create_client(
    body: ClientCreate, admin: Administrator, request: Request, deps: Deps
) -> ClientIssued:
    """Register an integration client; the secret is shown only in this answer."""
    cmd = CreateClient(body.name, frozenset(body.scopes))
    issued = await _run(handlers.create_client(cmd, actor_of(admin, request), deps))
    return ClientIssued(
        client_id=issued.credential_id,
        client_secret=issued.secret,
        name=body.name,
        scopes=issued.details["scopes"],
        created_at=issued.details["created_at"],
    )


@clients.get("/clients")
async def list_clients(_: Administrator, deps: Deps) -> list[ClientPublic]:
    """Integration clients with their scopes and last use."""
    return [
        ClientPublic(
            client_id=c.client_id,
            name=c.name,
            scopes=sorted(c.scopes),
            created_at=c.created_at,
            created_by=c.created_by,
            last_used_at=c.last_used_at,
            revoked_at=c.revoked_at,
        )
        for c in await handlers.list_clients(deps)
    ]


@clients.delete("/clients/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_client(
    client_id: CredentialPath, admin: Administrator, request: Request, deps: Deps
) -> None:
    """Revoke a client; every service refuses its access tokens within seconds."""
    try:
        await handlers.revoke_client(RevokeClient(client_id), actor_of(admin, request), deps)
    except model.UnknownCredentialError as exc:
        raise ProblemError.for_status(404, "No live client with this id") from exc


@clients.post("/token")
async def client_token(request: Request, deps: Deps) -> TokenResponse:
    """OAuth 2.0 client credentials grant (RFC 6749 4.4), form-encoded or JSON."""
    fields = await _token_request_fields(request)
    if fields.get("grant_type") != "client_credentials":
        raise ProblemError(
            400,
            "unsupported-grant-type",
            "Only grant_type=client_credentials is supported",
            "grant_type には client_credentials を指定してください",
            error="unsupported_grant_type",
        )
    client_id, client_secret = fields.get("client_id", ""), fields.get("client_secret", "")
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(basic[6:].strip(), validate=True).decode()
        except ValueError as exc:
            raise ProblemError.for_status(400, "Malformed Basic credentials") from exc
        client_id, _, client_secret = decoded.partition(":")
    if not client_id or not client_secret or len(client_id) > 64 or len(client_secret) > 200:
        raise refusal(model.UnknownCredentialError(client_id[:64]))
    scope = fields.get("scope")
    cmd = IssueClientToken(
        client_id, client_secret, frozenset(scope.split()) if scope is not None else None
    )
    return _token_response(
        await _run(handlers.issue_client_token(cmd, actor_of(None, request), deps))
    )


async def _token_request_fields(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    raw = await request.body()
    if content_type == "application/x-www-form-urlencoded":
        parsed = parse_qs(raw.decode(errors="replace"), max_num_fields=10)
        return {k: v[0] for k, v in parsed.items()}
    if content_type == "application/json":
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise ProblemError.for_status(422) from exc
        if isinstance(body, dict):
            return {str(k): str(v) for k, v in body.items() if isinstance(v, str)}
        raise ProblemError.for_status(422)
    raise ProblemError.for_status(415, detail="Send application/x-www-form-urlencoded")


# --- audit trail (S10.8) ----------------------------------------------------------------------

_CSV_COLUMNS = (
    "at",
    "service",
    "action",
    "outcome",
    "actor",
    "actor_kind",
    "ip",
    "target_type",
    "target_id",
    "shelter_id",
    "details",
)


def _cell(value: str) -> str:
    # A spreadsheet would run a cell starting with = + - @ as a formula (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv(records: list[AuditRecordPublic]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for r in records:
        row = r.model_dump(mode="json")
        row["details"] = ";".join(f"{k}={v}" for k, v in sorted(r.details.items()))
        writer.writerow([_cell(str(row[c] if row[c] is not None else "")) for c in _CSV_COLUMNS])
    return out.getvalue()


@audit.get("", responses={200: {"content": {"text/csv": {}}}})
async def audit_trail(
    admin: Administrator,
    request: Request,
    deps: Deps,
    start: Annotated[datetime, Query(alias="from", description="Inclusive, ISO 8601")],
    end: Annotated[datetime | None, Query(alias="to", description="Exclusive")] = None,
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> Response:
    """The audit records of a period, as JSON or a CSV download (S10.8)."""
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    end = end or deps.clock.now()
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    if end <= start or end - start > timedelta(days=366):
        raise ProblemError.for_status(422, "`to` must follow `from`, at most a year later")
    records = [
        AuditRecordPublic.of(r) for r in await handlers.audit_between(start, end, limit, deps)
    ]
    await handlers.record_download(actor_of(admin, request), deps, start, end)
    if output == "csv":
        name = f"audit-{start:%Y%m%dT%H%M%S}-{end:%Y%m%dT%H%M%S}.csv"
        return Response(
            # BOM: Excel in Japanese Windows otherwise reads UTF-8 as Shift_JIS.
            "\ufeff" + _csv(records),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse([r.model_dump(mode="json") for r in records])


@audit.post("", status_code=status.HTTP_201_CREATED, dependencies=[JsonBody])
async def record_audit(
    body: AuditRecordCreate, client: AuditWriter, deps: Deps
) -> AuditRecordPublic:
    """Record an audit event of another service (roster edit, export, disaster close)."""
    cmd = RecordAudit(
        service=client.credential_id,
        action=body.action,
        outcome=body.outcome.value,
        actor=body.actor,
        actor_kind=body.actor_kind,
        ip=body.ip,
        target_type=body.target_type,
        target_id=body.target_id,
        shelter_id=body.shelter_id,
        details=tuple(sorted((k, str(v)) for k, v in body.details.items())),
        at=body.at,
    )
    return AuditRecordPublic.of(await handlers.record_audit(cmd, deps))

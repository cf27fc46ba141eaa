"""What the routes share: handler dependencies, who calls, from where, and refusal mapping."""

from __future__ import annotations

import ipaddress
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from shelter_auth.config import Settings
from shelter_auth.domain import model
from shelter_auth.domain.commands import Actor
from shelter_auth.service_layer import handlers
from shelter_runtime.problems import ProblemError
from shelter_runtime.security import Principal, PrincipalKind, Role, require


def get_deps(request: Request) -> handlers.Dependencies:
    deps: handlers.Dependencies = request.app.state.deps
    return deps


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Deps = Annotated[handlers.Dependencies, Depends(get_deps)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Administrator = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]
AnyStaff = Annotated[
    Principal, Depends(require(Role.ADMINISTRATOR, Role.SHELTER_STAFF, Role.HQ_VIEWER))
]
AuditWriter = Annotated[
    Principal, Depends(require(kinds=(PrincipalKind.INTEGRATION,), scope="audit:write"))
]


def client_ip(request: Request) -> str | None:
    """The client's address: the last X-Forwarded-For hop when a local proxy (the gateway) sent
    the request, else the peer. Earlier hops are whatever the client wrote, so they are ignored.
    """
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    if hops and (peer is None or _is_proxy(peer)):
        return hops[-1][:64]
    return peer


def _is_proxy(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # "testclient" and other non-addresses come from in-process transports
    return address.is_loopback or address.is_private


def actor_of(principal: Principal | None, request: Request) -> Actor:
    ip = client_ip(request)
    if principal is None:
        return Actor("anonymous", None, ip)
    return Actor(principal.sub, model.PrincipalKind(principal.kind.value), ip)


class LocalRevocations:
    """The auth service reads its own revocation list from its database (cached one second)."""

    def __init__(self, deps: handlers.Dependencies, max_age_seconds: float = 1.0) -> None:
        self._deps = deps
        self._max_age = max_age_seconds
        self._cached: frozenset[str] = frozenset()
        self._at = float("-inf")

    async def revoked(self) -> frozenset[str]:
        if time.monotonic() - self._at >= self._max_age:
            self._cached = frozenset(await handlers.revoked_ids(self._deps))
            self._at = time.monotonic()
        return self._cached


def _problem(status: int, slug: str, title: str, title_ja: str, **extra: Any) -> ProblemError:
    return ProblemError(status, slug, title, title_ja, **extra)


def refusal(error: model.DomainError) -> Exception:
    """The HTTP answer of a refused command: a problem with a stable type."""
    match error:
        case model.RateLimitedError(retry_after_seconds=retry):
            return HTTPException(
                429,
                detail=f"Too many attempts: try again in {retry} seconds",
                headers={"Retry-After": str(retry)},
            )
        case model.InvalidCredentialsError():
            return _problem(
                401,
                "invalid-credentials",
                "The user id or the password is wrong",
                "ユーザーIDまたはパスワードが正しくありません",
            )
        case model.AccountLockedOutError(until=until):
            minutes = max(1, int((until - datetime.now(UTC)).total_seconds() // 60) + 1)
            return _problem(
                403,
                "account-locked-out",
                f"Too many failed sign-ins: the account is locked for about {minutes} minutes "
                "or until an administrator unlocks it",
                f"サインインの失敗が続いたため、アカウントがロックされました。約{minutes}分後に"
                "再度お試しいただくか、管理者に解除を依頼してください",
                locked_until=until.isoformat(),
            )
        case model.AccountLockedError():
            return _problem(
                403,
                "account-locked",
                "The account is locked by an administrator",
                "このアカウントは管理者によりロックされています。管理者に連絡してください",
            )
        case model.AccountExpiredError():
            return _problem(
                403,
                "account-expired",
                "The account has expired",
                "このアカウントは有効期限が切れています。管理者に連絡してください",
            )
        case model.PasswordChangeRequiredError():
            return _problem(
                403,
                "password-change-required",
                "Change your password before signing in (POST /password)",
                "サインインの前にパスワードを変更してください",
            )
        case model.PasswordPolicyError(violations=violations):
            return _problem(
                422,
                "password-policy",
                "The password does not meet the password policy",
                "パスワードがパスワードポリシーを満たしていません",
                violations=violations,
            )
        case model.UnknownAccountError():
            return _problem(404, "unknown-account", "No such account", "アカウントが存在しません")
        case model.AccountExistsError():
            return _problem(
                409,
                "account-exists",
                "An account with this user id already exists",
                "このユーザーIDはすでに使われています",
            )
        case model.ConcurrentUpdateError():
            return _problem(
                409,
                "concurrent-update",
                "The account was changed by someone else; reload and try again",
                "他の操作でアカウントが変更されました。再読み込みしてからやり直してください",
            )
        case model.ShelterAssignmentError():
            return _problem(
                422,
                "shelter-assignment",
                "Shelter staff need at least one shelter; other roles take none",
                "避難所職員には1つ以上の避難所を割り当ててください（他の役割には割り当て不要です）",
            )
        case model.LastAdministratorError():
            return _problem(
                409,
                "last-administrator",
                "The last active administrator cannot be removed, demoted or locked",
                "最後の管理者アカウントは削除・変更・ロックできません",
            )
        case model.InvalidRefreshTokenError() | model.RefreshTokenReusedError():
            return _problem(
                401,
                "invalid-refresh-token",
                "The session has ended: sign in again",
                "セッションが終了しました。もう一度サインインしてください",
            )
        case model.UnknownCredentialError():
            return _problem(
                401,
                "invalid-credential",
                "Unknown or revoked credential",
                "認証情報が無効か、失効しています",
            )
        case model.InvalidScopeError(unknown=unknown):
            return _problem(
                422,
                "invalid-scope",
                "Unknown scope or a scope the client does not hold",
                "スコープが正しくありません",
                scopes=unknown,
            )
    raise error

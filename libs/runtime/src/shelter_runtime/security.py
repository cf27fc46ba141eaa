"""Access tokens of the auth service, verified locally in every service (S4.2, S10.1, S10.7).

The auth service signs short-lived JWTs (EdDSA/Ed25519, or ES256) and publishes its public keys
at `GET /.well-known/jwks.json`. A `Verifier` fetches and caches those keys, checks signature,
audience, issuer and expiry itself, and refuses tokens named on the auth service's revocation
list (`GET /revocations`, refreshed every few seconds, so a revoked kiosk token is refused
within seconds everywhere). FastAPI routes declare who may call them with `require(...)`:

    Staff = Annotated[Principal, Depends(require(Role.ADMINISTRATOR, Role.SHELTER_STAFF,
                                                 shelter_param="shelter_id"))]

    @router.get("/shelters/{shelter_id}/entries")
    async def entries(shelter_id: str, who: Staff) -> ...: ...

and bootstrap installs the verifier once:
`install_verifier(app, Verifier.remote(settings.auth_url, audience=settings.service_name))`.
With `from __future__ import annotations`, declare such `Annotated` aliases at module level
(FastAPI resolves the string annotations in the module's namespace).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import fastapi.routing
import httpx
import jwt
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shelter_runtime.problems import ProblemError

log = logging.getLogger(__name__)

#: `iss` of the auth service's tokens (its TOKEN_ISSUER setting).
DEFAULT_ISSUER = "shelter-checkin-auth"
#: Signature algorithms accepted; `none` and the HMAC family are never accepted.
ALGORITHMS = ("EdDSA", "ES256")
ACCESS_COOKIE = "__Host-shelter-access"
CSRF_COOKIE = "__Host-shelter-csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REQUIRED_CLAIMS = ("sub", "kind", "aud", "iss", "exp", "iat", "jti")


class Role(StrEnum):
    """A staff member's role (S10.5)."""

    ADMINISTRATOR = "administrator"
    SHELTER_STAFF = "shelter_staff"  # only the shelters assigned to the account
    HQ_VIEWER = "hq_viewer"  # headquarters (災害対策本部): reads everything, changes nothing


class PrincipalKind(StrEnum):
    """Who holds the token: a person, a kiosk device (S10.7) or an integration client (S17)."""

    STAFF = "staff"
    KIOSK = "kiosk"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller of a request."""

    sub: str
    kind: PrincipalKind
    role: Role | None = None
    shelters: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    token_id: str = ""
    #: The credential behind the token: a sign-in session, kiosk token or client id.
    credential_id: str = ""
    expires_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def all_shelters(self) -> bool:
        """Administrators and headquarters viewers see every shelter."""
        return self.kind is PrincipalKind.STAFF and self.role in (
            Role.ADMINISTRATOR,
            Role.HQ_VIEWER,
        )

    def may_access_shelter(self, shelter_id: str) -> bool:
        return self.all_shelters or shelter_id in self.shelters


class TokenRejectedError(Exception):
    """The token is not acceptable; `reason` is safe to show (it never quotes the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeySource(Protocol):
    async def keys(self, *, refresh: bool = False) -> Mapping[str, jwt.PyJWK]:
        """The verification keys by key id; `refresh` asks for a fresh copy (unknown kid)."""


class RevocationSource(Protocol):
    async def revoked(self) -> frozenset[str]:
        """Token ids and credential ids that are revoked now."""


def keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """The usable signature keys of a JWKS document, by kid; others are ignored."""
    found: dict[str, jwt.PyJWK] = {}
    for entry in jwks.get("keys", []):
        kid = entry.get("kid")
        if not kid or entry.get("use", "sig") != "sig":
            continue
        try:
            found[kid] = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            log.warning("Ignoring a JWKS key that cannot be used")
    return found


class StaticKeys:
    """Keys known in-process: the auth service's own, or a test's."""

    def __init__(self, jwks: Callable[[], Mapping[str, Any]]) -> None:
        self._jwks = jwks

    async def keys(self, *, refresh: bool = False) -> Mapping[str, jwt.PyJWK]:
        return keys_from_jwks(self._jwks())


class _Fetcher:
    def __init__(self, http: httpx.AsyncClient | None, timeout_seconds: float) -> None:
        self._http = http
        self._timeout = timeout_seconds

    async def get_json(self, url: str) -> Any:
        if self._http is not None:
            response = await self._http.get(url, timeout=self._timeout)
        else:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.get(url)
        response.raise_for_status()
        return response.json()


class RemoteKeys:
    """The auth service's JWKS over HTTP, cached; refetched on an unknown kid (key rotation)."""

    def __init__(
        self,
        url: str,
        *,
        http: httpx.AsyncClient | None = None,
        max_age_seconds: float = 600.0,
        min_refetch_seconds: float = 10.0,
        timeout_seconds: float = 3.0,
    ) -> None:
        self.url = url
        self._fetch = _Fetcher(http, timeout_seconds)
        self._max_age = max_age_seconds
        self._min_refetch = min_refetch_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()

    def _due(self, refresh: bool) -> bool:
        now = time.monotonic()
        if now - self._attempted_at < self._min_refetch:
            return False
        return refresh or now - self._fetched_at >= self._max_age

    async def keys(self, *, refresh: bool = False) -> Mapping[str, jwt.PyJWK]:
        # While a fetch is under way, wait for it: the first requests after start-up arrive
        # together and would otherwise see no keys at all.
        if not self._due(refresh) and not self._lock.locked():
            return self._keys
        async with self._lock:
            if not self._due(refresh):
                return self._keys
            self._attempted_at = time.monotonic()
            try:
                self._keys = keys_from_jwks(await self._fetch.get_json(self.url))
                self._fetched_at = self._attempted_at
            except (httpx.HTTPError, ValueError, AttributeError):
                # Keep the keys we have: tokens signed with them stay verifiable.
                log.warning("JWKS of the auth service not reachable")
        return self._keys


class RevocationListUnavailableError(Exception):
    """The revocation list is older than allowed: fail closed rather than accept revoked tokens."""


class RemoteRevocations:
    """The auth service's revocation list, refreshed at most every `refresh_seconds`."""

    def __init__(
        self,
        url: str,
        *,
        http: httpx.AsyncClient | None = None,
        refresh_seconds: float = 5.0,
        max_stale_seconds: float = 120.0,
        timeout_seconds: float = 2.0,
    ) -> None:
        self.url = url
        self._fetch = _Fetcher(http, timeout_seconds)
        self._refresh = refresh_seconds
        self._max_stale = max_stale_seconds
        self._revoked: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()

    async def revoked(self) -> frozenset[str]:
        now = time.monotonic()
        if now - self._attempted_at >= self._refresh or self._lock.locked():
            async with self._lock:
                if time.monotonic() - self._attempted_at >= self._refresh:
                    await self._load()
        if time.monotonic() - self._fetched_at > self._max_stale:
            raise RevocationListUnavailableError
        return self._revoked

    async def _load(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            body = await self._fetch.get_json(self.url)
            self._revoked = frozenset(str(i) for i in body["revoked"])
            self._fetched_at = time.monotonic()
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            log.warning("Revocation list of the auth service not reachable")


class Verifier:
    """Checks an access token and returns who holds it; raises TokenRejectedError otherwise."""

    def __init__(
        self,
        *,
        keys: KeySource,
        audience: str,
        issuer: str,
        revocations: RevocationSource | None = None,
        leeway_seconds: float = 30.0,
    ) -> None:
        self._keys = keys
        self._revocations = revocations
        self.audience = audience
        self.issuer = issuer
        self._leeway = leeway_seconds

    @classmethod
    def remote(
        cls,
        auth_base_url: str,
        *,
        audience: str,
        issuer: str = DEFAULT_ISSUER,
        http: httpx.AsyncClient | None = None,
        revocation_refresh_seconds: float = 5.0,
    ) -> Verifier:
        """A verifier of the auth service at `auth_base_url` (e.g. http://127.0.0.1:8105).

        `audience` is the calling service's name: tokens not meant for it are refused.
        """
        base = auth_base_url.rstrip("/")
        return cls(
            keys=RemoteKeys(f"{base}/.well-known/jwks.json", http=http),
            revocations=RemoteRevocations(
                f"{base}/revocations", http=http, refresh_seconds=revocation_refresh_seconds
            ),
            audience=audience,
            issuer=issuer,
        )

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejectedError("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise TokenRejectedError("signature algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenRejectedError("token names no key")
        keys = await self._keys.keys()
        if kid not in keys:
            keys = await self._keys.keys(refresh=True)
        if kid not in keys:
            raise TokenRejectedError("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                keys[kid].key,
                algorithms=list(ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": list(_REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRejectedError("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenRejectedError("token not meant for this service") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRejectedError("token from an unknown issuer") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejectedError("invalid token") from exc
        principal = _principal(claims)
        if self._revocations is not None:
            revoked = await self._revocations.revoked()
            if principal.token_id in revoked or principal.credential_id in revoked:
                raise TokenRejectedError("token revoked")
        return principal


def _principal(claims: Mapping[str, Any]) -> Principal:
    try:
        kind = PrincipalKind(claims["kind"])
        role = Role(claims["role"]) if claims.get("role") is not None else None
        shelters = frozenset(str(s) for s in claims.get("shelters", ()))
        scopes = frozenset(str(claims.get("scope", "")).split())
    except (ValueError, TypeError) as exc:
        raise TokenRejectedError("invalid claims") from exc
    if kind is PrincipalKind.STAFF and role is None:
        raise TokenRejectedError("staff token without a role")
    return Principal(
        sub=str(claims["sub"]),
        kind=kind,
        role=role,
        shelters=shelters,
        scopes=scopes,
        token_id=str(claims["jti"]),
        credential_id=str(claims.get("cid", "")),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
    )


# --- FastAPI -----------------------------------------------------------------------------------


def install_verifier(app: FastAPI, verifier: Verifier) -> None:
    """Make `verifier` the one `require(...)` uses in this app."""
    app.state.verifier = verifier


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "unauthorized",
        "Authentication required",
        "認証が必要です。サインインしてください",
        detail=detail,
    )


def _forbidden(slug: str, title: str, title_ja: str) -> ProblemError:
    return ProblemError(403, slug, title, title_ja)


def verify_csrf(request: Request) -> None:
    """Double-submit check for cookie sessions: the X-CSRF-Token header equals the CSRF cookie.

    Safe methods pass. Call it on every unsafe request authenticated by a cookie (`require`
    does); requests with an Authorization header need no CSRF check.
    """
    if request.method in _SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not hmac.compare_digest(cookie, header):
        raise _forbidden(
            "csrf-token-mismatch",
            "Missing or wrong CSRF token: reload the page and try again",
            "CSRFトークンが正しくありません。ページを再読み込みしてやり直してください",
        )


def access_token_of(request: Request) -> tuple[str, bool] | None:
    """The access token of a request and whether it came from the session cookie."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(ACCESS_COOKIE)
    if cookie:
        return cookie, True
    return None


async def authenticate(request: Request) -> Principal:
    """The verified principal of a request (401 without a valid token)."""
    found = access_token_of(request)
    if found is None:
        raise _unauthorized("No access token: send Authorization: Bearer <token>")
    token, from_cookie = found
    verifier: Verifier | None = getattr(request.app.state, "verifier", None)
    if verifier is None:
        raise RuntimeError("install_verifier(app, ...) was not called in bootstrap")
    try:
        principal = await verifier.verify(token)
    except TokenRejectedError as exc:
        raise _unauthorized(exc.reason) from exc
    except RevocationListUnavailableError as exc:
        raise ProblemError.for_status(503, "Token revocations cannot be checked") from exc
    if from_cookie:
        verify_csrf(request)
    return principal


@dataclass(frozen=True, slots=True)
class Requirement:
    """Who a route admits; `route_requirements` lists them for a permission-matrix test."""

    roles: frozenset[Role]
    kinds: frozenset[PrincipalKind]
    scope: str | None = None
    shelter_param: str | None = None


class _Require:
    """The dependency `require(...)` returns; a class so a route's requirement is inspectable."""

    def __init__(self, requirement: Requirement) -> None:
        self.requirement = requirement

    async def __call__(self, request: Request) -> Principal:
        wanted = self.requirement
        principal = await authenticate(request)
        if principal.kind not in wanted.kinds:
            raise _forbidden(
                "principal-kind-forbidden",
                f"Not available to {principal.kind.value} credentials",
                "この認証情報ではこの操作はできません",
            )
        read_only = principal.role is Role.HQ_VIEWER and request.method not in _SAFE_METHODS
        if principal.kind is PrincipalKind.STAFF and (
            principal.role not in wanted.roles or read_only
        ):
            raise _forbidden(
                "role-forbidden",
                "Your role does not allow this operation",
                "この操作を行う権限がありません",
            )
        if principal.kind is PrincipalKind.INTEGRATION and wanted.scope not in principal.scopes:
            raise _forbidden(
                "scope-forbidden",
                f"The client lacks the scope {wanted.scope}",
                "このクライアントには必要なスコープがありません",
            )
        if wanted.shelter_param is not None:
            name = wanted.shelter_param
            shelter_id = request.path_params.get(name) or request.query_params.get(name)
            # No shelter named: only those who may see every shelter pass (a missing filter
            # must not widen a shelter staff member's view to all shelters).
            if principal.kind is not PrincipalKind.INTEGRATION and not (
                principal.all_shelters
                if shelter_id is None
                else principal.may_access_shelter(str(shelter_id))
            ):
                raise _forbidden(
                    "shelter-forbidden",
                    "You are not assigned to this shelter",
                    "この避難所の情報を扱う権限がありません",
                )
        return principal


def require(
    *roles: Role,
    shelter_param: str | None = None,
    kinds: Iterable[PrincipalKind] = (PrincipalKind.STAFF,),
    scope: str | None = None,
) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits staff with one of `roles`, and kiosks or clients if listed.

    - `shelter_param`: the path (or query) parameter naming a shelter; shelter staff and
      kiosks must be assigned to it, and are refused when the request names no shelter.
    - `kinds`: the kinds of principal admitted; kiosks are bound to their one shelter.
    - `scope`: the scope an integration client needs.
    - Headquarters viewers are read-only: refused on every unsafe method, whatever `roles` says.
    """
    return _Require(Requirement(frozenset(roles), frozenset(kinds), scope, shelter_param))


def _requirement_of(dependant: Dependant) -> Requirement | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, _Require):
            return dependency.call.requirement
        found = _requirement_of(dependency)
        if found is not None:
            return found
    return None


def route_requirements(app: FastAPI) -> dict[tuple[str, str], Requirement | None]:
    """Each (method, path) of the app's API routes and its requirement (None: public).

    A permission-matrix test compares this with its table, so a new endpoint without an entry
    (or without `require`) fails it.
    """
    found: dict[tuple[str, str], Requirement | None] = {}
    # FastAPI >= 0.16x wraps included routers; iter_route_contexts flattens them.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in flatten(app.routes) if flatten else app.routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute):
            requirement = _requirement_of(original.dependant)
            path = getattr(route, "path", None) or original.path
            methods: set[str] = getattr(route, "methods", None) or original.methods or set()
            for method in sorted(methods):
                found[(method, path)] = requirement
    return found

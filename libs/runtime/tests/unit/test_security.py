"""The token verifier every service uses: keys, claims, revocations, roles and shelters."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from fastapi import APIRouter, Depends, FastAPI
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from shelter_runtime.http import create_app
from shelter_runtime.security import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    CSRF_HEADER,
    Principal,
    PrincipalKind,
    RemoteKeys,
    RemoteRevocations,
    Requirement,
    Role,
    StaticKeys,
    TokenRejectedError,
    Verifier,
    install_verifier,
    require,
    route_requirements,
)

ISSUER = "shelter-checkin-auth"
AUDIENCE = "roster"
SHELTER = "13101-0001"


class AuthServer:
    """What the auth service publishes: a JWKS and a revocation list, served in-process."""

    def __init__(self) -> None:
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.kid = "k1"
        self.revoked: list[str] = []
        self.requests: list[str] = []

    def jwks(self) -> dict[str, Any]:
        jwk = OKPAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "EdDSA"}]}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if request.url.path == "/.well-known/jwks.json":
            return httpx.Response(200, json=self.jwks())
        if request.url.path == "/revocations":
            return httpx.Response(200, json={"revoked": self.revoked, "refresh_seconds": 5})
        return httpx.Response(404)

    def token(self, key: Any = None, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": ["registration", "roster", "stats"],
            "sub": "staff1",
            "kind": "staff",
            "role": "shelter_staff",
            "shelters": [SHELTER],
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            "cid": "session-1",
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        algorithm = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "EdDSA"
        return jwt.encode(
            body, key or self.key, algorithm=algorithm, headers={"kid": kid or self.kid}
        )


@pytest.fixture
def auth() -> AuthServer:
    return AuthServer()


@pytest.fixture
async def http(auth: AuthServer) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.MockTransport(auth.handle)
    async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
        yield client


@pytest.fixture
def verifier(http: httpx.AsyncClient) -> Verifier:
    return Verifier.remote(
        "http://auth", audience=AUDIENCE, issuer=ISSUER, http=http, revocation_refresh_seconds=0
    )


async def test_a_valid_token_gives_its_principal(auth: AuthServer, verifier: Verifier) -> None:
    principal = await verifier.verify(auth.token())
    assert principal.sub == "staff1"
    assert principal.kind is PrincipalKind.STAFF
    assert principal.role is Role.SHELTER_STAFF
    assert principal.shelters == frozenset({SHELTER})
    assert principal.credential_id == "session-1"
    assert principal.may_access_shelter(SHELTER)
    assert not principal.may_access_shelter("13101-0002")


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (lambda a: a.token(key=ed25519.Ed25519PrivateKey.generate()), "invalid token"),
        (lambda a: a.token(aud=["stats"]), "token not meant for this service"),
        (lambda a: a.token(iss="someone-else"), "token from an unknown issuer"),
        (lambda a: a.token(exp=int(time.time()) - 120), "token expired"),
        (lambda a: a.token(kid="unknown"), "unknown signing key"),
        (lambda a: a.token(jti=None), "invalid token"),
        (lambda a: a.token(kind="superuser"), "invalid claims"),
        (lambda a: a.token(role=None), "staff token without a role"),
        (lambda a: a.token()[:-4] + "AAAA", "invalid token"),
        (lambda a: "not-a-jwt", "malformed token"),
        (
            lambda a: jwt.encode({"sub": "x"}, "s" * 32, algorithm="HS256", headers={"kid": "k1"}),
            "signature algorithm not accepted",
        ),
    ],
    ids=[
        "wrong-signature",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "unknown-kid",
        "no-jti",
        "unknown-kind",
        "staff-without-role",
        "tampered",
        "garbage",
        "hmac",
    ],
)
async def test_bad_tokens_are_refused(
    auth: AuthServer, verifier: Verifier, forge: Callable[[AuthServer], str], reason: str
) -> None:
    with pytest.raises(TokenRejectedError) as refused:
        await verifier.verify(forge(auth))
    assert refused.value.reason == reason


async def test_an_unsigned_token_is_refused(auth: AuthServer, verifier: Verifier) -> None:
    unsigned = jwt.encode({"sub": "x"}, "", algorithm="none", headers={"kid": "k1"})
    with pytest.raises(TokenRejectedError):
        await verifier.verify(unsigned)


async def test_es256_keys_verify_too() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    verifier = Verifier(
        keys=StaticKeys(lambda: {"keys": [{**jwk, "kid": "p256", "alg": "ES256"}]}),
        audience=AUDIENCE,
        issuer=ISSUER,
    )
    principal = await verifier.verify(AuthServer().token(key=key, kid="p256"))
    assert principal.sub == "staff1"


async def test_keys_are_cached_and_refetched_for_a_new_kid(
    auth: AuthServer, http: httpx.AsyncClient
) -> None:
    keys = RemoteKeys("http://auth/.well-known/jwks.json", http=http, min_refetch_seconds=0)
    verifier = Verifier(keys=keys, audience=AUDIENCE, issuer=ISSUER)
    await verifier.verify(auth.token())
    await verifier.verify(auth.token())
    assert auth.requests.count("/.well-known/jwks.json") == 1
    # Rotation: the auth service signs with a new key; the verifier fetches the JWKS again.
    auth.key, auth.kid = ed25519.Ed25519PrivateKey.generate(), "k2"
    assert (await verifier.verify(auth.token())).sub == "staff1"
    assert auth.requests.count("/.well-known/jwks.json") == 2


async def test_a_revoked_token_or_credential_is_refused_at_the_next_refresh(
    auth: AuthServer, verifier: Verifier
) -> None:
    token = auth.token(jti="t-1", cid="kiosk-7", kind="kiosk", role=None)
    assert (await verifier.verify(token)).kind is PrincipalKind.KIOSK
    auth.revoked = ["kiosk-7"]
    with pytest.raises(TokenRejectedError, match="revoked"):
        await verifier.verify(token)
    auth.revoked = ["t-2"]
    other = auth.token(jti="t-2")
    with pytest.raises(TokenRejectedError, match="revoked"):
        await verifier.verify(other)


async def test_the_revocation_list_is_cached_for_its_refresh_interval(
    auth: AuthServer, http: httpx.AsyncClient
) -> None:
    revocations = RemoteRevocations("http://auth/revocations", http=http, refresh_seconds=60)
    assert await revocations.revoked() == frozenset()
    auth.revoked = ["x"]
    assert await revocations.revoked() == frozenset()  # still cached
    assert auth.requests.count("/revocations") == 1


# --- FastAPI dependencies ----------------------------------------------------------------------


Staff = Annotated[
    Principal,
    Depends(require(Role.ADMINISTRATOR, Role.SHELTER_STAFF, shelter_param="shelter_id")),
]
KioskOrStaff = Annotated[
    Principal,
    Depends(
        require(
            Role.ADMINISTRATOR,
            Role.SHELTER_STAFF,
            Role.HQ_VIEWER,
            shelter_param="shelter_id",
            kinds=(PrincipalKind.STAFF, PrincipalKind.KIOSK),
        )
    ),
]
Reader = Annotated[
    Principal,
    Depends(
        require(
            Role.ADMINISTRATOR,
            Role.HQ_VIEWER,
            kinds=(PrincipalKind.STAFF, PrincipalKind.INTEGRATION),
            scope="roster:read",
        )
    ),
]


def _app(verifier: Verifier) -> FastAPI:
    router = APIRouter()

    @router.get("/shelters/{shelter_id}/entries")
    async def entries(shelter_id: str, who: Staff) -> dict[str, str]:
        return {"sub": who.sub}

    @router.post("/shelters/{shelter_id}/entries")
    async def add_entry(shelter_id: str, who: Staff) -> dict[str, str]:
        return {"sub": who.sub}

    @router.post("/shelters/{shelter_id}/check-ins")
    async def check_in(shelter_id: str, who: KioskOrStaff) -> dict[str, str]:
        return {"sub": who.sub}

    @router.get("/export")
    async def export(who: Reader) -> dict[str, str]:
        return {"sub": who.sub}

    app = create_app(title="t", version="0", routers=[router], checks={})
    install_verifier(app, verifier)
    return app


@pytest.fixture
async def api(verifier: Verifier) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="https://roster") as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_401_with_a_problem(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/shelters/{SHELTER}/entries")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title_ja"]


async def test_a_bad_token_is_401(auth: AuthServer, api: httpx.AsyncClient) -> None:
    response = await api.get(
        f"/shelters/{SHELTER}/entries", headers=_bearer(auth.token(aud=["stats"]))
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "token not meant for this service"


async def test_shelter_staff_only_reach_their_shelters(
    auth: AuthServer, api: httpx.AsyncClient
) -> None:
    token = _bearer(auth.token())
    assert (await api.get(f"/shelters/{SHELTER}/entries", headers=token)).status_code == 200
    other = await api.get("/shelters/13101-0002/entries", headers=token)
    assert other.status_code == 403
    assert other.json()["type"].endswith("/shelter-forbidden")


async def test_administrators_reach_every_shelter(auth: AuthServer, api: httpx.AsyncClient) -> None:
    token = _bearer(auth.token(role="administrator", shelters=[]))
    assert (await api.get("/shelters/13101-0002/entries", headers=token)).status_code == 200


async def test_roles_not_listed_are_refused(auth: AuthServer, api: httpx.AsyncClient) -> None:
    token = _bearer(auth.token(role="hq_viewer", shelters=[]))
    response = await api.get(f"/shelters/{SHELTER}/entries", headers=token)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/role-forbidden")


async def test_headquarters_viewers_never_change_anything(
    auth: AuthServer, api: httpx.AsyncClient
) -> None:
    token = _bearer(auth.token(role="hq_viewer", shelters=[]))
    assert (await api.post(f"/shelters/{SHELTER}/check-ins", headers=token)).status_code == 403


async def test_kiosks_are_bound_to_their_shelter(auth: AuthServer, api: httpx.AsyncClient) -> None:
    token = _bearer(auth.token(sub="kiosk:k1", kind="kiosk", role=None, cid="k1"))
    assert (await api.post(f"/shelters/{SHELTER}/check-ins", headers=token)).status_code == 200
    assert (await api.post("/shelters/13101-0002/check-ins", headers=token)).status_code == 403
    # A kiosk is not staff: the roster is not for it.
    response = await api.get(f"/shelters/{SHELTER}/entries", headers=token)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/principal-kind-forbidden")


async def test_integration_clients_need_the_scope(auth: AuthServer, api: httpx.AsyncClient) -> None:
    base: dict[str, Any] = {"sub": "client:c1", "kind": "integration", "role": None}
    with_scope = _bearer(auth.token(**base, scope="roster:read stats:read"))
    without = _bearer(auth.token(**base, scope="stats:read"))
    assert (await api.get("/export", headers=with_scope)).status_code == 200
    response = await api.get("/export", headers=without)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/scope-forbidden")


async def test_cookie_sessions_need_the_csrf_token_on_changes(
    auth: AuthServer, api: httpx.AsyncClient
) -> None:
    api.cookies.set(ACCESS_COOKIE, auth.token())
    api.cookies.set(CSRF_COOKIE, "csrf-123")
    assert (await api.get(f"/shelters/{SHELTER}/entries")).status_code == 200  # safe method
    refused = await api.post(f"/shelters/{SHELTER}/entries")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/csrf-token-mismatch")
    wrong = await api.post(f"/shelters/{SHELTER}/entries", headers={CSRF_HEADER: "csrf-999"})
    assert wrong.status_code == 403
    ok = await api.post(f"/shelters/{SHELTER}/entries", headers={CSRF_HEADER: "csrf-123"})
    assert ok.status_code == 200


async def test_an_unreachable_revocation_list_fails_closed_after_a_while(
    auth: AuthServer, http: httpx.AsyncClient
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as broken:
        revocations = RemoteRevocations(
            "http://auth/revocations", http=broken, refresh_seconds=0, max_stale_seconds=0
        )
        verifier = Verifier(
            keys=StaticKeys(auth.jwks), revocations=revocations, audience=AUDIENCE, issuer=ISSUER
        )
        app = _app(verifier)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://roster"
        ) as api:
            response = await api.get(f"/shelters/{SHELTER}/entries", headers=_bearer(auth.token()))
    assert response.status_code == 503


async def test_shelter_staff_are_refused_when_no_shelter_is_named(
    auth: AuthServer, verifier: Verifier
) -> None:
    router = APIRouter()

    @router.get("/entries")
    async def entries(who: Staff) -> dict[str, str]:
        return {"sub": who.sub}

    app = create_app(title="t", version="0", routers=[router], checks={})
    install_verifier(app, verifier)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://roster"
    ) as api:
        staff = await api.get("/entries", headers=_bearer(auth.token()))
        named = await api.get(f"/entries?shelter_id={SHELTER}", headers=_bearer(auth.token()))
        admin = await api.get(
            "/entries", headers=_bearer(auth.token(role="administrator", shelters=[]))
        )
    assert (staff.status_code, named.status_code, admin.status_code) == (403, 200, 200)


def test_route_requirements_list_every_route_for_a_permission_matrix(
    verifier: Verifier,
) -> None:
    found = route_requirements(_app(verifier))
    entries = found[("GET", "/shelters/{shelter_id}/entries")]
    assert entries == Requirement(
        roles=frozenset({Role.ADMINISTRATOR, Role.SHELTER_STAFF}),
        kinds=frozenset({PrincipalKind.STAFF}),
        shelter_param="shelter_id",
    )
    export = found[("GET", "/export")]
    assert export is not None and export.scope == "roster:read"
    assert found[("GET", "/healthz")] is None  # public


async def test_requests_arriving_together_at_start_up_all_wait_for_the_keys() -> None:
    # The first requests after a service starts arrive at once: none may see an empty JWKS.
    auth = AuthServer()

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return auth.handle(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow))
    verifier = Verifier.remote("http://auth", audience=AUDIENCE, http=http)
    principals = await asyncio.gather(*(verifier.verify(auth.token()) for _ in range(16)))
    assert {p.sub for p in principals} == {"staff1"}
    assert auth.requests.count("/.well-known/jwks.json") == 1
    await http.aclose()

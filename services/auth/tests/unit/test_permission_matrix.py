"""One table of who may call each auth endpoint; an endpoint missing from it fails the test."""

from __future__ import annotations

from shelter_auth.bootstrap import bootstrap
from shelter_runtime.security import PrincipalKind, Requirement, Role, route_requirements

from ..conftest import offline_settings

ADMIN = Requirement(frozenset({Role.ADMINISTRATOR}), frozenset({PrincipalKind.STAFF}))
STAFF = Requirement(frozenset(Role), frozenset({PrincipalKind.STAFF}))
AUDIT_WRITER = Requirement(frozenset(), frozenset({PrincipalKind.INTEGRATION}), "audit:write")
#: Public: they authenticate with what they carry (password, refresh token, kiosk token,
#: client secret) or publish what every service needs (keys, revocations, probes).
PUBLIC = None

MATRIX: dict[tuple[str, str], Requirement | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("POST", "/sign-in"): PUBLIC,
    ("POST", "/refresh"): PUBLIC,
    ("POST", "/sign-out"): PUBLIC,
    ("POST", "/password"): PUBLIC,
    ("GET", "/me"): STAFF,
    ("GET", "/.well-known/jwks.json"): PUBLIC,
    ("GET", "/revocations"): PUBLIC,
    ("GET", "/accounts"): ADMIN,
    ("POST", "/accounts"): ADMIN,
    ("GET", "/accounts/{user_id}"): ADMIN,
    ("PATCH", "/accounts/{user_id}"): ADMIN,
    ("DELETE", "/accounts/{user_id}"): ADMIN,
    ("POST", "/accounts/{user_id}/unlock"): ADMIN,
    ("POST", "/accounts/{user_id}/password"): ADMIN,
    ("GET", "/settings/password-policy"): ADMIN,
    ("PUT", "/settings/password-policy"): ADMIN,
    ("POST", "/kiosk-tokens"): ADMIN,
    ("GET", "/kiosk-tokens"): ADMIN,
    ("DELETE", "/kiosk-tokens/{token_id}"): ADMIN,
    ("POST", "/kiosk-tokens/exchange"): PUBLIC,
    ("POST", "/clients"): ADMIN,
    ("GET", "/clients"): ADMIN,
    ("DELETE", "/clients/{client_id}"): ADMIN,
    ("POST", "/token"): PUBLIC,
    ("GET", "/audit"): ADMIN,
    ("POST", "/audit"): AUDIT_WRITER,
}


def test_every_endpoint_has_exactly_the_requirement_of_the_table() -> None:
    found = route_requirements(bootstrap(offline_settings()))
    found = {k: v for k, v in found.items() if k[0] != "HEAD"}
    assert found == MATRIX

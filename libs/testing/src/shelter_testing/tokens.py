"""Access tokens for tests: a signing key of the test's own and a verifier that trusts it.

Services verify tokens with the auth service's published keys; a test that exercises a
service alone installs this verifier instead, and signs tokens for the roles it needs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm

from shelter_runtime.security import DEFAULT_ISSUER, StaticKeys, Verifier, install_verifier

SERVICES = ("registration", "roster", "stats", "integration", "auth")


class TestIssuer:
    """Signs access tokens the way the auth service does (EdDSA, kid, the same claims)."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, kid: str = "test-key") -> None:
        self._key = ed25519.Ed25519PrivateKey.generate()
        self.kid = kid

    def jwks(self) -> dict[str, Any]:
        jwk = OKPAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "EdDSA"}]}

    def verifier(self, audience: str) -> Verifier:
        return Verifier(keys=StaticKeys(self.jwks), audience=audience, issuer=DEFAULT_ISSUER)

    def install(self, app: FastAPI, audience: str) -> None:
        """Make `app` trust this issuer instead of the auth service."""
        install_verifier(app, self.verifier(audience))

    def token(
        self,
        role: str | None = "administrator",
        *,
        shelters: Sequence[str] = (),
        kind: str = "staff",
        scopes: Sequence[str] = (),
        sub: str = "test-user",
        audience: Sequence[str] = SERVICES,
        lifetime_seconds: int = 600,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": DEFAULT_ISSUER,
            "aud": list(audience),
            "sub": sub,
            "kind": kind,
            "shelters": list(shelters),
            "iat": now,
            "exp": now + lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
        if role is not None:
            claims["role"] = role
        if scopes:
            claims["scope"] = " ".join(scopes)
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    def headers(self, role: str | None = "administrator", **options: Any) -> dict[str, str]:
        """An Authorization header for a principal of this role."""
        return {"Authorization": f"Bearer {self.token(role, **options)}"}

"""The token signing keys: Ed25519 (EdDSA) or P-256 (ES256), published as a JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

SigningKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

_PEM_BLOCK = re.compile(
    r"-----BEGIN (?:EC )?PRIVATE KEY-----.+?-----END (?:EC )?PRIVATE KEY-----", re.DOTALL
)
_THUMBPRINT_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}


class KeyConfigurationError(Exception):
    """The configured PEM holds no usable key (the message never quotes the PEM)."""


@dataclass(frozen=True, slots=True)
class _Key:
    kid: str
    algorithm: str
    private: SigningKey
    public_jwk: dict[str, Any]


def _public_jwk(private: SigningKey) -> tuple[str, dict[str, Any]]:
    if isinstance(private, ed25519.Ed25519PrivateKey):
        algorithm, jwk = "EdDSA", OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    elif isinstance(private.curve, ec.SECP256R1):
        algorithm, jwk = "ES256", ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        raise KeyConfigurationError("only Ed25519 and P-256 keys are supported")
    members = {m: jwk[m] for m in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return algorithm, {**jwk, "kid": kid, "use": "sig", "alg": algorithm}


class SigningKeys:
    """Signs with the first key; publishes all (older keys stay published during a rotation)."""

    def __init__(self, private_keys: list[SigningKey]) -> None:
        if not private_keys:
            raise KeyConfigurationError("no signing key")
        self._keys = []
        for private in private_keys:
            algorithm, jwk = _public_jwk(private)
            self._keys.append(_Key(jwk["kid"], algorithm, private, jwk))

    @classmethod
    def from_pem(cls, pem: str) -> SigningKeys:
        """Keys from PEM text: one or more PKCS#8 (or SEC1 EC) private keys, newest first."""
        keys: list[SigningKey] = []
        for block in _PEM_BLOCK.findall(pem):
            try:
                key = load_pem_private_key(block.encode(), password=None)
            except (ValueError, TypeError) as exc:
                raise KeyConfigurationError("a signing key cannot be read") from exc
            if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
                raise KeyConfigurationError("only Ed25519 and P-256 keys are supported")
            keys.append(key)
        return cls(keys)

    @classmethod
    def ephemeral(cls) -> SigningKeys:
        """A fresh Ed25519 key (development and tests: tokens die with the process)."""
        return cls([ed25519.Ed25519PrivateKey.generate()])

    @property
    def current_kid(self) -> str:
        return self._keys[0].kid

    def sign(self, claims: Mapping[str, Any]) -> str:
        key = self._keys[0]
        return jwt.encode(
            dict(claims), key.private, algorithm=key.algorithm, headers={"kid": key.kid}
        )

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(k.public_jwk) for k in self._keys]}

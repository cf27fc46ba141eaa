"""Signing keys from settings, the production guard, the ephemeral development key."""

from __future__ import annotations

import io
import logging

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from pydantic import SecretStr

from shelter_auth.adapters.keys import KeyConfigurationError, SigningKeys
from shelter_auth.bootstrap import signing_keys
from shelter_auth.config import Settings
from shelter_auth.domain import model
from shelter_auth.entrypoints import cli
from shelter_runtime import security
from shelter_runtime.settings import Environment, UnsafeSettingsError

from ..conftest import offline_settings


def _pem(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_production_refuses_to_start_without_a_signing_key() -> None:
    with pytest.raises(UnsafeSettingsError, match="SIGNING_KEY_PEM"):
        Settings(
            environment=Environment.PRODUCTION,
            mongodb_uri=SecretStr("mongodb://db/"),
            kafka_bootstrap_servers="kafka:9093",
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_username="auth",
            kafka_sasl_password=SecretStr("k"),
        )


def test_development_signs_with_an_ephemeral_key_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    keys = signing_keys(offline_settings())
    assert keys.jwks()["keys"][0]["kid"] == keys.current_kid
    assert "ephemeral key" in caplog.text


def test_configured_keys_sign_with_the_first_and_publish_all() -> None:
    new, old = ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())
    keys = signing_keys(offline_settings(signing_key_pem=SecretStr(_pem(new) + _pem(old))))
    published = keys.jwks()["keys"]
    assert [k["alg"] for k in published] == ["EdDSA", "ES256"]
    assert all("d" not in k for k in published)
    token = keys.sign({"sub": "x"})
    assert jwt.get_unverified_header(token)["kid"] == published[0]["kid"]
    verified = security.keys_from_jwks(keys.jwks())[published[0]["kid"]]
    assert jwt.decode(token, verified.key, algorithms=["EdDSA"])["sub"] == "x"


def test_an_unusable_pem_is_refused_without_quoting_it() -> None:
    with pytest.raises(KeyConfigurationError) as refused:
        SigningKeys.from_pem("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----")
    assert "not a key" not in str(refused.value)
    with pytest.raises(KeyConfigurationError):
        SigningKeys.from_pem("")


def test_roles_and_kinds_match_the_runtime_verifier() -> None:
    assert [r.value for r in model.Role] == [r.value for r in security.Role]
    assert [k.value for k in model.PrincipalKind] == [k.value for k in security.PrincipalKind]


def test_create_admin_reads_the_password_from_stdin_not_an_argument() -> None:
    assert cli.read_password(io.StringIO("s3cret admin pass\n")) == "s3cret admin pass"
    with pytest.raises(SystemExit):
        cli.main(["--user-id", "admin", "--password", "x"], stdin=io.StringIO("p\n"))

"""Settings of the auth service."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator

from shelter_runtime.security import DEFAULT_ISSUER
from shelter_runtime.settings import Environment, ServiceSettings, UnsafeSettingsError


class Settings(ServiceSettings):
    #: Not AUTH_URL: the auth service verifies its own tokens with its own keys.
    unsafe_defaults: ClassVar[tuple[str, ...]] = ("mongodb_uri", "kafka_bootstrap_servers")

    service_name: str = "auth"
    http_port: int = 8105

    signing_key_pem: SecretStr | None = Field(
        default=None,
        description=(
            "PEM private key(s) signing access tokens: Ed25519 or P-256, newest first (older "
            "ones stay published during a rotation). Required in production; development and "
            "tests generate an ephemeral key at start."
        ),
    )
    token_issuer: str = Field(default=DEFAULT_ISSUER, description="`iss` of every access token")
    token_audience: tuple[str, ...] = Field(
        default=("registration", "roster", "stats", "integration", "auth"),
        description="`aud` of every access token: the services that accept it",
    )
    access_token_minutes: int = Field(default=10, ge=1, le=60)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    sign_in_limit_per_user: int = Field(
        default=10, ge=1, description="Sign-in attempts per user id and minute"
    )
    sign_in_limit_per_ip: int = Field(
        default=30, ge=1, description="Sign-in attempts per client IP and minute"
    )
    cookie_secure: bool = Field(
        default=True, description="Secure flag of the session cookies; never off in production"
    )
    refresh_cookie_path: str = Field(
        default="/api/auth/", description="The refresh cookie goes only to the auth service"
    )
    purge_interval_seconds: float = Field(default=600.0, gt=0)

    @model_validator(mode="after")
    def _refuse_production_without_key(self) -> Settings:
        if self.environment is not Environment.PRODUCTION:
            return self
        problems: list[str] = []
        if self.signing_key_pem is None or not self.signing_key_pem.get_secret_value().strip():
            problems.append("SIGNING_KEY_PEM is required in production")
        if not self.cookie_secure:
            problems.append("COOKIE_SECURE cannot be false in production")
        if problems:
            raise UnsafeSettingsError("; ".join(problems))
        return self

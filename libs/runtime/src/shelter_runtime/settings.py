"""The Settings base every service extends; unsafe defaults are refused outside development."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import ClassVar, Literal, TypeVar

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class UnsafeSettingsError(Exception):
    """A setting keeps a development default where that default is unsafe.

    Not a ValueError on purpose: pydantic would wrap a ValueError in a ValidationError (whose
    text quotes the input settings, secrets included) and `except UnsafeSettingsError` would
    never match.
    """


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: The proxies trusted by default: the gateway on the same host (the local stack's nginx).
LOOPBACK: tuple[IPNetwork, ...] = (
    ipaddress.IPv4Network("127.0.0.0/8"),
    ipaddress.IPv6Network("::1/128"),
)


class ServiceSettings(BaseSettings):
    """Addresses, credentials and names shared by all services; each service subclasses it."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    #: Fields whose defaults are only safe on a developer's machine.
    unsafe_defaults: ClassVar[tuple[str, ...]] = (
        "mongodb_uri",
        "kafka_bootstrap_servers",
        "auth_url",
    )

    service_name: str
    environment: Environment = Environment.DEVELOPMENT
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8100, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_topic_namespace: str = Field(
        default="", description="Prefix of every topic name; one per test or environment"
    )
    kafka_consumer_group: str | None = Field(
        default=None, description="Consumer group; replicas of one service share it"
    )

    kafka_create_topics: bool = Field(
        default=True, description="Create missing topics at start (development and tests)"
    )
    kafka_topic_partitions: int = Field(default=6, ge=1)
    kafka_topic_replication: int = Field(default=1, ge=1)

    mongodb_uri: SecretStr = SecretStr("mongodb://127.0.0.1:27017/")
    mongodb_database: str | None = None
    mongodb_database_prefix: str = Field(
        default="", description="Prefix of the database name; one per local stack"
    )

    auth_url: str = Field(
        default="http://127.0.0.1:8105",
        description="Auth service base URL: JWKS and revocation list for verifying tokens",
    )

    otel_exporter_otlp_endpoint: str | None = None

    max_request_body_bytes: int = Field(default=64 * 1024, ge=1024)

    trusted_proxies: tuple[IPvAnyNetwork, ...] = Field(
        default=LOOPBACK,
        description=(
            "CIDRs of the gateways in front of the service (JSON list, e.g. "
            '["10.42.0.0/16"]): only their X-Forwarded-For hops are believed (audit addresses)'
        ),
    )

    @property
    def kafka_password(self) -> str:
        return self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else ""

    @property
    def consumer_group(self) -> str:
        return self.kafka_consumer_group or self.service_name

    @property
    def database_name(self) -> str:
        return self.mongodb_database_prefix + (self.mongodb_database or self.service_name)

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> ServiceSettings:
        if self.environment is not Environment.PRODUCTION:
            return self
        problems = [
            f"{name.upper()} must be set explicitly in production"
            for name in self.unsafe_defaults
            if name not in self.model_fields_set
        ]
        if self.kafka_security_protocol != "SASL_SSL":
            problems.append("KAFKA_SECURITY_PROTOCOL must be SASL_SSL in production")
        if not (self.kafka_sasl_username and self.kafka_sasl_password):
            problems.append("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required")
        if problems:
            raise UnsafeSettingsError("; ".join(problems))
        return self


S = TypeVar("S", bound=ServiceSettings)


def offline_settings(settings_type: type[S]) -> S:
    """Settings of an app that is built but never started (its OpenAPI document, the tests
    that read its routes or subscriptions): nothing listens at the addresses, port 1."""
    return settings_type(
        environment=Environment.TEST,
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=SecretStr("mongodb://127.0.0.1:1/"),
        otel_exporter_otlp_endpoint=None,
    )

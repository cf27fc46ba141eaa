"""Settings of the kiosk: the process (environment) and the staff's app settings (S6.6)."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shelter_runtime.settings import Environment, UnsafeSettingsError


class Settings(BaseSettings):
    """Where the kiosk runs and what it talks to; read from KIOSK_* environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="KIOSK_", extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Environment = Field(
        default=Environment.DEVELOPMENT, validation_alias="ENVIRONMENT"
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8110, ge=1, le=65535)
    shelter_id: str = Field(default="13101-0001", description="The shelter this kiosk serves")
    kiosk_id: str = Field(default="kiosk-1", max_length=100)
    device_token: SecretStr | None = Field(
        default=None, description="The shelter's kiosk token, issued by an administrator (S10.7)"
    )
    device_token_file: Path | None = Field(
        default=None, description="A file holding the device token (instead of DEVICE_TOKEN)"
    )
    api_base_url: str = Field(default="http://127.0.0.1:8080", description="Gateway address")
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    kafka_topic_namespace: str = Field(default="", validation_alias="KAFKA_TOPIC_NAMESPACE")
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    data_dir: Path = Field(default=Path(".kiosk"), description="Queue, key file, app settings")
    queue_key_file: Path | None = Field(
        default=None, description="32-byte AES key of the queue; default <data_dir>/queue.key"
    )
    reader_prefix: str = Field(default="", description="Use the first reader with this name")
    card_wait_seconds: float = Field(default=20.0, gt=0)
    forward_retry_seconds: float = Field(default=1.0, gt=0)
    virtual_reader: bool = Field(
        default=False,
        description="Development and tests only: use a virtual reader of the machine's pcscd "
        "pool and offer the card simulator on the page",
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT"
    )

    def device_token_value(self) -> str:
        """The device token from the setting or its file; empty when neither is given."""
        if self.device_token is not None:
            return self.device_token.get_secret_value()
        if self.device_token_file is not None and self.device_token_file.exists():
            return self.device_token_file.read_text("utf-8").strip()
        return ""

    @property
    def key_file(self) -> Path:
        return self.queue_key_file or self.data_dir / "queue.key"

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            missing = [
                n for n in ("device_token", "queue_key_file", "api_base_url", "shelter_id")
                if n not in self.model_fields_set
                and not (n == "device_token" and self.device_token_file is not None)
            ]  # fmt: skip
            problems = [f"KIOSK_{n.upper()} must be set in production" for n in missing]
            if self.virtual_reader:
                problems.append("KIOSK_VIRTUAL_READER is for development and tests only")
            if self.kafka_security_protocol != "SASL_SSL" or not self.kafka_sasl_password:
                problems.append("KIOSK_KAFKA_SECURITY_PROTOCOL must be SASL_SSL, with credentials")
            if problems:
                raise UnsafeSettingsError("; ".join(problems))
        return self


class AppSettings(BaseModel):
    """What staff change on the kiosk's settings screen (S6.6)."""

    model_config = ConfigDict(extra="forbid")

    shelter_name: str = Field(default="", max_length=100, description="Shown on every screen")
    api_base_url: str = Field(default="", max_length=300, description="Management API address")
    voice: bool = Field(default=True, description="Voice guidance (S7/S8)")
    era_screen: bool = Field(default=True, description="Show the era selection screen (S6.4)")
    done_seconds: int = Field(
        default=20, ge=5, le=120,
        description="The done screen (with the evacuee's name) goes back to the start after this",
    )  # fmt: skip
    idle_seconds: int = Field(
        default=60, ge=10, le=600,
        description="The card, PIN and settings screens go back to the start when untouched",
    )  # fmt: skip


class AppSettingsFile:
    """The app settings in <data_dir>/settings.json (no secrets in it)."""

    def __init__(self, path: Path, defaults: AppSettings) -> None:
        self._path = path
        self._defaults = defaults

    def load(self) -> AppSettings:
        if not self._path.exists():
            return self._defaults
        return AppSettings.model_validate(json.loads(self._path.read_text("utf-8")))

    def save(self, settings: AppSettings) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(settings.model_dump_json(), "utf-8")
        tmp.replace(self._path)


def kafka_security(settings: Settings) -> dict[str, Any]:
    """aiokafka's security arguments: SASL over TLS outside a developer's machine."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    password = settings.kafka_sasl_password
    return {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_sasl_username,
        "sasl_plain_password": password.get_secret_value() if password else None,
        "ssl_context": ssl.create_default_context(cafile=settings.kafka_ssl_cafile),
    }

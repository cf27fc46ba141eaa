"""The kiosk refuses unsafe defaults in production (no device token, key file, plain Kafka)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from shelter_kiosk.config import Settings, kafka_security
from shelter_runtime.settings import Environment, UnsafeSettingsError


def test_production_needs_explicit_secrets_and_sasl() -> None:
    with pytest.raises(UnsafeSettingsError) as refused:
        Settings(environment=Environment.PRODUCTION)
    message = str(refused.value)
    for name in ("DEVICE_TOKEN", "QUEUE_KEY_FILE", "API_BASE_URL", "SASL_SSL"):
        assert name in message


def test_production_settings_that_are_complete(tmp_path: Path) -> None:
    settings = Settings(
        environment=Environment.PRODUCTION,
        device_token=SecretStr("device-secret"),
        queue_key_file=tmp_path / "key",
        api_base_url="https://shelter.example",
        shelter_id="13101-0001",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="kiosk",
        kafka_sasl_password=SecretStr("p"),
    )
    security = kafka_security(settings)
    assert security["security_protocol"] == "SASL_SSL"
    assert security["sasl_plain_password"] == "p"
    assert "device-secret" not in repr(settings)


def test_development_uses_plain_kafka() -> None:
    assert kafka_security(Settings()) == {}

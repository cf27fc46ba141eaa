"""Settings come from the environment; production refuses the defaults of a developer machine."""

from __future__ import annotations

import pytest

from shelter_runtime.settings import Environment, ServiceSettings, UnsafeSettingsError

PRODUCTION = {
    "ENVIRONMENT": "production",
    "MONGODB_URI": "mongodb://registration:mongo-secret@mongo-0:27017/?tls=true",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-0:9093,kafka-1:9093",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_USERNAME": "registration",
    "KAFKA_SASL_PASSWORD": "kafka-secret",
    "AUTH_URL": "http://auth:8105",
}

PROBLEMS = {
    "mongodb": "MONGODB_URI must be set explicitly in production",
    "bootstrap": "KAFKA_BOOTSTRAP_SERVERS must be set explicitly in production",
    "protocol": "KAFKA_SECURITY_PROTOCOL must be SASL_SSL in production",
    "sasl": "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required",
    "auth": "AUTH_URL must be set explicitly in production",
}


class RegistrationSettings(ServiceSettings):
    """A service's settings, the way each service subclasses the base."""

    service_name: str = "registration"
    http_port: int = 8101


def _set(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_development_accepts_the_defaults() -> None:
    settings = ServiceSettings(service_name="roster")
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert settings.mongodb_uri.get_secret_value() == "mongodb://127.0.0.1:27017/"
    assert settings.kafka_create_topics is True
    assert settings.kafka_password == ""


def test_the_test_environment_accepts_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "test")
    assert ServiceSettings(service_name="roster").environment is Environment.TEST


def test_values_come_from_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(
        monkeypatch,
        {
            "SERVICE_NAME": "stats",
            "HTTP_HOST": "0.0.0.0",  # noqa: S104 - a value, not a bind
            "HTTP_PORT": "18103",
            "LOG_LEVEL": "WARNING",
            "KAFKA_BOOTSTRAP_SERVERS": "kafka-0:9093",
            "KAFKA_TOPIC_NAMESPACE": "t0123",
            "KAFKA_CREATE_TOPICS": "false",
            "KAFKA_TOPIC_PARTITIONS": "12",
            "KAFKA_SASL_PASSWORD": "kafka-secret",
            "MONGODB_URI": "mongodb://db:27017/",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "MAX_REQUEST_BODY_BYTES": "2048",
        },
    )
    settings = ServiceSettings()
    assert settings.service_name == "stats"
    assert settings.http_host == "0.0.0.0"  # noqa: S104
    assert settings.http_port == 18103
    assert settings.log_level == "WARNING"
    assert settings.kafka_bootstrap_servers == "kafka-0:9093"
    assert settings.kafka_topic_namespace == "t0123"
    assert settings.kafka_create_topics is False
    assert settings.kafka_topic_partitions == 12
    assert settings.kafka_password == "kafka-secret"
    assert settings.mongodb_uri.get_secret_value() == "mongodb://db:27017/"
    assert settings.otel_exporter_otlp_endpoint == "http://collector:4318"
    assert settings.max_request_body_bytes == 2048
    assert "kafka-secret" not in repr(settings)


def test_a_service_subclass_reads_the_same_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PORT", "18101")
    settings = RegistrationSettings()
    assert (settings.service_name, settings.http_port) == ("registration", 18101)


def test_production_refuses_every_unsafe_default_and_names_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(UnsafeSettingsError) as caught:
        ServiceSettings(service_name="registration")
    message = str(caught.value)
    for problem in PROBLEMS.values():
        assert problem in message


def test_production_accepts_explicit_safe_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, PRODUCTION)
    settings = RegistrationSettings()
    assert settings.environment is Environment.PRODUCTION
    assert settings.kafka_security_protocol == "SASL_SSL"
    assert settings.kafka_password == "kafka-secret"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"MONGODB_URI": None}, "mongodb"),
        ({"KAFKA_BOOTSTRAP_SERVERS": None}, "bootstrap"),
        ({"AUTH_URL": None}, "auth"),
        ({"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}, "protocol"),
        ({"KAFKA_SECURITY_PROTOCOL": None}, "protocol"),
        ({"KAFKA_SASL_USERNAME": None}, "sasl"),
        ({"KAFKA_SASL_PASSWORD": None}, "sasl"),
        ({"KAFKA_SASL_PASSWORD": ""}, "sasl"),
        ({"KAFKA_SASL_USERNAME": ""}, "sasl"),
    ],
)
def test_production_names_exactly_the_unsafe_setting(
    monkeypatch: pytest.MonkeyPatch, change: dict[str, str | None], problem: str
) -> None:
    _set(monkeypatch, PRODUCTION)
    for name, value in change.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)

    with pytest.raises(UnsafeSettingsError) as caught:
        RegistrationSettings()

    assert str(caught.value) == PROBLEMS[problem]


def test_the_refusal_does_not_quote_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, PRODUCTION | {"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"})
    with pytest.raises(UnsafeSettingsError) as caught:
        RegistrationSettings()
    shown = str(caught.value) + repr(caught.value)
    assert "kafka-secret" not in shown
    assert "mongo-secret" not in shown


def test_database_name_is_the_service_name_by_default() -> None:
    assert ServiceSettings(service_name="roster").database_name == "roster"


def test_database_name_carries_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_DATABASE_PREFIX", "test_")
    assert ServiceSettings(service_name="roster").database_name == "test_roster"
    monkeypatch.setenv("MONGODB_DATABASE", "shelters")
    assert ServiceSettings(service_name="roster").database_name == "test_shelters"


def test_consumer_group_defaults_to_the_service_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings(service_name="stats").consumer_group == "stats"
    monkeypatch.setenv("KAFKA_CONSUMER_GROUP", "stats-blue")
    assert ServiceSettings(service_name="stats").consumer_group == "stats-blue"


@pytest.mark.parametrize(
    ("name", "value"),
    [("HTTP_PORT", "0"), ("ENVIRONMENT", "staging"), ("KAFKA_SECURITY_PROTOCOL", "SSL")],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.lower()):
        ServiceSettings(service_name="roster")

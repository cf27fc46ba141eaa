"""Logs are one JSON object per line, with trace ids, and never personal data."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from shelter_runtime.logs import ALLOWED_EXTRA

JsonLogging = Callable[[str], AbstractContextManager[None]]
#: Built at run time, so that no source line shown in a traceback contains it.
NAME = "".join(["山", "田", "花", "子"])

log = logging.getLogger("shelter.test")


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines, "nothing was logged"
    assert out.endswith("\n")
    return [json.loads(line) for line in lines]


def test_a_log_line_is_json_with_allowed_extras_and_trace_ids(
    json_logging: JsonLogging, capsys: pytest.CaptureFixture[str]
) -> None:
    tracer = TracerProvider().get_tracer("test")
    with json_logging("registration"), tracer.start_as_current_span("request") as span:
        log.info("checked in", extra={"shelter_id": "x", "family_name": "山田"})
        context = span.get_span_context()

    [line] = _lines(capsys)
    assert line["message"] == "checked in"
    assert line["level"] == "INFO"
    assert line["logger"] == "shelter.test"
    assert line["service"] == "registration"
    assert line["time"]
    assert line["shelter_id"] == "x"
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert "family_name" not in line
    assert "山田" not in json.dumps(line, ensure_ascii=False)


def test_without_a_span_there_are_no_trace_ids(
    json_logging: JsonLogging, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logging("roster"):
        log.warning("consumer lagging", extra={"topic": "shelter.shelters.v1"})

    [line] = _lines(capsys)
    assert line["topic"] == "shelter.shelters.v1"
    assert line["level"] == "WARNING"
    assert "trace_id" not in line
    assert "span_id" not in line


def test_only_allow_listed_extras_reach_the_output(
    json_logging: JsonLogging, capsys: pytest.CaptureFixture[str]
) -> None:
    allowed: dict[str, object] = {key: f"value-{key}" for key in ALLOWED_EXTRA}
    personal: dict[str, object] = {
        "given_name": NAME,
        "address": "東京都千代田区千代田1-1",
        "date_of_birth": "1950-04-01",
        "body": {"family_name": NAME},
        "personal": {"given_name": NAME},
    }
    with json_logging("registration"):
        log.info("request", extra=allowed | personal)

    [line] = _lines(capsys)
    for key, value in allowed.items():
        assert line[key] == value
    assert not set(personal) & set(line)
    assert NAME not in json.dumps(line, ensure_ascii=False)
    assert "千代田" not in json.dumps(line, ensure_ascii=False)


def test_an_exception_is_logged_with_its_frames_but_without_its_message(
    json_logging: JsonLogging, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = f"no stay for {NAME} born 1950-04-01"

    def look_up_stay(why: str) -> None:
        raise LookupError(why)

    with json_logging("registration"):
        try:
            look_up_stay(reason)
        except LookupError:
            log.exception("check-out failed", extra={"shelter_id": "13101-0001"})

    [line] = _lines(capsys)
    assert line["level"] == "ERROR"
    assert line["message"] == "check-out failed"
    assert line["shelter_id"] == "13101-0001"
    traceback = line["exc_info"]
    assert "look_up_stay" in traceback
    assert "test_logs.py" in traceback
    assert traceback.endswith("LookupError (message withheld)")
    text = json.dumps(line, ensure_ascii=False)
    assert NAME not in text
    assert reason not in text
    assert "no stay for" not in text
    assert "1950-04-01" not in text


def test_library_loggers_go_through_the_json_handler(
    json_logging: JsonLogging, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logging("stats"):
        logging.getLogger("uvicorn.error").info("started")
        logging.getLogger("uvicorn.access").info("GET /api/roster?family_name=%s", NAME)
        logging.getLogger("aiokafka").info("metadata refreshed")

    [line] = _lines(capsys)
    assert line["logger"] == "uvicorn.error"
    assert line["service"] == "stats"


def test_logging_is_put_back_after_the_json_set_up(json_logging: JsonLogging) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    with json_logging("stats"):
        assert len(root.handlers) == 1
        assert logging.getLogger("uvicorn.access").disabled
    assert root.handlers == before
    assert not logging.getLogger("uvicorn.access").disabled

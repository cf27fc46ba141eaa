"""JSON logs on stdout, with trace ids and without personal data.

Only the message and an allow-list of `extra` keys reach the output: a handler that passes a
whole model or a request body as `extra` cannot leak it, because unknown keys are dropped.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

#: `extra` keys that may appear in a log line. None of them may hold personal data.
ALLOWED_EXTRA = frozenset(
    {
        "event_id",
        "event_type",
        "shelter_id",
        "stay_id",
        "topic",
        "status_code",
        "method",
        "path",
        "duration_ms",
        "problem_type",
        "count",
    }
)

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class _SafeJsonFormatter(JsonFormatter):
    def __init__(self, service: str) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC
        )
        self._service = service

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        """Frames and the exception's type only: exception messages may quote personal input."""
        exc_type, _, tb = ei
        frames = "".join(traceback.format_tb(tb)) if tb else ""
        return f"{frames}{exc_type.__name__ if exc_type else 'Exception'} (message withheld)"

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in list(log_data):
            if (
                key not in _STANDARD
                and key not in ALLOWED_EXTRA
                and key
                not in {
                    "level",
                    "time",
                    "logger",
                }
            ):
                del log_data[key]
        log_data["service"] = self._service
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            log_data["trace_id"] = format(span.trace_id, "032x")
            log_data["span_id"] = format(span.span_id, "016x")


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger (ours, uvicorn's, FastStream's) through one JSON handler."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_SafeJsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Access logs carry query strings (search terms are names): the gateway logs requests.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("aiokafka").setLevel("WARNING")

"""Settings of the roster service."""

from __future__ import annotations

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "roster"
    http_port: int = 8102

"""Settings of the statistics service."""

from __future__ import annotations

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "stats"
    http_port: int = 8103

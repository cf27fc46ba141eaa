"""Settings of the auth service."""

from __future__ import annotations

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "auth"
    http_port: int = 8105

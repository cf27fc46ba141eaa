"""Settings of the roster service."""

from __future__ import annotations

from pydantic import Field

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "roster"
    http_port: int = 8102
    public_search_per_minute: int = Field(
        default=30, ge=1, description="Public searches per client and minute (per replica)"
    )
    public_search_max_results: int = Field(
        default=50, ge=1, le=500, description="Most hits one public search returns"
    )

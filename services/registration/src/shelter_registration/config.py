"""Settings of the registration service."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AnyHttpUrl, Field

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    #: A QR code that points at localhost is useless outside a developer's machine.
    unsafe_defaults: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.unsafe_defaults,
        "public_base_url",
    )

    service_name: str = "registration"
    http_port: int = 8101
    outbox_relay_interval_seconds: float = Field(default=2.0, gt=0)
    public_base_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://localhost:8080"),
        description="Where evacuees reach the web app; shelter QR codes point below it",
    )
    max_import_body_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="Body limit of the CSV import; JSON bodies keep max_request_body_bytes",
    )

    def check_in_url(self, shelter_id: str) -> str:
        """The smartphone registration page of one shelter (what its QR code encodes, S1.2)."""
        return f"{str(self.public_base_url).rstrip('/')}/checkin/{shelter_id}"

"""Settings of the statistics service."""

from __future__ import annotations

from pydantic import Field, model_validator

from shelter_runtime.settings import ServiceSettings
from shelter_stats.domain.model import CrowdingThresholds


class Settings(ServiceSettings):
    service_name: str = "stats"
    http_port: int = 8103

    crowding_moderate: float = Field(
        default=0.5, gt=0, description="Occupancy rate from which a shelter is moderately crowded"
    )
    crowding_crowded: float = Field(default=0.8, gt=0, description="... from which it is crowded")
    crowding_full: float = Field(default=1.0, gt=0, description="... from which it is full")
    occupancy_interval_seconds: float = Field(
        default=1.0, ge=0, description="At most one OccupancyChanged per shelter per interval"
    )
    sse_keepalive_seconds: float = Field(
        default=15.0, gt=0, description="A comment is sent on an idle event stream this often"
    )
    # Every flush writes one document per shelter that changed (about 2.5 ms each on FerretDB:
    # 1,000 shelters every 5 s took half of the database's writes); a bucket is 5 minutes.
    history_flush_seconds: float = Field(
        default=30.0, gt=0, description="Occupancy history points are written this often"
    )
    # Each recount reads and writes every shard it touches once: at 1,000 shelters a batch of
    # 1,000 costs a third of the time of five batches of 200 (measured on FerretDB).
    refresh_batch_size: int = Field(default=1000, ge=1, description="Shelters recounted at once")

    @property
    def crowding_thresholds(self) -> CrowdingThresholds:
        return CrowdingThresholds(self.crowding_moderate, self.crowding_crowded, self.crowding_full)

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> Settings:
        if not self.crowding_moderate <= self.crowding_crowded <= self.crowding_full:
            raise ValueError("CROWDING_MODERATE <= CROWDING_CROWDED <= CROWDING_FULL must hold")
        return self

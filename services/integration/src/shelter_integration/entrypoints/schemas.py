"""What the PULL API answers (S17.2): shelters with status and counts, municipality totals."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shelter_contracts.events import CrowdingLevel, ShelterType
from shelter_integration.domain.model import MunicipalitySummary, OpeningStatus, ShelterState

AGE_BANDS = 'Present people per decade (年代別): keys "0", "10", ... "90" (90 and over)'


class ShelterCounts(BaseModel):
    """A shelter's counts (scope `stats:read`); training-mode registrations never counted."""

    present: int = Field(description="Evacuees in the shelter now (避難者数)")
    households: int = Field(description="Households present (世帯数)")
    female: int
    male: int
    age_bands: dict[str, int] = Field(description=AGE_BANDS)
    occupancy_rate: float | None = Field(description="Present / capacity (収容率)")
    crowding_level: CrowdingLevel | None = Field(description="Crowding (混雑度)")
    counted_at: datetime


class ShelterPublic(BaseModel):
    """One shelter as a disaster-information system sees it; never any person's data."""

    shelter_id: str
    name: str = Field(description="Shelter name (避難所名)")
    address: str = Field(description="Address (所在地)")
    shelter_type: ShelterType
    capacity: int = Field(description="Capacity (収容人数)")
    latitude: float | None
    longitude: float | None
    opening_status: OpeningStatus = Field(description="open, closed or full (drills: closed)")
    status_label: str = Field(description="Local wording: 未開設, 開設中, 満員, 閉鎖, 訓練中")
    opened_at: datetime | None
    closed_at: datetime | None
    counts: ShelterCounts | None = Field(
        default=None, description="Present only with the scope stats:read (and not for drills)"
    )

    @classmethod
    def of(cls, state: ShelterState, *, with_counts: bool) -> ShelterPublic:
        facts = state.facts
        assert facts is not None, "only published shelters are listed"
        counts = state.counts if with_counts else None
        return cls(
            shelter_id=state.shelter_id,
            name=facts.name,
            address=facts.address,
            shelter_type=facts.shelter_type,
            capacity=facts.capacity,
            latitude=facts.latitude,
            longitude=facts.longitude,
            opening_status=state.opening_status,
            status_label=state.status_label,
            opened_at=facts.opened_at,
            closed_at=facts.closed_at,
            counts=None
            if counts is None
            else ShelterCounts(
                present=counts.present,
                households=counts.households,
                female=counts.female,
                male=counts.male,
                age_bands=dict(counts.age_bands),
                occupancy_rate=counts.occupancy_rate,
                crowding_level=counts.crowding_level,
                counted_at=counts.counted_at,
            ),
        )


class ShelterPage(BaseModel):
    """One page of shelters, by shelter id."""

    items: list[ShelterPublic]
    total: int
    limit: int
    offset: int


class TotalsPublic(BaseModel):
    """The municipality's totals over the published shelters (市町村合計); drills left out."""

    local_government_code: str
    shelters: int
    shelters_open: int = Field(description="Open for real (開設数)")
    capacity_open: int
    present: int = Field(description="Evacuees present (避難者数)")
    households: int
    female: int
    male: int
    age_bands: dict[str, int] = Field(description=AGE_BANDS)
    occupancy_rate: float | None

    @classmethod
    def of(cls, summary: MunicipalitySummary, code: str) -> TotalsPublic:
        return cls(
            local_government_code=code,
            shelters=summary.shelters,
            shelters_open=summary.shelters_open,
            capacity_open=summary.capacity_open,
            present=summary.present,
            households=summary.households,
            female=summary.female,
            male=summary.male,
            age_bands=dict(summary.age_bands),
            occupancy_rate=summary.occupancy_rate,
        )

"""What the statistics API answers (S14): one shelter, a page of shelters, the totals."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shelter_contracts.events import CrowdingLevel, ShelterType
from shelter_stats.domain.model import CrowdingThresholds, MunicipalityTotals, ShelterStatistics

AGE_BANDS_DESCRIPTION = 'Present people per decade (年代別): keys "0", "10", ... "90" (90 and over)'


class ShelterStatisticsPublic(BaseModel):
    """Live counts of one shelter (S14); training-mode registrations are never counted."""

    shelter_id: str
    name: str | None = Field(description="Shelter name (避難所名); null until its facts arrive")
    address: str | None = Field(description="Address (所在地)")
    shelter_type: ShelterType | None
    is_open: bool = Field(description="Open (開設中)")
    training: bool = Field(description="In training mode (訓練モード)")
    present: int = Field(description="Evacuees in the shelter now (避難者数)")
    checked_in: int = Field(description="Check-ins so far (入所者数)")
    checked_out: int = Field(description="Check-outs so far (退所者数)")
    households: int = Field(description="Households present (世帯数)")
    age_bands: dict[str, int] = Field(description=AGE_BANDS_DESCRIPTION)
    female: int = Field(description="Women present (女性)")
    male: int = Field(description="Men present (男性)")
    other: int = Field(description="Others present (その他)")
    capacity: int | None = Field(description="Capacity (収容人数), if known")
    occupancy_rate: float | None = Field(description="Present / capacity (収容率)")
    crowding_level: CrowdingLevel | None = Field(description="Crowding (混雑度), if known")

    @classmethod
    def of(
        cls, statistics: ShelterStatistics, thresholds: CrowdingThresholds
    ) -> ShelterStatisticsPublic:
        profile, counts = statistics.profile, statistics.counts
        return cls(
            shelter_id=statistics.shelter_id,
            name=profile.name if profile else None,
            address=profile.address if profile else None,
            shelter_type=profile.shelter_type if profile else None,
            is_open=statistics.is_open,
            training=statistics.training,
            present=counts.present,
            checked_in=counts.checked_in,
            checked_out=counts.checked_out,
            households=counts.households,
            age_bands=dict(counts.age_bands),
            female=counts.female,
            male=counts.male,
            other=counts.other,
            capacity=statistics.capacity,
            occupancy_rate=statistics.occupancy_rate,
            crowding_level=statistics.crowding_level(thresholds),
        )


class ShelterStatisticsPage(BaseModel):
    """One page of the shelter list (避難所一覧), ordered by shelter id."""

    items: list[ShelterStatisticsPublic]
    total: int = Field(description="Shelters in the list (deleted ones are not)")
    limit: int
    offset: int


class MunicipalityTotalsPublic(BaseModel):
    """The municipality's totals over shelters that are not deleted (市町村合計)."""

    shelters: int = Field(description="Shelters known and not deleted")
    shelters_open: int = Field(description="Shelters open, not in training mode (開設数)")
    capacity_open: int = Field(description="Capacity of the open shelters (開設避難所の収容人数)")
    present: int = Field(description="Evacuees present (避難者数)")
    checked_in: int
    checked_out: int = Field(description="Check-outs so far (退所者数)")
    households: int = Field(description="Households present (世帯数)")
    age_bands: dict[str, int] = Field(description=AGE_BANDS_DESCRIPTION)
    female: int
    male: int
    other: int

    @classmethod
    def of(cls, totals: MunicipalityTotals) -> MunicipalityTotalsPublic:
        counts = totals.counts
        return cls(
            shelters=totals.shelters,
            shelters_open=totals.shelters_open,
            capacity_open=totals.capacity_open,
            present=counts.present,
            checked_in=counts.checked_in,
            checked_out=counts.checked_out,
            households=counts.households,
            age_bands=dict(counts.age_bands),
            female=counts.female,
            male=counts.male,
            other=counts.other,
        )

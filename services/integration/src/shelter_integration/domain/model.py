"""What the city platforms learn of a shelter (S17, S21.5): facts and counts, nothing personal.

The integration service keeps its own read model from events: the shelter facts of the highest
version (registration's shelter events) and the latest counts (stats' OccupancyChanged). A
shelter in training mode (訓練モード) is a drill: the city sees it as not open and without counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shelter_contracts.events import CrowdingLevel, ShelterType


class OpeningStatus(StrEnum):
    """The catalogue's normalised opening state (datamodels.jp EvacuationShelter.openingStatus)."""

    OPEN = "open"
    CLOSED = "closed"
    FULL = "full"


#: The local wording of each state (statusLabel): 未開設, 開設中, 満員, 閉鎖, 訓練中.
NOT_YET_OPENED = "未開設"
OPEN_LABEL = "開設中"
FULL_LABEL = "満員"
CLOSED_LABEL = "閉鎖"
TRAINING_LABEL = "訓練中"


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of a shelter at one version (from registration's shelter events)."""

    version: int
    name: str
    capacity: int
    address: str = ""
    shelter_type: ShelterType = ShelterType.DESIGNATED
    latitude: float | None = None
    longitude: float | None = None
    open_data_id: str | None = None
    municipality_code: str | None = None
    is_open: bool = False
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    training: bool = False
    deleted: bool = False
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Occupancy:
    """The counts of a shelter at one moment (stats' OccupancyChanged); never a person's data."""

    counted_at: datetime
    present: int = 0
    households: int = 0
    female: int = 0
    male: int = 0
    age_bands: Mapping[str, int] = field(default_factory=dict)
    capacity: int | None = None
    occupancy_rate: float | None = None
    crowding_level: CrowdingLevel | None = None


@dataclass(frozen=True, slots=True)
class ShelterState:
    """One shelter as the integration service knows it; either part may still be missing."""

    shelter_id: str
    facts: Facts | None = None
    occupancy: Occupancy | None = None

    @property
    def publishable(self) -> bool:
        """Only shelters whose facts are known are published (a name is required)."""
        return self.facts is not None and not self.facts.deleted

    @property
    def deleted(self) -> bool:
        return self.facts is not None and self.facts.deleted

    @property
    def training(self) -> bool:
        return self.facts is not None and self.facts.training

    @property
    def counts(self) -> Occupancy | None:
        """The counts the city may see: none for a drill (訓練) shelter."""
        return None if self.training else self.occupancy

    @property
    def opening_status(self) -> OpeningStatus:
        facts = self.facts
        if facts is None or not facts.is_open or facts.training:
            return OpeningStatus.CLOSED
        counts = self.counts
        if counts is not None and counts.crowding_level is CrowdingLevel.FULL:
            return OpeningStatus.FULL
        return OpeningStatus.OPEN

    @property
    def status_label(self) -> str:
        status = self.opening_status
        if status is OpeningStatus.FULL:
            return FULL_LABEL
        if status is OpeningStatus.OPEN:
            return OPEN_LABEL
        if self.training:
            return TRAINING_LABEL
        if self.facts is not None and self.facts.opened_at is not None:
            return CLOSED_LABEL
        return NOT_YET_OPENED

    @property
    def status_changed_at(self) -> datetime | None:
        """When the opening status last changed, as far as the facts tell."""
        facts = self.facts
        if facts is None:
            return None
        return facts.changed_at or facts.closed_at or facts.opened_at

    @property
    def capacity(self) -> int | None:
        return self.facts.capacity if self.facts else None


@dataclass(frozen=True, slots=True)
class MunicipalitySummary:
    """The municipality's totals over published shelters (市町村合計); drills count as closed."""

    shelters: int
    shelters_open: int
    capacity_open: int
    present: int
    households: int
    female: int
    male: int
    age_bands: Mapping[str, int]
    observed_at: datetime | None

    @property
    def occupancy_rate(self) -> float | None:
        if not self.capacity_open:
            return None
        return round(self.present / self.capacity_open, 4)


def summarise(states: Iterable[ShelterState]) -> MunicipalitySummary:
    """Totals of the shelters that are published; counts of drill shelters are left out."""
    shelters = shelters_open = capacity_open = present = households = female = male = 0
    bands: dict[str, int] = {}
    observed: datetime | None = None
    for state in states:
        if not state.publishable:
            continue
        shelters += 1
        if state.opening_status is not OpeningStatus.CLOSED:
            shelters_open += 1
            capacity_open += state.capacity or 0
        counts = state.counts
        if counts is None:
            continue
        present += counts.present
        households += counts.households
        female += counts.female
        male += counts.male
        for band, number in counts.age_bands.items():
            bands[band] = bands.get(band, 0) + number
        if observed is None or counts.counted_at > observed:
            observed = counts.counted_at
    return MunicipalitySummary(
        shelters=shelters,
        shelters_open=shelters_open,
        capacity_open=capacity_open,
        present=present,
        households=households,
        female=female,
        male=male,
        age_bands=dict(sorted(bands.items(), key=lambda item: int(item[0]))),
        observed_at=observed,
    )

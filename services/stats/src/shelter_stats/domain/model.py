"""Shelter statistics (避難所の集計, S13-S14): a shelter's facts with its counts.

Pure rules: the occupancy rate (収容率), the crowding level (混雑度) and the municipality
totals (市町村の合計). What is counted comes from `counting`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from shelter_contracts.events import CrowdingLevel, ShelterType
from shelter_stats.domain.counting import AGE_BANDS, Counts


@dataclass(frozen=True, slots=True)
class ShelterProfile:
    """What the statistics need of a shelter's facts, at one version of them."""

    version: int
    name: str
    capacity: int
    address: str = ""
    shelter_type: ShelterType = ShelterType.DESIGNATED
    is_open: bool = False
    training: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class CrowdingThresholds:
    """Occupancy rates from which a shelter is moderately crowded, crowded and full."""

    moderate: float = 0.5
    crowded: float = 0.8
    full: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.moderate <= self.crowded <= self.full:
            raise ValueError("crowding thresholds must satisfy 0 < moderate <= crowded <= full")


def occupancy_rate(present: int, capacity: int | None) -> float | None:
    """Present over capacity (収容率), to four decimals; None when the capacity is unknown or 0."""
    if not capacity:
        return None
    return round(present / capacity, 4)


def crowding_level(
    present: int, capacity: int | None, thresholds: CrowdingThresholds
) -> CrowdingLevel | None:
    """How full a shelter is (混雑度); None when the capacity is unknown or 0."""
    if not capacity:
        return None
    rate = present / capacity  # unrounded: a rate just under a threshold stays under it
    if rate >= thresholds.full:
        return CrowdingLevel.FULL
    if rate >= thresholds.crowded:
        return CrowdingLevel.CROWDED
    if rate >= thresholds.moderate:
        return CrowdingLevel.MODERATE
    return CrowdingLevel.VACANT


@dataclass(frozen=True, slots=True)
class ShelterStatistics:
    """One shelter's counts with its facts; `profile` is None until a shelter event arrives."""

    shelter_id: str
    counts: Counts = field(default_factory=Counts)
    profile: ShelterProfile | None = None

    @property
    def capacity(self) -> int | None:
        return self.profile.capacity if self.profile else None

    @property
    def is_open(self) -> bool:
        return self.profile.is_open if self.profile else False

    @property
    def training(self) -> bool:
        return self.profile.training if self.profile else False

    @property
    def deleted(self) -> bool:
        return self.profile.deleted if self.profile else False

    @property
    def occupancy_rate(self) -> float | None:
        return occupancy_rate(self.counts.present, self.capacity)

    def crowding_level(self, thresholds: CrowdingThresholds) -> CrowdingLevel | None:
        return crowding_level(self.counts.present, self.capacity, thresholds)


@dataclass(frozen=True, slots=True)
class MunicipalityTotals:
    """The municipality's totals over shelters that are not deleted (市町村合計)."""

    shelters: int
    shelters_open: int
    capacity_open: int
    counts: Counts


def add_counts(counts: Iterable[Counts]) -> Counts:
    """The sum of counts (of shelters, so households of different shelters add up)."""
    bands = dict.fromkeys(AGE_BANDS, 0)
    checked_in = checked_out = households = female = male = other = 0
    for c in counts:
        checked_in += c.checked_in
        checked_out += c.checked_out
        households += c.households
        female += c.female
        male += c.male
        other += c.other
        for band in AGE_BANDS:
            bands[band] += c.age_bands.get(band, 0)
    return Counts(checked_in, checked_out, households, female, male, other, bands)


def municipality_totals(shelters: Iterable[ShelterStatistics]) -> MunicipalityTotals:
    """Totals of shelters that are not deleted; open means open for real, not for a drill (訓練)."""
    counted = [s for s in shelters if not s.deleted]
    open_for_real = [s for s in counted if s.is_open and not s.training]
    return MunicipalityTotals(
        shelters=len(counted),
        shelters_open=len(open_for_real),
        capacity_open=sum(s.capacity or 0 for s in open_for_real),
        counts=add_counts(s.counts for s in counted),
    )

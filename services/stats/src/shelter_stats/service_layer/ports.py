"""What the statistics handlers need: storage of stays, shelters and summaries, and senders."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from shelter_contracts.events import OccupancyChanged
from shelter_stats.domain.counting import StayCheckIn, StayCheckOut, StayCorrection
from shelter_stats.domain.history import HistoryPoint
from shelter_stats.domain.model import ShelterProfile, ShelterStatistics


class Statistics(Protocol):
    """Per-stay facts, shelter facts and the per-shelter summaries derived from them."""

    async def record_check_in(
        self,
        stay_id: UUID,
        shelter_id: str,
        *,
        at: datetime,
        training: bool,
        age_band: int,
        sex: str,
        household_key: str,
    ) -> bool:
        """Store the check-in of a stay once; False when it was already recorded (a replay)."""

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        """Store the check-out once, even before its check-in arrives; False on a replay."""

    async def record_stays(
        self, check_ins: Sequence[StayCheckIn], check_outs: Sequence[StayCheckOut]
    ) -> None:
        """Store many check-ins and check-outs at once, each once (replays add nothing)."""

    async def record_corrections(self, corrections: Sequence[StayCorrection]) -> None:
        """Store staff corrections of stays, each once (replays add nothing)."""

    async def record_history(
        self, points: Mapping[str, HistoryPoint], trim: Collection[str] = ()
    ) -> None:
        """Set each shelter's point of its bucket; for the shelters in `trim`, also drop the
        buckets older than the kept window (domain.history)."""

    async def history(self, shelter_id: str) -> list[HistoryPoint]:
        """The shelter's kept points, oldest first."""

    async def record_shelter(self, shelter_id: str, profile: ShelterProfile) -> bool:
        """Keep the facts of the highest version; False when an equal or higher one is stored."""

    async def record_shelters(self, profiles: Mapping[str, ShelterProfile]) -> set[str]:
        """`record_shelter` for many shelters at once; returns the ids whose facts were kept."""

    async def refresh(self, shelter_ids: Sequence[str]) -> list[ShelterStatistics]:
        """Recount these shelters from their stays, store the summaries and return them."""

    async def shelter_ids(self) -> list[str]:
        """Every shelter known from a stay or a shelter event."""

    async def statistics(self, shelter_id: str) -> ShelterStatistics:
        """The stored summary of one shelter; zero counts when nothing is known of it."""

    async def page(self, limit: int, offset: int) -> tuple[list[ShelterStatistics], int]:
        """Shelters that are not deleted, by id: one page and the number of all of them."""

    async def all_statistics(self) -> list[ShelterStatistics]:
        """The summaries of every shelter that is not deleted."""


class Refresh(Protocol):
    def touch(self, shelter_id: str) -> None:
        """The shelter's facts may have changed: recount it soon."""


class OccupancySender(Protocol):
    async def __call__(self, event: OccupancyChanged) -> None:
        """Publish the event on the occupancy topic."""

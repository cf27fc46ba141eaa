"""Storage the statistics handlers need."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Statistics(Protocol):
    async def record_check_in(
        self, stay_id: UUID, shelter_id: str, age_band: int, training: bool, at: datetime
    ) -> bool:
        """Store the check-in of a stay once; False when it was already recorded (a replay)."""

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        """Store the check-out once, even before its check-in arrives; False on a replay."""

    async def record_shelter(self, shelter_id: str, capacity: int, as_of: datetime) -> bool:
        """Keep the newest capacity; False when an equal or newer one is already stored."""

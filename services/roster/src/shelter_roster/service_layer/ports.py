"""Storage the roster handlers need."""

from __future__ import annotations

from typing import Protocol

from shelter_roster.domain.model import CheckInFacts, CheckOutFacts


class RosterEntries(Protocol):
    async def record_check_in(self, facts: CheckInFacts) -> bool:
        """Store the check-in once; False when it was already recorded (a replay)."""

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        """Store the check-out once, even before its check-in arrives; False on a replay."""

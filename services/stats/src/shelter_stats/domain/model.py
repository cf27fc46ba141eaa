"""Shelter statistics (避難所の集計, S13-S14), derived from per-stay facts, never from counters.

Counting stays instead of incrementing counters keeps the invariants true under replays and
any arrival order: present = checked in - checked out, and no count is ever negative.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShelterCounts:
    shelter_id: str
    capacity: int | None
    checked_in: int
    checked_out: int

    @property
    def present(self) -> int:
        return self.checked_in - self.checked_out

    @property
    def occupancy_rate(self) -> float | None:
        """Present over capacity (収容率); None when the capacity is unknown or zero."""
        if not self.capacity:
            return None
        return round(self.present / self.capacity, 4)

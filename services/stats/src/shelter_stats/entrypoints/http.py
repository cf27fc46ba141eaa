"""Statistics read API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from shelter_contracts.events import ShelterId
from shelter_stats.adapters.mongo import MongoStatistics


class ShelterStatistics(BaseModel):
    """Live counts of one shelter (S14); training-mode registrations are not counted."""

    shelter_id: str
    present: int = Field(description="Evacuees in the shelter now (避難者数)")
    checked_in: int = Field(description="Check-ins so far")
    checked_out: int = Field(description="Check-outs so far (退所者数)")
    capacity: int | None = Field(description="Capacity (収容人数), if known")
    occupancy_rate: float | None = Field(description="Present / capacity (収容率)")


def get_stats(request: Request) -> MongoStatistics:
    stats: MongoStatistics = request.app.state.stats
    return stats


Stats = Annotated[MongoStatistics, Depends(get_stats)]
router = APIRouter(tags=["statistics"])


@router.get("/shelters/{shelter_id}")
async def shelter_statistics(
    shelter_id: Annotated[ShelterId, Path()], stats: Stats
) -> ShelterStatistics:
    """Current counts of one shelter."""
    counts = await stats.counts(shelter_id)
    return ShelterStatistics(
        shelter_id=counts.shelter_id,
        present=counts.present,
        checked_in=counts.checked_in,
        checked_out=counts.checked_out,
        capacity=counts.capacity,
        occupancy_rate=counts.occupancy_rate,
    )

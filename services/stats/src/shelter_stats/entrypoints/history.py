"""Occupancy over time of one shelter (収容状況の推移) for the web's chart: public, counts only."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shelter_stats.domain.history import BUCKET_SECONDS, BUCKETS_KEPT
from shelter_stats.entrypoints.http import Api, Current

router = APIRouter(tags=["statistics"])


class HistoryPointPublic(BaseModel):
    at: datetime = Field(description="Start of the time bucket (UTC)")
    present: int = Field(description="Evacuees present at the end of the bucket (避難者数)")
    households: int = Field(description="Households present (世帯数)")
    checked_out: int = Field(description="Check-outs so far (退所者数)")


class ShelterHistoryPublic(BaseModel):
    """Shelter-level counts per time bucket, oldest first; buckets without change are absent."""

    shelter_id: str
    bucket_seconds: int = Field(description="Width of a bucket in seconds", examples=[300])
    buckets_kept: int = Field(description="Most buckets kept per shelter", examples=[2016])
    points: list[HistoryPointPublic]


@router.get(
    "/shelters/{shelter_id}/history",
    responses={404: {"description": "The shelter was deleted"}},
)
async def shelter_history(statistics: Current, api: Api) -> ShelterHistoryPublic:
    """Occupancy of one shelter over time (five-minute buckets, seven days), for a chart."""
    points = await api.stats.history(statistics.shelter_id)
    return ShelterHistoryPublic(
        shelter_id=statistics.shelter_id,
        bucket_seconds=BUCKET_SECONDS,
        buckets_kept=BUCKETS_KEPT,
        points=[
            HistoryPointPublic(
                at=p.at, present=p.present, households=p.households, checked_out=p.checked_out
            )
            for p in points
        ],
    )

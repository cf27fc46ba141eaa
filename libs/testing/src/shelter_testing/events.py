"""Events as registration publishes them, for the consumers' tests (roster, stats, e2e)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from shelter_contracts.events import Channel, EvacueeCheckedIn, EvacueeCheckedOut
from shelter_contracts.personal import EvacueePersonal, Sex

#: The time every factory counts its `minute` from.
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
HOUSEHOLD = "0123456789abcdef0123456789abcdef"


def personal(
    family_name: str = "山田",
    given_name: str = "花子",
    *,
    family_name_kana: str | None = "ヤマダ",
    given_name_kana: str | None = "ハナコ",
    address: str = "東京都千代田区千代田1-1",
    date_of_birth: date = date(1950, 4, 1),
    sex: Sex = Sex.FEMALE,
) -> EvacueePersonal:
    return EvacueePersonal(
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
        address=address,
        date_of_birth=date_of_birth,
        sex=sex,
        phone="090-1234-5678",
    )


def check_in_event(
    shelter_id: str,
    *,
    stay_id: UUID | None = None,
    minute: int = 0,
    training: bool = False,
    channel: Channel = Channel.SMARTPHONE,
    who: EvacueePersonal | None = None,
    message: str | None = "卵アレルギー",
    statuses: tuple[str, ...] = ("要介護",),
    age_band: int = 70,
    sex: Sex = Sex.FEMALE,
    household_key: str = HOUSEHOLD,
    transferred_from: str | None = None,
) -> EvacueeCheckedIn:
    """A check-in at T0 + `minute` minutes."""
    at = T0 + timedelta(minutes=minute)
    return EvacueeCheckedIn(
        occurred_at=at,
        shelter_id=shelter_id,
        producer="registration",
        stay_id=stay_id or uuid.uuid4(),
        channel=channel,
        personal=who or personal(),
        age_band=age_band,
        sex=sex,
        household_key=household_key,
        statuses=statuses,
        message=message,
        checked_in_at=at,
        training=training,
        transferred_from=transferred_from,
    )


def check_out_event(
    shelter_id: str,
    stay_id: UUID,
    *,
    minute: int = 60,
    forced: bool = False,
    transferred_to: str | None = None,
) -> EvacueeCheckedOut:
    """A check-out at T0 + `minute` minutes; a forced one comes from staff (channel 2)."""
    at = T0 + timedelta(minutes=minute)
    return EvacueeCheckedOut(
        occurred_at=at,
        shelter_id=shelter_id,
        producer="registration",
        stay_id=stay_id,
        channel=Channel.STAFF if forced else Channel.SMARTPHONE,
        checked_out_at=at,
        forced=forced,
        transferred_to=transferred_to,
    )

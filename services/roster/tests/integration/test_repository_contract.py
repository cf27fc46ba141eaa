"""The repository contracts, run against the in-memory fakes and the real Mongo adapters.

Every test runs twice (the store fixtures are parametrized): once on the fake, once on the
Mongo adapter over a fresh FerretDB database. Identical expectations on both prove the fakes
used by the unit tests behave like the adapters, documents included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID, uuid4

from pymongo import AsyncMongoClient

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, EvacueeCorrected
from shelter_contracts.personal import Sex
from shelter_roster.adapters.corrections import CorrectionPublisher
from shelter_roster.adapters.mongo import MongoRosterEntries
from shelter_roster.domain.disclosure import AgeFormat, DisclosureSettings
from shelter_roster.domain.model import EntryNumbers, EntryQuery, Presence, PublicQuery, ToNumber
from shelter_roster.service_layer.documents import check_in_fields, check_out_fields
from shelter_roster.service_layer.handlers import (
    apply_stay_event,
    check_in_facts,
    check_out_facts,
)
from shelter_roster.service_layer.ports import (
    Numbering,
    RosterEntries,
    RosterSettings,
    ShelterDirectory,
)
from shelter_runtime.mongo import Document
from shelter_testing.events import T0
from shelter_text import fold_name

from ..conftest import FakeNumbering, FakeRosterEntries

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]


def check_in_document(event: EvacueeCheckedIn, serial: int = 1, household: int = 1) -> Document:
    numbers = EntryNumbers(serial=serial, household_number=household)
    return {"_id": event.stay_id, **check_in_fields(check_in_facts(event), numbers)}


def check_out_document(event: EvacueeCheckedOut) -> Document:
    return check_out_fields(check_out_facts(event))


async def apply(event: EvacueeCheckedIn | EvacueeCheckedOut, store: RosterEntries) -> bool:
    """Each call numbers with a fresh fake (serial 1): numbering has its own contract below."""
    return await apply_stay_event(event, store, FakeNumbering())


def in_shelter(shelter_id: str, **filters: object) -> EntryQuery:
    return EntryQuery(shelter_id=shelter_id, **filters)  # type: ignore[arg-type]


async def listed(store: RosterEntries, query: EntryQuery) -> list[UUID]:
    return [d["_id"] for d in await store.find(query, limit=100, skip=0)]


# --- entries: written once, in any order --------------------------------------------------------


async def test_check_in_is_recorded_once_and_a_replay_changes_nothing(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id, transferred_from="13101-0009")

    assert await apply(event, roster_store) is True
    assert await roster_store.get(event.stay_id) == check_in_document(event)

    assert await apply(event, roster_store) is False
    assert await roster_store.get(event.stay_id) == check_in_document(event)
    assert await roster_store.find(in_shelter(shelter_id), limit=10, skip=0) == [
        check_in_document(event)
    ]


async def test_a_different_check_in_of_a_recorded_stay_is_ignored(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    first = check_in(shelter_id, minute=1)
    other = check_in(
        shelter_id, stay_id=first.stay_id, minute=5, family_name="佐藤", message=None, statuses=()
    )
    await apply(first, roster_store)

    numbers = EntryNumbers(serial=7, household_number=7)
    assert await roster_store.record_check_in(check_in_facts(other), numbers) is False
    assert await roster_store.get(first.stay_id) == check_in_document(first)


async def test_check_out_before_check_in_then_check_in_keeps_both(
    roster_store: RosterEntries, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(
        shelter_id, arrival.stay_id, minute=30, forced=True, transferred_to="13101-0002"
    )

    assert await apply(departure, roster_store) is True
    assert await roster_store.get(arrival.stay_id) == {
        "_id": arrival.stay_id,
        **check_out_document(departure),
    }
    # A stay known only by its check-out is not on the roster yet.
    assert await roster_store.find(in_shelter(shelter_id), limit=10, skip=0) == []
    assert await roster_store.count(in_shelter(shelter_id)) == 0

    assert await apply(arrival, roster_store) is True
    both = {**check_in_document(arrival), **check_out_document(departure)}
    assert await roster_store.get(arrival.stay_id) == both
    assert await roster_store.find(in_shelter(shelter_id), limit=10, skip=0) == [both]


async def test_check_out_is_recorded_once_and_the_first_one_wins(
    roster_store: RosterEntries, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=45)
    later_forced = check_out(shelter_id, arrival.stay_id, minute=90, forced=True)
    await apply(arrival, roster_store)

    assert await apply(departure, roster_store) is True
    assert await apply(departure, roster_store) is False
    assert await apply(later_forced, roster_store) is False
    # A check-in replayed after the check-out does not wipe it either.
    assert await apply(arrival, roster_store) is False

    assert await roster_store.get(arrival.stay_id) == {
        **check_in_document(arrival),
        **check_out_document(departure),
    }


async def test_unknown_stay_is_none_and_has_no_history(
    roster_store: RosterEntries, check_in: CheckIn
) -> None:
    stay_id = check_in("13101-0001").stay_id
    assert await roster_store.get(stay_id) is None
    assert await roster_store.history(stay_id) == []


async def test_times_are_stored_in_utc_at_millisecond_precision(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    jst = timezone(timedelta(hours=9))
    event = check_in(shelter_id).model_copy(
        update={"checked_in_at": datetime(2026, 9, 1, 18, 0, 0, 123456, tzinfo=jst)}
    )
    await apply(event, roster_store)

    stored = await roster_store.get(event.stay_id)
    assert stored is not None
    assert stored["checked_in_at"] == datetime(2026, 9, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert stored["checked_in_at"].utcoffset() == timedelta(0)


# --- entries: queries (S11.1 filters, pagination) ------------------------------------------------


async def test_roster_lists_one_shelter_oldest_check_in_first_then_by_stay_id(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    low = UUID("10000000-0000-4000-8000-000000000000")
    high = UUID("f0000000-0000-4000-8000-000000000000")
    late = check_in(shelter_id, minute=3)
    tie_high = check_in(shelter_id, stay_id=high, minute=2)
    early = check_in(shelter_id, minute=1)
    tie_low = check_in(shelter_id, stay_id=low, minute=2)
    elsewhere = check_in(f"{shelter_id}-x", minute=0)
    for event in (late, tie_high, early, tie_low, elsewhere):
        await apply(event, roster_store)

    in_order = [check_in_document(e) for e in (early, tie_low, tie_high, late)]
    query = in_shelter(shelter_id)
    assert await roster_store.find(query, limit=10, skip=0) == in_order
    assert await roster_store.find(query, limit=2, skip=1) == in_order[1:3]
    assert await roster_store.find(query, limit=10, skip=4) == []
    assert await roster_store.count(query) == 4
    # Across shelters (staff search): every shelter, same order.
    everywhere = await roster_store.find(EntryQuery(), limit=100, skip=0)
    assert [d["_id"] for d in everywhere if d["shelter_id"].startswith(shelter_id)] == [
        elsewhere.stay_id,
        *[d["_id"] for d in in_order],
    ]


async def test_presence_status_item_and_training_filters(
    roster_store: RosterEntries, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    present = check_in(shelter_id, minute=1, statuses=("要介護", "妊娠中"))
    gone = check_in(shelter_id, minute=2, statuses=("妊娠中",))
    plain = check_in(shelter_id, minute=3, statuses=())
    drill = check_in(shelter_id, minute=4, training=True, statuses=("妊娠中",))
    for event in (present, gone, plain, drill, check_out(shelter_id, gone.stay_id, minute=9)):
        await apply(event, roster_store)

    assert await listed(roster_store, in_shelter(shelter_id)) == [
        present.stay_id,
        gone.stay_id,
        plain.stay_id,
    ]
    assert await listed(roster_store, in_shelter(shelter_id, presence=Presence.PRESENT)) == [
        present.stay_id,
        plain.stay_id,
    ]
    assert await listed(roster_store, in_shelter(shelter_id, presence=Presence.CHECKED_OUT)) == [
        gone.stay_id
    ]
    pregnant = in_shelter(shelter_id, status_item="妊娠中")
    assert await listed(roster_store, pregnant) == [present.stay_id, gone.stay_id]
    assert await roster_store.count(pregnant) == 2
    both = in_shelter(shelter_id, status_item="妊娠中", presence=Presence.PRESENT)
    assert await listed(roster_store, both) == [present.stay_id]
    # Training entries never mix with real ones: they are listed only on their own.
    training = in_shelter(shelter_id, training=True)
    assert await listed(roster_store, training) == [drill.stay_id]
    assert await roster_store.count(training) == 1


async def test_name_filter_folds_kanji_kana_width_and_old_forms(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    takahashi = check_in(
        shelter_id,
        minute=1,
        family_name="髙橋",
        given_name="一郎",
        family_name_kana="タカハシ",
        given_name_kana="イチロウ",
    )
    watanabe = check_in(
        shelter_id,
        minute=2,
        family_name="渡邊",
        given_name="さくら",
        family_name_kana="ワタナベ",
        given_name_kana="サクラ",
    )
    dotted = check_in(
        shelter_id,
        minute=3,
        family_name="A+B",
        given_name="(C)",
        family_name_kana=None,
        given_name_kana=None,
    )
    for event in (takahashi, watanabe, dotted):
        await apply(event, roster_store)

    async def by_name(text: str) -> list[UUID]:
        return await listed(roster_store, in_shelter(shelter_id, name=fold_name(text)))

    assert await by_name("高橋") == [takahashi.stay_id]  # new form finds the old one
    assert await by_name("髙橋一郎") == [takahashi.stay_id]
    assert await by_name("高橋 一郎") == [takahashi.stay_id]  # spaces folded away
    assert await by_name("ﾀｶﾊｼ") == [takahashi.stay_id]  # half-width katakana
    assert await by_name("たかはし　いち") == [takahashi.stay_id]  # hiragana, full-width space
    assert await by_name("渡辺") == [watanabe.stay_id]
    assert await by_name("さくら") == [watanabe.stay_id]  # given name alone, kanji field
    assert await by_name("サクラ") == [watanabe.stay_id]
    assert await by_name("鈴木") == []
    # Regex metacharacters are matched as text, never as a pattern.
    assert await by_name("A+B") == [dotted.stay_id]
    assert await by_name("(C") == [dotted.stay_id]
    assert await by_name(".*") == []
    for odd in ("\\", "[", "^", "$", "|", "\x00", "(?i)", "{2}"):
        assert await by_name(odd) == []
    assert await roster_store.count(in_shelter(shelter_id, name=fold_name("ﾜﾀﾅﾍﾞ"))) == 1


async def test_public_search_matches_whole_folded_names_of_present_real_entries(
    roster_store: RosterEntries, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    hanako = check_in(shelter_id, minute=1, family_name="山田", given_name="花子")
    taro = check_in(
        shelter_id, minute=2, family_name="山田", given_name="太郎", given_name_kana="タロウ"
    )
    left = check_in(shelter_id, minute=3, family_name="山田", given_name="次郎")
    drill = check_in(shelter_id, minute=4, family_name="山田", given_name="訓練", training=True)
    other = check_in(
        shelter_id, minute=5, family_name="山本", given_name="花子", family_name_kana="ヤマモト"
    )
    for event in (hanako, taro, left, drill, other, check_out(shelter_id, left.stay_id)):
        await apply(event, roster_store)

    async def search(family: str | None, given: str | None, limit: int = 50) -> list[UUID]:
        query = PublicQuery(
            family_name=fold_name(family) if family else None,
            given_name=fold_name(given) if given else None,
        )
        return [d["_id"] for d in await roster_store.search_public(query, limit=limit)]

    assert await search("山田", None) == [hanako.stay_id, taro.stay_id]
    assert await search("ﾔﾏﾀﾞ", None) == [hanako.stay_id, taro.stay_id]  # kana, half width
    assert await search("やまだ", "たろう") == [taro.stay_id]
    assert await search(None, "花子") == [hanako.stay_id, other.stay_id]
    assert await search("山田", "花子") == [hanako.stay_id]
    assert await search("山", None) == []  # whole names only: no listing by prefix
    assert await search("山田", "次郎") == []  # checked out
    assert await search("山田", "訓練") == []  # training
    assert await search("山田", None, limit=1) == [hanako.stay_id]


# --- entries: staff corrections and their history (S11.1) ---------------------------------------


async def test_a_correction_lands_only_at_the_expected_revision_and_is_kept_in_history(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await apply(event, roster_store)
    edit = {
        "at": T0,
        "actor": "staff-1",
        "changes": [{"field": "remarks", "old": None, "new": "x"}],
    }
    second: Document = {
        **edit,
        "actor": None,
        "changes": [{"field": "message", "old": "a", "new": None}],
    }

    assert await roster_store.correct(event.stay_id, 1, {"remarks": "x"}, edit) is False
    assert await roster_store.correct(event.stay_id, 0, {"remarks": "x"}, edit) is True
    assert await roster_store.correct(event.stay_id, 0, {"remarks": "y"}, edit) is False
    assert await roster_store.correct(event.stay_id, 1, {"message": None}, second) is True

    stored = await roster_store.get(event.stay_id)
    assert stored == {
        **check_in_document(event),
        "remarks": "x",
        "message": None,
        "revision": 2,
    }
    assert await roster_store.history(event.stay_id) == [edit, second]
    # The listing never carries the history either.
    assert "history" not in (await roster_store.find(in_shelter(shelter_id), limit=1, skip=0))[0]


async def test_an_entry_stored_before_revisions_existed_is_at_revision_zero(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await apply(event, roster_store)
    # The old shape: no revision field at all.
    if isinstance(roster_store, FakeRosterEntries):
        del roster_store.entries.documents[event.stay_id]["revision"]
    else:
        stay_id = str(event.stay_id)
        await roster_store.check_ins.of(stay_id).update_one(  # type: ignore[attr-defined]
            {"_id": stay_id}, {"$unset": {"revision": ""}}
        )
    edit: Document = {"at": T0, "actor": None, "changes": []}

    assert await roster_store.correct(event.stay_id, 1, {"remarks": "x"}, edit) is False
    assert await roster_store.correct(event.stay_id, 0, {"remarks": "x"}, edit) is True
    stored = await roster_store.get(event.stay_id)
    assert stored is not None and (stored["remarks"], stored["revision"]) == ("x", 1)


async def test_a_stay_known_only_by_its_check_out_cannot_be_corrected(
    roster_store: RosterEntries, check_out: CheckOut, shelter_id: str
) -> None:
    departure = check_out(shelter_id, UUID("20000000-0000-4000-8000-000000000000"))
    await apply(departure, roster_store)
    edit: Document = {"at": T0, "actor": None, "changes": []}
    assert await roster_store.correct(departure.stay_id, 0, {"remarks": "x"}, edit) is False


# --- numbering (S12 通番, 世帯番号) -------------------------------------------------------------


async def test_serials_count_up_per_shelter_and_mode_and_stay_with_their_stay(
    numbering_store: Numbering, shelter_id: str
) -> None:
    stays = [uuid4() for _ in range(4)]
    serials = [await numbering_store.serial(shelter_id, s, False) for s in stays[:3]]
    assert serials == [1, 2, 3]
    assert await numbering_store.serial(shelter_id, stays[0], False) == 1  # asked again
    assert await numbering_store.serial(shelter_id, stays[3], True) == 1  # training apart
    assert await numbering_store.serial(f"{shelter_id}-x", uuid4(), False) == 1
    assert await numbering_store.serial(shelter_id, uuid4(), False) == 4


async def test_household_numbers_are_stable_and_given_in_order_of_first_sight(
    numbering_store: Numbering, shelter_id: str
) -> None:
    a, b = "a" * 32, "b" * 32
    got = [await numbering_store.household_number(shelter_id, k, False) for k in (b, a, b, a)]
    assert got == [1, 2, 1, 2]
    assert await numbering_store.household_number(shelter_id, a, True) == 1
    assert await numbering_store.household_number(f"{shelter_id}-x", a, False) == 1


# --- shelter names and settings ---------------------------------------------------------------


async def test_shelter_names_keep_the_highest_version(
    shelter_directory: ShelterDirectory, shelter_id: str
) -> None:
    assert await shelter_directory.record(shelter_id, 2, "新しい名前", False) is True
    assert await shelter_directory.record(shelter_id, 1, "古い名前", False) is False
    assert await shelter_directory.record(shelter_id, 2, "同じ版", False) is False
    assert await shelter_directory.names([shelter_id, "nowhere"]) == {shelter_id: "新しい名前"}
    assert await shelter_directory.record(shelter_id, 3, "三版", True) is True
    assert await shelter_directory.names([shelter_id]) == {shelter_id: "三版"}
    assert await shelter_directory.names([]) == {}


async def test_disclosure_settings_default_to_name_only_until_saved(
    settings_store: RosterSettings,
) -> None:
    assert await settings_store.disclosure() == DisclosureSettings(
        name=True, sex=False, age=False, address=False, age_format=AgeFormat.YEARS
    )
    chosen = DisclosureSettings(name=False, sex=True, age=True, age_format=AgeFormat.BAND)
    await settings_store.save_disclosure(chosen)
    assert await settings_store.disclosure() == chosen
    await settings_store.save_disclosure(DisclosureSettings(address=True))
    assert await settings_store.disclosure() == DisclosureSettings(address=True)


async def test_a_name_search_across_shelters_finds_stored_and_corrected_names(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    here = check_in(shelter_id, minute=1, family_name="髙橋", given_name="一郎")
    there = check_in(f"{shelter_id}-x", minute=2, family_name="高橋", given_name="次郎")
    renamed = check_in(f"{shelter_id}-y", minute=3, family_name="佐藤", given_name="三郎")
    for event in (here, there, renamed):
        await apply(event, roster_store)
    doc = await roster_store.get(renamed.stay_id)
    assert doc is not None
    corrected = {**doc["personal"], "family_name": "高橋"}
    fields = {"personal": corrected, "folded": {**doc["folded"], "name": fold_name("高橋三郎")}}
    edit: Document = {"at": T0, "actor": None, "changes": []}
    assert await roster_store.correct(renamed.stay_id, 0, fields, edit) is True

    query = EntryQuery(name=fold_name("高橋"))
    found = [
        d["_id"]
        for d in await roster_store.find(query, limit=100, skip=0)
        if d["shelter_id"].startswith(shelter_id)
    ]
    assert found == [here.stay_id, there.stay_id, renamed.stay_id]
    assert await listed(roster_store, EntryQuery(name=fold_name("佐藤"))) == []


# --- batches (the stays consumer hands over many events at once) ------------------------------


async def test_numbering_a_batch_gives_what_one_at_a_time_gives(
    numbering_store: Numbering, shelter_id: str
) -> None:
    stays = [uuid4() for _ in range(5)]
    a, b = "東京都千代田区1-1|やまだ", "a.b$c|x"  # any text may be a household key
    other = f"{shelter_id}-x"
    [(serials, households), (there, _)] = await numbering_store.number_many(
        [
            ToNumber(shelter_id, False, tuple(stays[:3]), (a, b, a)),
            ToNumber(other, False, (stays[4],)),
        ]
    )
    assert serials == {stays[0]: 1, stays[1]: 2, stays[2]: 3}
    assert households == {a: 1, b: 2}
    assert there == {stays[4]: 1}
    [(again, _)] = await numbering_store.number_many(
        [ToNumber(shelter_id, False, (stays[1], stays[3]))]
    )
    assert again == {stays[1]: 2, stays[3]: 4}
    assert await numbering_store.serial(shelter_id, stays[2], False) == 3
    assert await numbering_store.household_number(shelter_id, b, False) == 2
    assert await numbering_store.serial(shelter_id, stays[0], True) == 1  # training apart


async def test_a_batch_is_stored_once_in_any_cut_and_lists_its_stays(
    roster_store: RosterEntries, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrivals = [check_in(shelter_id, minute=m) for m in range(3)]
    elsewhere = check_in(f"{shelter_id}-x", minute=5)
    departure = check_out(shelter_id, arrivals[1].stay_id, minute=9)
    numbered = [
        (check_in_facts(e), EntryNumbers(serial=i + 1, household_number=1))
        for i, e in enumerate([*arrivals, elsewhere])
    ]
    changed = await roster_store.record_many(numbered[:2], [check_out_facts(departure)])
    assert changed == {arrivals[0].stay_id, arrivals[1].stay_id}
    changed = await roster_store.record_many(numbered, [check_out_facts(departure)])
    assert changed == {arrivals[2].stay_id, elsewhere.stay_id}
    assert await roster_store.record_many(numbered, []) == set()

    assert await listed(roster_store, in_shelter(shelter_id)) == [e.stay_id for e in arrivals]
    present = await listed(roster_store, in_shelter(shelter_id, presence=Presence.PRESENT))
    assert present == [arrivals[0].stay_id, arrivals[2].stay_id]
    out = await listed(roster_store, in_shelter(shelter_id, presence=Presence.CHECKED_OUT))
    assert out == [arrivals[1].stay_id]
    doc = await roster_store.get(elsewhere.stay_id)
    assert doc == check_in_document(elsewhere, serial=4)


async def test_public_search_finds_batched_entries_and_names_corrected_by_staff(
    roster_store: RosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    """S16.1 through the name keys: stored with a batch, kept up by corrections."""
    first = check_in(shelter_id, minute=1, family_name="鈴木", given_name="一郎")
    second = check_in(shelter_id, minute=2, family_name="鈴木", given_name="二郎")
    numbers = EntryNumbers(serial=1, household_number=1)
    await roster_store.record_many([(check_in_facts(e), numbers) for e in (first, second)], [])
    doc = await roster_store.get(second.stay_id)
    assert doc is not None
    renamed = {**doc["personal"], "family_name": "斉藤"}
    folded = {**doc["folded"], "family": fold_name("斉藤"), "family_kana": None}
    edit: Document = {"at": T0, "actor": None, "changes": []}
    assert await roster_store.correct(
        second.stay_id, 0, {"personal": renamed, "folded": folded}, edit
    )

    async def search(family: str) -> list[UUID]:
        query = PublicQuery(family_name=fold_name(family), given_name=None)
        return [d["_id"] for d in await roster_store.search_public(query, limit=10)]

    assert await search("鈴木") == [first.stay_id]
    assert await search("斉藤") == [second.stay_id]


async def test_a_stored_correction_is_published_once_with_its_age_band_and_sex(
    mongo_client: AsyncMongoClient[Document], database_name: str, check_in: CheckIn, shelter_id: str
) -> None:
    """S11.1 to the statistics: the corrected sex and the age band at check-in, no birth date."""
    store = MongoRosterEntries(mongo_client[database_name])
    sent: list[EvacueeCorrected] = []

    async def send(event: EvacueeCorrected) -> None:
        sent.append(event)

    publisher = CorrectionPublisher(store, send)
    event = check_in(shelter_id)
    await apply(event, store)
    doc = await store.get(event.stay_id)
    assert doc is not None
    born = date(event.checked_in_at.year - 75, 1, 1)
    personal = {**doc["personal"], "sex": "female", "date_of_birth": born.isoformat()}
    fields = {"personal": personal, "folded": doc["folded"]}
    edit: Document = {"at": T0, "actor": "staff-1", "changes": []}
    assert await store.correct(event.stay_id, 0, fields, edit) is True
    assert await store.correct(event.stay_id, 1, {"remarks": "x"}, edit) is True  # not counted

    assert await publisher.publish_pending() == 1
    [published] = sent
    assert (published.stay_id, published.shelter_id, published.revision) == (
        event.stay_id,
        shelter_id,
        1,
    )
    assert (published.sex, published.age_band) == (Sex.FEMALE, 70)
    assert born.isoformat() not in published.model_dump_json()
    assert await publisher.publish_pending() == 0  # the pointer is gone

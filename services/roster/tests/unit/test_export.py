"""The roster CSV (S11-S12) parsed back from its bytes, as Excel would read them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from uuid import uuid4

from shelter_contracts.events import Channel
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_roster.domain.export import HEADERS, roster_csv, safe_cell
from shelter_roster.domain.model import RosterEntry


def roster_entry(**overrides: object) -> RosterEntry:
    values: dict[str, object] = {
        "stay_id": uuid4(),
        "shelter_id": "13101-0001",
        "serial": 12,
        "channel": Channel.STAFF,
        "household_number": 3,
        "personal": EvacueePersonal(
            family_name="山田",
            given_name="花子",
            family_name_kana="ヤマダ",
            given_name_kana="ハナコ",
            address="東京都千代田区千代田1-1",
            date_of_birth=date(1950, 4, 1),
            sex=Sex.FEMALE,
            phone="090-1234-5678",
            email="hanako@example.jp",
        ),
        "age_band": 70,
        "statuses": ("要介護", "妊娠中"),
        "message": "卵アレルギー, 薬が必要\n夜間",
        "remarks": "車椅子",
        "checked_in_at": datetime(2026, 9, 1, 15, 30, tzinfo=UTC),
        "checked_out_at": datetime(2026, 9, 2, 0, 5, tzinfo=UTC),
        "forced_check_out": False,
        "transferred_from": None,
        "transferred_to": None,
        "training": False,
    }
    values.update(overrides)
    return RosterEntry(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_header_and_a_row_with_every_s12_field_in_japan_time() -> None:
    data = roster_csv([roster_entry()])

    rows = parse(data)
    assert rows[0] == list(HEADERS)
    assert rows[0][:3] == ["通番", "登録区分", "世帯番号"]
    assert rows[1] == [
        "12",
        "2 職員代行",
        "3",
        "山田 花子",
        "ヤマダ ハナコ",
        "女性",
        "1950-04-01",
        "東京都千代田区千代田1-1",
        "090-1234-5678",
        "hanako@example.jp",
        "車椅子",
        "要介護、妊娠中",
        "卵アレルギー, 薬が必要\n夜間",
        "2026-09-02 00:30:00",  # 15:30 UTC is 00:30 the next day in Tokyo
        "2026-09-02 09:05:00",
    ]


def test_lines_end_with_crlf() -> None:
    data = roster_csv([roster_entry(message=None), roster_entry(message=None)])
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == 3
    assert "\n" not in text.replace("\r\n", "")


def test_cells_that_would_start_a_formula_are_quoted() -> None:
    hostile = roster_entry(
        remarks='=HYPERLINK("http://evil")',
        message="+1+1",
        statuses=("@SUM(A1)", "-2"),
        checked_out_at=None,
    )
    row = parse(roster_csv([hostile]))[1]
    assert row[10] == '\'=HYPERLINK("http://evil")'
    assert row[12] == "'+1+1"
    assert row[11] == "'@SUM(A1)、-2"
    assert row[14] == ""  # still present
    assert [safe_cell(v) for v in ("-", "\tx", "a=b", "")] == ["'-", "'\tx", "a=b", ""]


def test_several_shelters_get_a_shelter_column_first() -> None:
    rows = parse(
        roster_csv([roster_entry(), roster_entry(shelter_id="13101-0002")], with_shelter=True)
    )
    assert rows[0] == ["避難所ID", *HEADERS]
    assert [r[0] for r in rows[1:]] == ["13101-0001", "13101-0002"]


def test_an_empty_roster_is_the_header_alone() -> None:
    assert parse(roster_csv([])) == [list(HEADERS)]

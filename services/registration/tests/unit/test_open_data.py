"""Reading the municipal open-data shelter lists by header name, in UTF-8 and Shift_JIS."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelter_contracts.events import ShelterType
from shelter_registration.domain import open_data
from shelter_registration.domain.open_data import Dataset, UnreadableFileError

DATA = Path(__file__).parents[1] / "data"


def _file(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("emergency_sites.utf8.csv", "utf-8-sig"),
        ("emergency_sites.sjis.csv", "cp932"),
    ],
)
def test_emergency_sites_are_read_by_header_name(name: str, encoding: str) -> None:
    parsed = open_data.read(_file(name))
    assert (parsed.dataset, parsed.encoding) == (Dataset.EMERGENCY_SITES, encoding)
    assert parsed.unknown_headers == ("独自項目",)
    good = {row.row: row for row in parsed.rows if row.master is not None}
    assert sorted(good) == [2, 3, 11, 12]  # row 11 repeats an ID: the handler refuses it

    chuo = good[2].master
    assert chuo is not None
    assert good[2].shelter_id == "092011-0001"
    assert (chuo.name, chuo.capacity, chuo.municipality_code) == (
        "宇都宮市立中央小学校",
        810,
        "092011",
    )
    assert (chuo.latitude, chuo.longitude) == (36.5551, 139.8828)
    assert chuo.address == "栃木県宇都宮市中央1丁目1-1"
    assert chuo.shelter_type is ShelterType.EMERGENCY
    assert chuo.open_data_id == "0001"
    higashi, imaizumi = good[3].master, good[12].master
    assert higashi is not None and imaizumi is not None
    assert (higashi.capacity, imaizumi.capacity) == (1200, 250)  # "1,200人", "約２５０人"


def test_both_encodings_and_no_bom_read_the_same() -> None:
    utf8 = _file("emergency_sites.utf8.csv")
    assert utf8.startswith(b"\xef\xbb\xbf")
    without_bom = open_data.read(utf8[3:])
    assert without_bom.encoding == "utf-8"
    sjis = open_data.read(_file("emergency_sites.sjis.csv"))
    utf16 = open_data.read(utf8.decode("utf-8-sig").encode("utf-16"))
    assert without_bom.rows == open_data.read(utf8).rows == sjis.rows == utf16.rows


def test_bad_rows_say_why_in_english_and_japanese() -> None:
    parsed = open_data.read(_file("emergency_sites.sjis.csv"))
    refused = {row.row: row.problems for row in parsed.rows if row.master is None}
    # Row 9 is blank (skipped); row 3 spans two lines (a quoted line break) and still counts 1.
    assert sorted(refused) == [4, 5, 6, 7, 8, 10]
    expected = {
        4: "名称が空です",
        5: "緯度・経度が空か範囲外です",  # 北緯36度
        6: "IDが空です（再取り込み時に同じ避難所を特定できません）",
        7: "全国地方公共団体コードが正しくありません",  # 131017: wrong check digit
        8: "想定収容人数から人数を読み取れません",  # 未定
        10: "緯度・経度が空か範囲外です",  # longitude missing
    }
    for number, problems in refused.items():
        assert [p.reason_ja for p in problems] == [expected[number]]
        assert all(p.reason for p in problems)


@pytest.mark.parametrize("name", ["designated_shelters.utf8.csv", "designated_shelters.sjis.csv"])
def test_designated_shelters_download(name: str) -> None:
    parsed = open_data.read(_file(name))
    assert parsed.dataset is Dataset.DESIGNATED_SHELTERS
    assert parsed.unknown_headers == ()
    rows = {row.row: row for row in parsed.rows}
    first, second = rows[2].master, rows[3].master
    assert first is not None and second is not None
    assert rows[2].shelter_id == "09201100000001"
    assert first.address == "栃木県宇都宮市中央1丁目1-1"  # prefecture and city prefixed
    assert second.address == "栃木県宇都宮市今泉町１２３"  # already full: not doubled
    assert (first.shelter_type, first.capacity, first.municipality_code) == (
        ShelterType.DESIGNATED,
        0,
        None,
    )
    assert [rows[n].master for n in (4, 5, 6)] == [None, None, None]


@pytest.mark.parametrize(
    ("text", "capacity"),
    [
        ("810人（2平方メートルあたり1人）", 810),
        ("1,200人", 1200),
        ("約２５０人", 250),
        ("300", 300),
        ("", 0),
    ],
)
def test_capacity_free_text(text: str, capacity: int) -> None:
    problems: list[open_data.RowProblem] = []
    assert open_data._capacity(text, problems) == capacity
    assert problems == []


@pytest.mark.parametrize("text", ["未定", "2平方メートルあたり", "999999人"])
def test_capacity_without_a_number_of_people(text: str) -> None:
    problems: list[open_data.RowProblem] = []
    open_data._capacity(text, problems)
    assert len(problems) == 1


@pytest.mark.parametrize(
    ("open_data_id", "code", "shelter_id"),
    [
        ("0001", "092011", "092011-0001"),
        ("0920110001", "092011", "0920110001"),  # already prefixed by its municipality
        ("09201100000001", None, "09201100000001"),
    ],
)
def test_shelter_ids_from_open_data_ids(
    open_data_id: str, code: str | None, shelter_id: str
) -> None:
    assert open_data.shelter_id_for(open_data_id, code) == shelter_id


def test_ids_that_are_not_shelter_ids_get_a_stable_digest() -> None:
    first = open_data.shelter_id_for("中央-1", "092011")
    assert first == open_data.shelter_id_for("中央-1", "092011")
    assert first.startswith("od-") and first != open_data.shelter_id_for("中央-2", "092011")


@pytest.mark.parametrize(
    ("data", "reason_ja"),
    [
        (b"", "ファイルが空です"),
        ("名前,住所\n体育館,どこか\n".encode(), "名称の列がありません"),
        (b"\x00\x01\x02name\n", "CSV形式のテキストではありません"),
        (b"\x81 ,\x81 \n", "文字コード"),  # a Shift_JIS lead byte without its trail byte
    ],
)
def test_unreadable_files(data: bytes, reason_ja: str) -> None:
    with pytest.raises(UnreadableFileError) as refused:
        open_data.read(data)
    assert reason_ja in refused.value.reason_ja

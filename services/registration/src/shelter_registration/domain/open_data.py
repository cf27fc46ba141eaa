"""The municipal open-data shelter lists, read by header name (S10.6, S14; master data S18).

Two sources are understood, told apart by their headers:
- 指定緊急避難場所一覧, the municipal standard open data set (自治体標準オープンデータセット):
  全国地方公共団体コード, ID, 名称, 所在地_連結表記, 緯度, 経度, 想定収容人数, 災害種別_* ...
- 指定避難所, the GSI download: NO, 共通ID, 都道府県名及び市町村名, 施設・場所名, 住所, 緯度, 経度,
  受入対象者, 備考.
Column order and extra columns vary between municipalities, so columns are found by name and
the names not understood are reported. Pure: bytes in, rows with their problems out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from shelter_contracts.events import ShelterType
from shelter_registration.domain.model import (
    DomainError,
    InvalidMunicipalityCodeError,
    ShelterMaster,
    municipality_code,
)

SHELTER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_NAME = 120
MAX_ADDRESS = 200


class Dataset(StrEnum):
    EMERGENCY_SITES = "designated-emergency-sites"  # 指定緊急避難場所一覧
    DESIGNATED_SHELTERS = "designated-shelters"  # 指定避難所


HAZARD_COLUMNS = tuple(
    f"災害種別_{hazard}"
    for hazard in (
        "洪水",
        "崖崩れ、土石流及び地滑り",
        "高潮",
        "地震",
        "津波",
        "大規模な火事",
        "内水氾濫",
        "火山現象",
    )
)
KNOWN_COLUMNS: dict[Dataset, frozenset[str]] = {
    Dataset.EMERGENCY_SITES: frozenset(
        (
            "全国地方公共団体コード",
            "ID",
            "地方公共団体名",
            "名称",
            "名称_カナ",
            "名称_英字",
            "所在地_連結表記",
            "所在地_都道府県",
            "所在地_市区町村",
            "所在地_町字",
            "所在地_番地以下",
            "建物名",
            "緯度",
            "経度",
            "標高",
            "電話番号",
            "内線番号",
            "郵便番号",
            "市区町村コード",
            "町字ID",
            *HAZARD_COLUMNS,
            "指定避難所との重複",
            "想定収容人数",
            "対象となる町会・自治会",
            "URL",
            "画像",
            "画像_ライセンス",
            "備考",
        )
    ),
    Dataset.DESIGNATED_SHELTERS: frozenset(
        (
            "NO",
            "共通ID",
            "都道府県名及び市町村名",
            "施設・場所名",
            "住所",
            "緯度",
            "経度",
            "受入対象者",
            "備考",
        )
    ),
}


class UnreadableFileError(DomainError):
    """The file is not a shelter list we can read at all (encoding, CSV syntax, headers)."""

    def __init__(self, reason: str, reason_ja: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_ja = reason_ja


@dataclass(frozen=True, slots=True)
class RowProblem:
    reason: str
    reason_ja: str


@dataclass(frozen=True, slots=True)
class OpenDataRow:
    """One data row: what it describes, or why it cannot be used. `row` counts the header as 1."""

    row: int
    shelter_id: str | None
    master: ShelterMaster | None
    problems: tuple[RowProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenDataFile:
    dataset: Dataset
    encoding: str
    unknown_headers: tuple[str, ...]
    rows: tuple[OpenDataRow, ...]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding: UTF-8 (with or without BOM) if it decodes, else Shift_JIS.

    A UTF-16 byte-order mark is honoured too.

    cp932 (Microsoft's Shift_JIS, what Excel writes) is tried last because almost any byte
    string is valid UTF-8 only if it really is UTF-8, while cp932 accepts much more.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode" CSV
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp932")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError(
        "The file is neither UTF-8 nor Shift_JIS text",
        "ファイルの文字コードを判別できません（UTF-8またはShift_JISで保存してください）",
    )


def read(data: bytes) -> OpenDataFile:
    """Parse a shelter list; rows that cannot be used carry their problems instead of facts."""
    text, encoding = decode(data)
    if "\x00" in text:
        raise UnreadableFileError("The file is not CSV text", "CSV形式のテキストではありません")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise UnreadableFileError(
            f"The CSV cannot be read: {error}", "CSVの形式が正しくありません"
        ) from error
    if not records:
        raise UnreadableFileError("The file is empty", "ファイルが空です")
    headers = [_clean_header(h) for h in records[0]]
    if "名称" in headers:
        dataset = Dataset.EMERGENCY_SITES
    elif "施設・場所名" in headers:
        dataset = Dataset.DESIGNATED_SHELTERS
    else:
        raise UnreadableFileError(
            "No name column: expected 名称 (指定緊急避難場所一覧) or 施設・場所名 (指定避難所)",
            "名称の列がありません（指定緊急避難場所一覧の「名称」または指定避難所の「施設・場所名」）",
        )
    known = KNOWN_COLUMNS[dataset]
    unknown = tuple(dict.fromkeys(h for h in headers if h and h not in known))
    rows: list[OpenDataRow] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {h: record[i].strip() for i, h in enumerate(headers) if h and i < len(record)}
        rows.append(_row(dataset, number, cells))
    return OpenDataFile(dataset, encoding, unknown, tuple(rows))


def _clean_header(header: str) -> str:
    return header.strip().lstrip("\ufeff").strip()


def _row(dataset: Dataset, number: int, cells: dict[str, str]) -> OpenDataRow:
    problems: list[RowProblem] = []
    if dataset is Dataset.EMERGENCY_SITES:
        name = cells.get("名称", "")
        open_data_id = cells.get("ID", "")
        address = cells.get("所在地_連結表記", "") or "".join(
            cells.get(c, "")
            for c in ("所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下")
        )
        shelter_type = ShelterType.EMERGENCY
        capacity = _capacity(cells.get("想定収容人数", ""), problems)
        code = _code(cells.get("全国地方公共団体コード", ""), problems)
    else:
        name = cells.get("施設・場所名", "")
        open_data_id = cells.get("共通ID", "")
        address = _joined_address(cells.get("都道府県名及び市町村名", ""), cells.get("住所", ""))
        shelter_type = ShelterType.DESIGNATED
        capacity = 0  # the GSI download has no capacity column
        code = None
    latitude, longitude = _position(cells.get("緯度", ""), cells.get("経度", ""), problems)
    if not name:
        problems.append(RowProblem("The name is empty", "名称が空です"))
    elif len(name) > MAX_NAME:
        problems.append(
            RowProblem(f"The name is longer than {MAX_NAME}", f"名称が{MAX_NAME}文字を超えています")
        )
    if len(address) > MAX_ADDRESS:
        problems.append(
            RowProblem(
                f"The address is longer than {MAX_ADDRESS}",
                f"住所が{MAX_ADDRESS}文字を超えています",
            )
        )
    if not open_data_id:
        problems.append(
            RowProblem(
                "The ID is empty: without it a re-import could not find the shelter again",
                "IDが空です（再取り込み時に同じ避難所を特定できません）",
            )
        )
    if problems:
        return OpenDataRow(number, None, None, tuple(problems))
    master = ShelterMaster(
        name=name,
        capacity=capacity,
        address=address,
        shelter_type=shelter_type,
        latitude=latitude,
        longitude=longitude,
        open_data_id=open_data_id,
        municipality_code=code,
    )
    return OpenDataRow(number, shelter_id_for(open_data_id, code), master)


def shelter_id_for(open_data_id: str, code: str | None) -> str:
    """The shelter id a row gets: stable across imports so a re-import finds the same shelter.

    Municipal IDs are only unique within their municipality, so the local government code
    prefixes them unless they already start with it.
    """
    raw = unicodedata.normalize("NFKC", open_data_id).strip()
    if code and not raw.startswith(code):
        raw = f"{code}-{raw}"
    candidate = re.sub(r"[^A-Za-z0-9_.-]", "-", raw)
    if SHELTER_ID.match(candidate) and candidate == raw:
        return candidate
    return "od-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def _joined_address(municipality: str, address: str) -> str:
    if not municipality or address.startswith(municipality):
        return address
    return municipality + address


_PEOPLE = re.compile(r"(\d+)\s*人")
_NUMBER = re.compile(r"^\s*(\d+)\s*$")


def _capacity(text: str, problems: list[RowProblem]) -> int:
    """想定収容人数 is free text: "810人（2平方メートルあたり1人）", "1,200", "約300人"."""
    folded = unicodedata.normalize("NFKC", text).replace(",", "")
    if not folded.strip():
        return 0
    match = _PEOPLE.search(folded) or _NUMBER.match(folded)
    if match is None or int(match.group(1)) > 100_000:
        problems.append(
            RowProblem(
                "The capacity (想定収容人数) holds no number of people",
                "想定収容人数から人数を読み取れません",
            )
        )
        return 0
    return int(match.group(1))


def _code(text: str, problems: list[RowProblem]) -> str | None:
    if not text:
        return None
    try:
        return municipality_code(text)
    except InvalidMunicipalityCodeError:
        problems.append(
            RowProblem(
                "The local government code (全国地方公共団体コード) is not a valid 6-digit code",
                "全国地方公共団体コードが正しくありません",
            )
        )
        return None


def _position(
    latitude: str, longitude: str, problems: list[RowProblem]
) -> tuple[float | None, float | None]:
    if not latitude and not longitude:
        return None, None
    try:
        lat = float(unicodedata.normalize("NFKC", latitude))
        lon = float(unicodedata.normalize("NFKC", longitude))
    except ValueError:
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also false for NaN
        problems.append(
            RowProblem(
                "The latitude or longitude (緯度・経度) is missing or out of range",
                "緯度・経度が空か範囲外です",
            )
        )
        return None, None
    return lat, lon

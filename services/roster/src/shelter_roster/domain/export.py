"""The roster as a CSV file that Excel opens correctly (名簿のCSV出力, S11-S12).

UTF-8 with a byte order mark (Excel otherwise reads Shift_JIS), CRLF line ends, Japanese
headers, times in Japan time, and cells that would start a formula prefixed with a quote
(CSV injection: =, +, -, @, tab and carriage return start formulas in spreadsheets).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from shelter_contracts.events import Channel
from shelter_contracts.personal import Sex
from shelter_roster.domain.model import RosterEntry

JST = ZoneInfo("Asia/Tokyo")
BOM = "\ufeff"

HEADERS = (
    "通番",
    "登録区分",
    "世帯番号",
    "氏名",
    "フリガナ",
    "性別",
    "生年月日",
    "住所",
    "電話番号",
    "メール",
    "備考",
    "状態",
    "メッセージ",
    "入所日時",
    "退所日時",
)
#: Extra leading column when one file holds several shelters.
SHELTER_HEADER = "避難所ID"

CHANNEL_JA = {
    Channel.CARD: "1 マイナンバーカード",
    Channel.STAFF: "2 職員代行",
    Channel.SMARTPHONE: "3 スマートフォン",
}
SEX_JA = {Sex.FEMALE: "女性", Sex.MALE: "男性", Sex.OTHER: "その他"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def japan_time(moment: datetime | None) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def row(entry: RosterEntry) -> list[str]:
    p = entry.personal
    kana = " ".join(k for k in (p.family_name_kana, p.given_name_kana) if k)
    return [
        str(entry.serial or ""),
        CHANNEL_JA[entry.channel],
        str(entry.household_number or ""),
        f"{p.family_name} {p.given_name}",
        kana,
        SEX_JA[p.sex],
        p.date_of_birth.isoformat(),
        p.address,
        p.phone or "",
        str(p.email or ""),
        entry.remarks or "",
        "、".join(entry.statuses),
        entry.message or "",
        japan_time(entry.checked_in_at),
        japan_time(entry.checked_out_at),
    ]


def roster_csv(entries: Iterable[RosterEntry], *, with_shelter: bool = False) -> bytes:
    """The CSV bytes of `entries`, header first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(((SHELTER_HEADER,) if with_shelter else ()) + HEADERS)
    for entry in entries:
        cells = row(entry)
        if with_shelter:
            cells.insert(0, entry.shelter_id)
        writer.writerow([safe_cell(c) for c in cells])
    return (BOM + out.getvalue()).encode("utf-8")

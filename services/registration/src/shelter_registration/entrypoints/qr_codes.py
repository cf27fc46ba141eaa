"""QR codes of the smartphone registration page per shelter: PNG, SVG and A4 print pages (S14).

The print pages are self-contained (inline SVG and CSS, no external resources) so that they
print the same from a shelter PC without internet access.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Response

from shelter_registration.adapters import qr
from shelter_registration.domain import model
from shelter_registration.entrypoints.deps import (
    AllShelters,
    Deps,
    SettingsDep,
    ShelterPath,
    ShelterReader,
    refusal,
)
from shelter_registration.service_layer import handlers

qr_codes = APIRouter(prefix="/shelters", tags=["qr codes"])

#: Print pages only need their own inline styles and SVG.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
}
_404: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown shelter"}}

_STYLE = """
@page { size: A4 portrait; margin: 15mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans JP", "Hiragino Sans", "Yu Gothic", "Meiryo",
       sans-serif; color: #000; background: #fff; }
.sheet { width: 180mm; min-height: 260mm; margin: 0 auto; text-align: center;
         page-break-after: always; break-after: page; }
.sheet:last-child { page-break-after: auto; break-after: auto; }
.sheet h1 { font-size: 28pt; line-height: 1.3; margin: 8mm 0 4mm; word-break: break-all; }
.sheet .lead { font-size: 18pt; margin: 0 0 6mm; }
.sheet .qr { width: 130mm; height: 130mm; margin: 0 auto; }
.sheet .url { font-family: monospace; font-size: 12pt; margin-top: 6mm; word-break: break-all; }
.sheet .note { font-size: 12pt; margin-top: 4mm; }
.grid { display: flex; flex-wrap: wrap; justify-content: space-between; }
.card { width: 88mm; height: 125mm; border: 0.3mm solid #888; margin-bottom: 5mm;
        padding: 4mm; text-align: center; break-inside: avoid; page-break-inside: avoid; }
.card h2 { font-size: 16pt; margin: 0 0 2mm; word-break: break-all; }
.card .qr { width: 70mm; height: 70mm; margin: 0 auto; }
.card .url { font-family: monospace; font-size: 8pt; word-break: break-all; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _sheet(shelter: model.Shelter, url: str) -> str:
    return (
        '<section class="sheet">'
        f"<h1>{escape(shelter.name)}</h1>"
        '<p class="lead">避難者の受付（スマートフォン）</p>'
        f'<div class="qr">{qr.svg(url, "100%")}</div>'
        f'<p class="url">{escape(url)}</p>'
        '<p class="note">カメラでQRコードを読み取り、表示されたページから受付してください。</p>'
        "</section>"
    )


def _card(shelter: model.Shelter, url: str) -> str:
    return (
        '<div class="card">'
        f"<h2>{escape(shelter.name)}</h2>"
        f'<div class="qr">{qr.svg(url, "100%")}</div>'
        f'<p class="url">{escape(url)}</p>'
        "</div>"
    )


@qr_codes.get("/qr.html", response_class=Response)
async def all_qr_codes_page(who: AllShelters, deps: Deps, settings: SettingsDep) -> Response:
    """One printable sheet with the QR code of every shelter (S10.3)."""
    shelters: list[model.Shelter] = []
    while True:
        page, total = await deps.shelters.list(len(shelters), 500)
        shelters += page
        if not page or len(shelters) >= total:
            break
    cards = "".join(_card(s, settings.check_in_url(s.shelter_id)) for s in shelters)
    body = f'<main class="grid">{cards}</main>' if cards else "<p>避難所が登録されていません。</p>"
    html = _page("避難所QRコード一覧", body)
    return Response(html, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@qr_codes.get("/{shelter_id}/qr.png", response_class=Response, responses=_404)
async def qr_png(
    who: ShelterReader, shelter_id: ShelterPath, deps: Deps, settings: SettingsDep
) -> Response:
    """The shelter's QR code as PNG (opens its smartphone registration page, S1.2)."""
    shelter = await _shelter(shelter_id, deps)
    return Response(qr.png(settings.check_in_url(shelter.shelter_id)), media_type="image/png")


@qr_codes.get("/{shelter_id}/qr.svg", response_class=Response, responses=_404)
async def qr_svg(
    who: ShelterReader, shelter_id: ShelterPath, deps: Deps, settings: SettingsDep
) -> Response:
    """The shelter's QR code as SVG."""
    shelter = await _shelter(shelter_id, deps)
    return Response(
        qr.svg(settings.check_in_url(shelter.shelter_id)),
        media_type="image/svg+xml",
        headers=PAGE_HEADERS,
    )


@qr_codes.get("/{shelter_id}/qr.html", response_class=Response, responses=_404)
async def qr_page(
    who: ShelterReader, shelter_id: ShelterPath, deps: Deps, settings: SettingsDep
) -> Response:
    """A print-ready A4 page: shelter name, QR code and URL."""
    shelter = await _shelter(shelter_id, deps)
    html = _page(shelter.name, _sheet(shelter, settings.check_in_url(shelter.shelter_id)))
    return Response(html, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


async def _shelter(shelter_id: str, deps: handlers.Dependencies) -> model.Shelter:
    try:
        return await handlers.get_shelter(shelter_id, deps)
    except model.DomainError as error:
        raise refusal(error) from error

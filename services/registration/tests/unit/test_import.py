"""Importing open-data shelter lists: a report per row, re-imports update (S10.6, S18)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shelter_contracts.events import ShelterRegistered, ShelterUpdated
from shelter_registration.domain.commands import (
    DeleteShelter,
    EditShelter,
    ImportShelters,
    OpenShelter,
    RegisterShelter,
)
from shelter_registration.service_layer import handlers
from shelter_registration.service_layer.handlers import Dependencies, RowStatus

if TYPE_CHECKING:
    from services.registration.tests.conftest import Fakes

DATA = Path(__file__).parents[1] / "data"
SJIS = (DATA / "emergency_sites.sjis.csv").read_bytes()
UTF8 = (DATA / "emergency_sites.utf8.csv").read_bytes()


async def _import(deps: Dependencies, data: bytes) -> handlers.ImportReport:
    return await handlers.import_shelters(ImportShelters(data=data, actor="admin"), deps)


async def test_first_import_creates_closed_shelters_and_reports_every_row(
    deps: Dependencies, fakes: Fakes
) -> None:
    report = await _import(deps, SJIS)
    statuses = {r.row: r.status for r in report.rows}
    assert statuses == {
        2: RowStatus.ACCEPTED,
        3: RowStatus.ACCEPTED,
        4: RowStatus.REFUSED,
        5: RowStatus.REFUSED,
        6: RowStatus.REFUSED,
        7: RowStatus.REFUSED,
        8: RowStatus.REFUSED,
        10: RowStatus.REFUSED,
        11: RowStatus.REFUSED,  # same ID as row 2
        12: RowStatus.ACCEPTED,
    }
    duplicate = next(r for r in report.rows if r.row == 11)
    assert (duplicate.reason, duplicate.reason_ja) == (
        "Same ID as row 2 of this file",
        "2行目と同じIDです",
    )
    assert all(r.reason and r.reason_ja for r in report.rows if r.status is RowStatus.REFUSED)
    assert report.unknown_headers == ("独自項目",)
    assert sorted(fakes.shelters.by_id) == ["092011-0001", "092011-0002", "092011-0009"]
    chuo = fakes.shelters.by_id["092011-0001"]
    assert (chuo.is_open, chuo.capacity, chuo.version) == (False, 810, 1)
    assert [type(e) for e in fakes.shelters.events] == [ShelterRegistered] * 3
    assert all(e.actor == "admin" for e in fakes.shelters.events)  # type: ignore[attr-defined]


async def test_re_import_updates_instead_of_duplicating(deps: Dependencies, fakes: Fakes) -> None:
    await _import(deps, SJIS)
    await handlers.open_shelter(OpenShelter(shelter_id="092011-0001"), deps)
    await handlers.edit_shelter(EditShelter(shelter_id="092011-0002", capacity=5), deps)

    report = await _import(deps, UTF8)  # the same list, now in UTF-8
    statuses = {r.row: (r.shelter_id, r.status) for r in report.rows}
    assert statuses[2] == ("092011-0001", RowStatus.UNCHANGED)
    assert statuses[3] == ("092011-0002", RowStatus.UPDATED)
    assert report.count(RowStatus.ACCEPTED) == 0
    assert len(fakes.shelters.by_id) == 3
    chuo, higashi = fakes.shelters.by_id["092011-0001"], fakes.shelters.by_id["092011-0002"]
    assert chuo.is_open  # opening is operational state: an import keeps it
    assert (higashi.capacity, higashi.version) == (1200, 3)
    updated = fakes.shelters.events[-1]
    assert isinstance(updated, ShelterUpdated) and updated.version == 3


async def test_a_shelter_registered_by_hand_is_found_by_its_open_data_id(
    deps: Dependencies, fakes: Fakes
) -> None:
    await handlers.register_shelter(
        RegisterShelter(
            shelter_id="chuo-es",
            name="中央小",
            capacity=100,
            open_data_id="0001",
            municipality_code="092011",
        ),
        deps,
    )
    report = await _import(deps, SJIS)
    row = next(r for r in report.rows if r.row == 2)
    assert (row.status, row.shelter_id) == (RowStatus.UPDATED, "chuo-es")
    assert fakes.shelters.by_id["chuo-es"].name == "宇都宮市立中央小学校"
    assert "092011-0001" not in fakes.shelters.by_id


async def test_a_deleted_shelter_is_not_revived(deps: Dependencies) -> None:
    await _import(deps, SJIS)
    await handlers.delete_shelter(DeleteShelter(shelter_id="092011-0001"), deps)
    report = await _import(deps, SJIS)
    row = next(r for r in report.rows if r.row == 2)
    assert row.status is RowStatus.REFUSED
    assert row.reason_ja == "この避難所は削除済みのため取り込みません"


@pytest.mark.parametrize("name", ["designated_shelters.utf8.csv", "designated_shelters.sjis.csv"])
async def test_designated_shelters_download(deps: Dependencies, fakes: Fakes, name: str) -> None:
    report = await _import(deps, (DATA / name).read_bytes())
    assert [r.status for r in report.rows] == [
        RowStatus.ACCEPTED,
        RowStatus.ACCEPTED,
        RowStatus.REFUSED,
        RowStatus.REFUSED,
        RowStatus.REFUSED,
    ]
    assert sorted(fakes.shelters.by_id) == ["09201100000001", "09201100000002"]

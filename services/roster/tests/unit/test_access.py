"""Shelter scope on the roster (S10, S11): staff see their shelters, and nobody probes stay ids.

Who may call which route is the permission matrix of the root tests/unit; here, the checks the
routes make themselves: an entry belongs to a shelter, and an entry of a shelter the caller
may not see answers 404, exactly like an unknown id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from shelter_contracts.events import EvacueeCheckedIn
from shelter_roster.service_layer.handlers import apply_stay_event

from ..conftest import FakeRoster

CheckIn = Callable[..., EvacueeCheckedIn]
SHELTER_A = "13101-0001"
SHELTER_B = "13101-0002"


async def test_staff_of_another_shelter_cannot_tell_an_entry_from_an_unknown_id(
    fake_roster: FakeRoster, check_in: CheckIn
) -> None:
    entry = check_in(SHELTER_A)
    await apply_stay_event(entry, fake_roster.entries, fake_roster.numbering)
    issuer = fake_roster.issuer
    staff_b = issuer.headers("shelter_staff", shelters=[SHELTER_B], sub="staff-b")
    unknown = uuid.uuid4()

    async with fake_roster.client(staff_b) as api:
        for stay_id in (entry.stay_id, unknown):
            read = await api.get(f"/entries/{stay_id}")
            history = await api.get(f"/entries/{stay_id}/history")
            patched = await api.patch(f"/entries/{stay_id}", json={"remarks": "x"})
            assert [r.status_code for r in (read, history, patched)] == [404, 404, 404]
        # The same problem, word for word, for the hidden and the unknown entry.
        hidden = (await api.get(f"/entries/{entry.stay_id}")).json()
        missing = (await api.get(f"/entries/{unknown}")).json()
    assert {k: v for k, v in hidden.items() if k != "instance"} == {
        k: v for k, v in missing.items() if k != "instance"
    }
    async with fake_roster.client() as admin:
        kept = (await admin.get(f"/entries/{entry.stay_id}")).json()
    assert (kept["remarks"], kept["revision"]) == (None, 0)  # the refused correction did nothing


async def test_staff_of_the_shelter_read_and_correct_its_entries(
    fake_roster: FakeRoster, check_in: CheckIn
) -> None:
    entry = check_in(SHELTER_A)
    await apply_stay_event(entry, fake_roster.entries, fake_roster.numbering)
    staff_a = fake_roster.issuer.headers("shelter_staff", shelters=[SHELTER_A], sub="staff-a")

    async with fake_roster.client(staff_a) as api:
        listed = await api.get(f"/shelters/{SHELTER_A}/entries")
        read = await api.get(f"/entries/{entry.stay_id}")
        patched = await api.patch(f"/entries/{entry.stay_id}", json={"remarks": "2F"})
        history = await api.get(f"/entries/{entry.stay_id}/history")
        other_roster = await api.get(f"/shelters/{SHELTER_B}/entries")
        every_roster = await api.get("/entries")

    assert [i["stay_id"] for i in listed.json()["items"]] == [str(entry.stay_id)]
    assert read.status_code == 200 and patched.status_code == 200, patched.text
    assert [h["actor"] for h in history.json()["items"]] == ["staff-a"]
    assert (other_roster.status_code, every_roster.status_code) == (403, 403)
    assert other_roster.json()["type"].endswith("/shelter-forbidden")


async def test_headquarters_reads_every_entry_and_changes_none(
    fake_roster: FakeRoster, check_in: CheckIn
) -> None:
    entry = check_in(SHELTER_A)
    await apply_stay_event(entry, fake_roster.entries, fake_roster.numbering)
    hq = fake_roster.issuer.headers("hq_viewer", sub="hq")

    async with fake_roster.client(hq) as api:
        read = await api.get(f"/entries/{entry.stay_id}")
        everything = await api.get("/entries.csv")
        patched = await api.patch(f"/entries/{entry.stay_id}", json={"remarks": "2F"})
        settings = await api.put("/settings/disclosure", json={})

    assert (read.status_code, everything.status_code) == (200, 200)
    assert (patched.status_code, settings.status_code) == (403, 403)

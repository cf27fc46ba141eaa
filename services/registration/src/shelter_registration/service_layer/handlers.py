"""Command handlers: apply the rules, store the change with its events, publish them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import uuid4

from shelter_contracts.events import (
    Channel,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterClosed,
    ShelterDeleted,
    ShelterEventBase,
    ShelterOpened,
    ShelterRegistered,
    ShelterTrainingModeChanged,
    ShelterUpdated,
)
from shelter_registration.domain import links, model, open_data
from shelter_registration.domain.commands import (
    CheckIn,
    CheckOut,
    CloseShelter,
    DeleteShelter,
    EditShelter,
    ImportShelters,
    OpenShelter,
    RegisterShelter,
    SetLinks,
    SetStatusItems,
    SetTrainingMode,
)
from shelter_registration.service_layer.ports import (
    Clock,
    EventDispatcher,
    Links,
    Shelters,
    StatusItems,
    Stays,
)

PRODUCER = "registration"
SHELTERS = "shelters"
STAYS = "stays"


@dataclass(frozen=True, slots=True)
class Dependencies:
    shelters: Shelters
    stays: Stays
    status_items: StatusItems
    dispatcher: EventDispatcher
    clock: Clock
    links: Links


# --- shelters (S10.6, S13.1, S14) ------------------------------------------------------------


async def register_shelter(cmd: RegisterShelter, deps: Dependencies) -> model.Shelter:
    """Create a shelter (S10.6), closed until someone opens it, and announce it."""
    master = model.ShelterMaster(
        name=cmd.name,
        capacity=cmd.capacity,
        address=cmd.address,
        shelter_type=cmd.shelter_type,
        latitude=cmd.latitude,
        longitude=cmd.longitude,
        open_data_id=cmd.open_data_id,
        municipality_code=_code(cmd.municipality_code),
    )
    shelter = model.Shelter.create(cmd.shelter_id, master)
    event = _shelter_event(ShelterRegistered, shelter, deps, cmd.actor)
    await deps.shelters.add(shelter, [event])
    await deps.dispatcher.deliver(SHELTERS, shelter.shelter_id)
    return shelter


async def get_shelter(shelter_id: str, deps: Dependencies) -> model.Shelter:
    """A shelter that exists and is not deleted."""
    shelter = await deps.shelters.get(shelter_id)
    if shelter is None or shelter.deleted:
        raise model.UnknownShelterError(shelter_id)
    return shelter


async def edit_shelter(cmd: EditShelter, deps: Dependencies) -> model.Shelter:
    """Change a shelter's master facts (S10.6); no event when nothing changed."""
    shelter = await get_shelter(cmd.shelter_id, deps)
    if cmd.expected_version is not None and cmd.expected_version != shelter.version:
        raise model.ConcurrentUpdateError(cmd.shelter_id)
    changes = {name: getattr(cmd, name) for name in cmd.model_fields_set & set(cmd.EDITABLE)}
    if "municipality_code" in changes:
        changes["municipality_code"] = _code(changes["municipality_code"])
    master = replace(shelter.master(), **changes)
    if master == shelter.master():
        return shelter
    return await _save(shelter.edit(master), ShelterUpdated, deps, cmd.actor)


async def open_shelter(cmd: OpenShelter, deps: Dependencies) -> model.Shelter:
    """Open a shelter (開設, S13.1, S6.1); opening an open shelter changes nothing."""
    shelter = await get_shelter(cmd.shelter_id, deps)
    if shelter.is_open:
        return shelter
    opened = shelter.open(deps.clock.now(), cmd.actor)
    return await _save(opened, ShelterOpened, deps, cmd.actor)


async def close_shelter(cmd: CloseShelter, deps: Dependencies) -> model.Shelter:
    """Close a shelter (閉鎖, S13.1, S6.6); closing a closed shelter changes nothing."""
    shelter = await get_shelter(cmd.shelter_id, deps)
    if not shelter.is_open:
        return shelter
    closed = shelter.close(deps.clock.now(), cmd.actor)
    return await _save(closed, ShelterClosed, deps, cmd.actor)


async def set_training_mode(cmd: SetTrainingMode, deps: Dependencies) -> model.Shelter:
    """Switch training mode (訓練モード, S13.1): its check-ins are marked and never counted."""
    shelter = await get_shelter(cmd.shelter_id, deps)
    if shelter.training == cmd.training:
        return shelter
    changed = shelter.with_training(cmd.training)
    return await _save(changed, ShelterTrainingModeChanged, deps, cmd.actor)


async def delete_shelter(cmd: DeleteShelter, deps: Dependencies) -> model.Shelter:
    """Delete a shelter (S10.6): its facts are kept, marked deleted; it refuses check-ins."""
    shelter = await get_shelter(cmd.shelter_id, deps)
    deleted = shelter.delete(deps.clock.now(), cmd.actor)
    return await _save(deleted, ShelterDeleted, deps, cmd.actor)


async def _save(
    shelter: model.Shelter,
    kind: type[ShelterEventBase],
    deps: Dependencies,
    actor: str | None,
) -> model.Shelter:
    await deps.shelters.update(shelter, [_shelter_event(kind, shelter, deps, actor)])
    await deps.dispatcher.deliver(SHELTERS, shelter.shelter_id)
    return shelter


def _shelter_event(
    kind: type[ShelterEventBase], shelter: model.Shelter, deps: Dependencies, actor: str | None
) -> ShelterEventBase:
    return kind(
        occurred_at=deps.clock.now(),
        shelter_id=shelter.shelter_id,
        producer=PRODUCER,
        version=shelter.version,
        shelter=shelter.facts(),
        actor=actor,
    )


def _code(raw: str | None) -> str | None:
    return None if raw is None or not raw.strip() else model.municipality_code(raw)


# --- open-data import (S10.6, S18) -----------------------------------------------------------


class RowStatus(StrEnum):
    ACCEPTED = "accepted"  # a new shelter
    UPDATED = "updated"  # an existing shelter got new facts
    UNCHANGED = "unchanged"  # an existing shelter, facts already as in the file
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ImportedRow:
    row: int
    status: RowStatus
    shelter_id: str | None = None
    reason: str | None = None
    reason_ja: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    dataset: open_data.Dataset
    encoding: str
    unknown_headers: tuple[str, ...]
    rows: tuple[ImportedRow, ...]

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status is status)


async def import_shelters(cmd: ImportShelters, deps: Dependencies) -> ImportReport:
    """Create or update shelters from a municipal open-data CSV, with a report per row.

    A shelter is found again by its id (derived from the open-data ID) or by its open-data ID,
    so a re-import updates instead of duplicating; open/closed and training mode are kept.
    New shelters are written together at the end (one insert per 500 on FerretDB). Events
    wait in the outbox for the relay: publishing each row inline would make a large file
    hang for minutes when Kafka is down.
    """
    parsed = open_data.read(cmd.data)
    known = _ShelterIndex(await deps.shelters.all())
    first_row: dict[str, int] = {}
    rows: list[ImportedRow] = []
    new: dict[int, model.Shelter] = {}  # index in rows -> shelter to create
    for row in parsed.rows:
        if row.master is None or row.shelter_id is None:
            rows.append(
                ImportedRow(
                    row.row,
                    RowStatus.REFUSED,
                    reason="; ".join(p.reason for p in row.problems),
                    reason_ja="、".join(p.reason_ja for p in row.problems),
                )
            )
        elif row.shelter_id in first_row:
            seen = first_row[row.shelter_id]
            rows.append(
                ImportedRow(
                    row.row,
                    RowStatus.REFUSED,
                    row.shelter_id,
                    f"Same ID as row {seen} of this file",
                    f"{seen}行目と同じIDです",
                )
            )
        elif (existing := known.match(row.shelter_id, row.master)) is None:
            first_row[row.shelter_id] = row.row
            new[len(rows)] = model.Shelter.create(row.shelter_id, row.master)
            rows.append(ImportedRow(row.row, RowStatus.ACCEPTED, row.shelter_id))
        else:
            first_row[row.shelter_id] = row.row
            rows.append(await _update_from_row(row.row, row.master, existing, deps, cmd.actor))
    taken = await deps.shelters.add_many(
        [(s, [_shelter_event(ShelterRegistered, s, deps, cmd.actor)]) for s in new.values()]
    )
    for index, shelter in new.items():
        if shelter.shelter_id in taken:
            rows[index] = _raced(rows[index].row, shelter.shelter_id)
    return ImportReport(parsed.dataset, parsed.encoding, parsed.unknown_headers, tuple(rows))


class _ShelterIndex:
    """The shelters known before an import, by id and by (open-data ID, municipality)."""

    def __init__(self, shelters: list[model.Shelter]) -> None:
        self._by_id = {s.shelter_id: s for s in shelters}
        self._by_open_data_id: dict[tuple[str | None, str | None], model.Shelter] = {
            (s.open_data_id, s.municipality_code): s for s in shelters if s.open_data_id
        }

    def match(self, shelter_id: str, master: model.ShelterMaster) -> model.Shelter | None:
        return self._by_id.get(shelter_id) or self._by_open_data_id.get(
            (master.open_data_id, master.municipality_code)
        )


async def _update_from_row(
    number: int,
    master: model.ShelterMaster,
    existing: model.Shelter,
    deps: Dependencies,
    actor: str | None,
) -> ImportedRow:
    if existing.deleted:
        return ImportedRow(
            number,
            RowStatus.REFUSED,
            existing.shelter_id,
            "This shelter was deleted; it is not brought back by an import",
            "この避難所は削除済みのため取り込みません",
        )
    if existing.master() == master:
        return ImportedRow(number, RowStatus.UNCHANGED, existing.shelter_id)
    changed = existing.edit(master)
    try:
        await deps.shelters.update(changed, [_shelter_event(ShelterUpdated, changed, deps, actor)])
    except model.ConcurrentUpdateError:
        return _raced(number, existing.shelter_id)
    return ImportedRow(number, RowStatus.UPDATED, existing.shelter_id)


def _raced(number: int, shelter_id: str) -> ImportedRow:
    return ImportedRow(
        number,
        RowStatus.REFUSED,
        shelter_id,
        "The shelter was changed by someone else during the import; import again",
        "取り込み中に別の操作で変更されました。もう一度取り込んでください",
    )


# --- check-in and check-out (S12, S16.2, S11.1) ----------------------------------------------


async def status_items(deps: Dependencies) -> tuple[str, ...]:
    """The status items offered on the public form (S10.7): configured, or the defaults."""
    items = await deps.status_items.get()
    return model.DEFAULT_STATUS_ITEMS if items is None else items


async def set_status_items(cmd: SetStatusItems, deps: Dependencies) -> tuple[str, ...]:
    """Configure the status items (S10.7); duplicates are dropped, the order is kept."""
    items = tuple(dict.fromkeys(cmd.items))
    await deps.status_items.set(items)
    return items


async def disaster_links(deps: Dependencies) -> tuple[links.DisasterLink, ...]:
    """The links to other disaster pages on the staff home page (S15)."""
    return await deps.links.get()


async def set_disaster_links(cmd: SetLinks, deps: Dependencies) -> tuple[links.DisasterLink, ...]:
    """Replace the home page's links (admin, S15); every one must be an http(s) address."""
    checked = links.checked_links(cmd.links)
    await deps.links.set(checked)
    return checked


async def check_in(cmd: CheckIn, deps: Dependencies) -> EvacueeCheckedIn:
    """Check an evacuee in (入所, S12) from any channel; someone present elsewhere moves (転所).

    The smartphone channel needs consent (S16.2); a shelter in training mode marks the stay
    as training; status items must be among those offered (S10.7). The same person (folded
    name + date of birth) present at this shelter is refused with the existing stay's id.

    A transfer is two single-document writes because FerretDB has no transactions, ordered:
    1. insert the new stay, with `transferred_from` and its EvacueeCheckedIn in its outbox;
    2. check out the person's stays elsewhere, with `transferred_to`, each with its event.
    A crash between 1 and 2 leaves the person present at two shelters: counted twice for a
    while, never lost. The next attempt for that person repairs it: at the same shelter the
    store refuses a second present stay (unique key of person + shelter while present), and
    the handler finishes step 2 before it answers already-checked-in; at a third shelter,
    step 2 checks out both older stays. The reverse order could leave the person checked in
    nowhere if the client never tried again.
    """
    if cmd.channel is Channel.SMARTPHONE and not cmd.consent:
        raise model.ConsentRequiredError(cmd.shelter_id)
    unknown = model.unknown_statuses(cmd.statuses, await status_items(deps))
    if unknown:
        raise model.UnknownStatusError(unknown)
    shelter = await deps.shelters.get(cmd.shelter_id)
    if shelter is None:
        raise model.UnknownShelterError(cmd.shelter_id)
    if not shelter.accepts_check_ins():
        raise model.ShelterClosedError(cmd.shelter_id)

    person = model.person_digest(cmd.personal)
    present = await deps.stays.present(person, shelter.training)
    await _refuse_if_present_here(present, shelter.shelter_id, cmd.channel, deps, cmd.actor)
    now = deps.clock.now()
    stay = model.Stay(
        stay_id=uuid4(),
        shelter_id=shelter.shelter_id,
        channel=cmd.channel,
        personal=cmd.personal,
        checked_in_at=now,
        training=shelter.training,
        transferred_from=present[-1].shelter_id if present else None,
        remarks=cmd.remarks,
        person_key=person,
    )
    event = EvacueeCheckedIn(
        occurred_at=now,
        shelter_id=stay.shelter_id,
        producer=PRODUCER,
        stay_id=stay.stay_id,
        channel=stay.channel,
        personal=stay.personal,
        age_band=model.age_band(stay.personal.date_of_birth, now.date()),
        sex=stay.personal.sex,
        household_key=model.household_digest(stay.personal),
        statuses=cmd.statuses,
        message=cmd.message,
        checked_in_at=now,
        training=stay.training,
        transferred_from=stay.transferred_from,
        actor=cmd.actor,
    )
    try:
        await deps.stays.add(stay, [event])
    except model.AlreadyCheckedInError:  # a racing request checked the same person in
        present = await deps.stays.present(person, shelter.training)
        await _refuse_if_present_here(present, shelter.shelter_id, cmd.channel, deps, cmd.actor)
        raise
    await deps.dispatcher.deliver(STAYS, stay.stay_id)
    await _transfer_out(present, shelter.shelter_id, cmd.channel, deps, cmd.actor)
    return event


async def _refuse_if_present_here(
    present: list[model.Stay],
    shelter_id: str,
    channel: Channel,
    deps: Dependencies,
    actor: str | None,
) -> None:
    here = [s for s in present if s.shelter_id == shelter_id]
    if here:
        # Finish a transfer that a crash interrupted before answering (see check_in).
        await _transfer_out([s for s in present if s not in here], shelter_id, channel, deps, actor)
        raise model.AlreadyCheckedInError(shelter_id, here[0].stay_id)


async def _transfer_out(
    stays: list[model.Stay],
    to_shelter: str,
    channel: Channel,
    deps: Dependencies,
    actor: str | None,
) -> None:
    for stay in stays:
        now = deps.clock.now()
        left = stay.check_out(now, transferred_to=to_shelter)
        event = EvacueeCheckedOut(
            occurred_at=now,
            shelter_id=stay.shelter_id,
            producer=PRODUCER,
            stay_id=stay.stay_id,
            channel=channel,
            checked_out_at=now,
            transferred_to=to_shelter,
            actor=actor,
        )
        if await deps.stays.check_out(left, [event]):
            await deps.dispatcher.deliver(STAYS, stay.stay_id)


async def check_out(cmd: CheckOut, deps: Dependencies) -> EvacueeCheckedOut:
    """Check an evacuee out (退所); staff may force it for someone who forgot (S11.1 「退」)."""
    stay = await deps.stays.get(cmd.stay_id)
    if stay is None or stay.shelter_id != cmd.shelter_id:
        raise model.UnknownStayError(str(cmd.stay_id))
    now = deps.clock.now()
    left = stay.check_out(now)
    event = EvacueeCheckedOut(
        occurred_at=now,
        shelter_id=stay.shelter_id,
        producer=PRODUCER,
        stay_id=stay.stay_id,
        channel=cmd.channel,
        checked_out_at=now,
        forced=cmd.forced,
        actor=cmd.actor,
    )
    if not await deps.stays.check_out(left, [event]):
        raise model.AlreadyCheckedOutError(str(cmd.stay_id))
    await deps.dispatcher.deliver(STAYS, stay.stay_id)
    return event

"""Card reads from shelter kiosks become check-ins and check-outs with channel 1 (S1.3, S6.5).

Each read is checked (a kiosk token, bound to the read's shelter) and applied once by its
event id: the kiosk may deliver a read twice after an outage (store and forward). The claim
is inserted before the read is applied and marked done after; a read whose claim is not done
(a crash in between) is applied again, which check-in and check-out absorb by their state
(the person already present, or no longer present).

Only a final answer is recorded: a token the auth service rejects, a read that cannot be a
check-in (`invalid_read`), or the check-in's own outcome. Anything temporary (auth, its
revocation list or its keys unreachable, the database) propagates, so the consumer redelivers
the read; the kiosk already told the evacuee it was done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import ValidationError

from shelter_contracts.events import Channel
from shelter_contracts.kiosk import CardFace, CardPurpose, CardRead
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_registration.domain import model
from shelter_registration.domain.commands import CheckIn, CheckOut
from shelter_registration.service_layer import handlers
from shelter_runtime.security import Principal, PrincipalKind, TokenRejectedError

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY_CHECKED_IN = "already_checked_in"
    CHECKED_OUT = "checked_out"
    NOT_PRESENT = "not_present"
    SHELTER_NOT_ACCEPTING = "shelter_not_accepting"
    REFUSED_CREDENTIAL = "refused_credential"
    INVALID_READ = "invalid_read"
    DUPLICATE = "duplicate"


class CardReadClaims(Protocol):
    async def claim(self, event_id: str, shelter_id: str) -> bool:
        """True if this read is new or was claimed but never finished; False if done."""

    async def finish(self, event_id: str, outcome: str) -> None: ...


class CredentialRefusedError(Exception):
    """The read's token is not a valid kiosk token of the read's shelter."""


#: Verifies the kiosk's access token attached to the read (signature, audience, revocation
#: now); raises TokenRejectedError on a bad token. Its expiry is checked here, against the
#: read's own time: a read waiting on Kafka through a registration backlog stays valid.
VerifyToken = Callable[[str], Awaitable[Principal]]

#: How far a kiosk's clock may run ahead of registration's.
READ_CLOCK_SKEW = timedelta(minutes=5)


def personal_of(face: CardFace) -> EvacueePersonal:
    """The evacuee's facts as registration keeps them; a licence has no sex (recorded other)."""
    family_kana = given_kana = None
    if face.name_kana:
        family_kana, _, given_kana = face.name_kana.partition("\u3000")
    return EvacueePersonal(
        family_name=face.family_name,
        given_name=face.given_name,
        family_name_kana=family_kana or None,
        given_name_kana=given_kana or None,
        address=face.address,
        date_of_birth=face.date_of_birth,
        sex=face.sex or Sex.OTHER,
    )


async def _check_kiosk(read: CardRead, verify: VerifyToken, now: datetime) -> Principal:
    """The kiosk behind the read; only a rejected token is final, the rest is redelivered."""
    try:
        principal = await verify(read.access_token)
    except TokenRejectedError as exc:
        raise CredentialRefusedError(exc.reason) from exc
    if principal.kind is not PrincipalKind.KIOSK or read.shelter_id not in principal.shelters:
        raise CredentialRefusedError("not a kiosk of this shelter")
    if read.read_at > now + READ_CLOCK_SKEW:
        raise CredentialRefusedError("read in the future")
    if read.read_at > principal.expires_at:
        raise CredentialRefusedError("token expired before the read")
    return principal


async def apply_card_read(
    read: CardRead, deps: handlers.Dependencies, claims: CardReadClaims, verify: VerifyToken
) -> Outcome:
    """Check a kiosk's card read and turn it into a check-in or check-out (channel 1)."""
    event_id = str(read.event_id)
    if not await claims.claim(event_id, read.shelter_id):
        return Outcome.DUPLICATE
    try:
        principal = await _check_kiosk(read, verify, deps.clock.now())
    except CredentialRefusedError as exc:
        log.warning(
            "card read refused: credential", extra={"event_id": event_id, "reason": str(exc)}
        )
        outcome = Outcome.REFUSED_CREDENTIAL
    else:
        outcome = await _apply(read, deps, actor=principal.sub)
    await claims.finish(event_id, outcome.value)
    log.info("card read applied", extra={"event_id": event_id, "outcome": outcome.value})
    return outcome


async def _apply(read: CardRead, deps: handlers.Dependencies, actor: str) -> Outcome:
    """`actor` is the kiosk's subject, `kiosk:<kiosk token id>` (S10.8)."""
    try:
        personal = personal_of(read.face)
        if read.purpose is CardPurpose.CHECK_IN:
            cmd = CheckIn(
                shelter_id=read.shelter_id, channel=Channel.CARD, personal=personal, actor=actor
            )
            await handlers.check_in(cmd, deps)
            return Outcome.CHECKED_IN
        return await _check_out(read.shelter_id, personal, deps, actor)
    except ValidationError as exc:
        # Final: the same read fails the same way on every delivery. The error's text quotes
        # the card's values, so only where it failed is logged.
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        log.warning("card read invalid", extra={"event_id": str(read.event_id), "fields": where})
        return Outcome.INVALID_READ
    except model.AlreadyCheckedInError:
        return Outcome.ALREADY_CHECKED_IN
    except (model.ShelterClosedError, model.UnknownShelterError):
        return Outcome.SHELTER_NOT_ACCEPTING


async def _check_out(
    shelter_id: str, personal: EvacueePersonal, deps: handlers.Dependencies, actor: str
) -> Outcome:
    shelter = await deps.shelters.get(shelter_id)
    if shelter is None:
        return Outcome.SHELTER_NOT_ACCEPTING
    present = await deps.stays.present(model.person_digest(personal), shelter.training)
    here = [s for s in present if s.shelter_id == shelter_id]
    if not here:
        return Outcome.NOT_PRESENT
    for stay in here:
        try:
            await handlers.check_out(
                CheckOut(
                    shelter_id=shelter_id, stay_id=stay.stay_id, channel=Channel.CARD, actor=actor
                ),
                deps,
            )
        except (model.AlreadyCheckedOutError, model.UnknownStayError):
            return Outcome.NOT_PRESENT
    return Outcome.CHECKED_OUT

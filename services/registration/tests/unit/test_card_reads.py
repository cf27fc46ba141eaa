"""Kiosk card reads become check-ins and check-outs with channel 1, once each (S1.3, S6.5)."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from shelter_contracts.events import Channel
from shelter_contracts.kiosk import CardFace, CardKind, CardPurpose, CardRead
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_registration.adapters.clock import SystemClock
from shelter_registration.domain.commands import OpenShelter, RegisterShelter
from shelter_registration.domain.model import person_digest
from shelter_registration.entrypoints.card_reads import (
    NO_EXPIRY_AGAINST_NOW,
    CardReadKeys,
    KeysUnavailableError,
)
from shelter_registration.service_layer import handlers
from shelter_registration.service_layer.card_reads import (
    Outcome,
    apply_card_read,
    personal_of,
)
from shelter_runtime.security import (
    DEFAULT_ISSUER,
    Principal,
    RevocationListUnavailableError,
    StaticKeys,
    Verifier,
)
from shelter_testing.tokens import TestIssuer

ISSUER = TestIssuer()
SHELTER = RegisterShelter(shelter_id="s-1", name="避難所", capacity=9)
FACE = CardFace(
    family_name="黒桐",
    given_name="幹也",
    address="東京都清瀬市観布子南１２－７－２０２",
    date_of_birth=date(1980, 2, 17),
    sex=Sex.MALE,
)


class MemoryClaims:
    def __init__(self) -> None:
        self.outcomes: dict[str, str | None] = {}

    async def claim(self, event_id: str, shelter_id: str) -> bool:
        if event_id in self.outcomes:
            return self.outcomes[event_id] is None
        self.outcomes[event_id] = None
        return True

    async def finish(self, event_id: str, outcome: str) -> None:
        self.outcomes[event_id] = outcome


KIOSK_SUB = "kiosk:k_3f2a"


def _read(
    purpose: CardPurpose,
    shelter: str = "s-1",
    token: str | None = None,
    read_at: datetime | None = None,
) -> CardRead:
    now = datetime.now(UTC)
    return CardRead(
        occurred_at=now,
        shelter_id=shelter,
        producer="kiosk",
        purpose=purpose,
        card=CardKind.MY_NUMBER,
        face=FACE,
        kiosk_id="k-1",
        sequence=1,
        read_at=read_at or now,
        access_token=token or ISSUER.token(None, kind="kiosk", shelters=["s-1"], sub=KIOSK_SUB),
    )


#: As in production (entrypoints.card_reads): expiry is compared with the read, not the clock.
VERIFIER = Verifier(
    keys=StaticKeys(ISSUER.jwks),
    audience="registration",
    issuer=DEFAULT_ISSUER,
    leeway_seconds=NO_EXPIRY_AGAINST_NOW,
)


@pytest.fixture
def deps(deps: handlers.Dependencies) -> handlers.Dependencies:
    """Real time: tokens are issued and expire by the clock, reads are compared with both."""
    return dataclasses.replace(deps, clock=SystemClock())


async def _verify(token: str) -> Principal:
    return await VERIFIER.verify(token)


async def _open(deps: handlers.Dependencies) -> None:
    await handlers.register_shelter(
        RegisterShelter(shelter_id="s-1", name="避難所", capacity=9), deps
    )
    await handlers.open_shelter(OpenShelter(shelter_id="s-1"), deps)


async def test_a_card_read_checks_in_with_channel_1_once(deps: handlers.Dependencies) -> None:
    await _open(deps)
    claims = MemoryClaims()
    read = _read(CardPurpose.CHECK_IN)
    assert await apply_card_read(read, deps, claims, _verify) is Outcome.CHECKED_IN
    assert await apply_card_read(read, deps, claims, _verify) is Outcome.DUPLICATE
    person = personal_of(FACE)
    present = await deps.stays.present(person_digest(person), False)
    assert [(s.shelter_id, s.channel) for s in present] == [("s-1", Channel.CARD)]
    # Who registered it (S10.8): the kiosk's subject, `kiosk:<kiosk token id>`.
    [event] = deps.stays.events  # type: ignore[attr-defined]
    assert event.actor == KIOSK_SUB


async def test_check_out_by_card_and_a_replayed_check_in_changes_nothing(
    deps: handlers.Dependencies,
) -> None:
    await _open(deps)
    claims = MemoryClaims()
    check_in = _read(CardPurpose.CHECK_IN)
    assert await apply_card_read(check_in, deps, claims, _verify) is Outcome.CHECKED_IN
    check_out = _read(CardPurpose.CHECK_OUT)
    assert await apply_card_read(check_out, deps, claims, _verify) is Outcome.CHECKED_OUT
    assert await apply_card_read(check_in, deps, claims, _verify) is Outcome.DUPLICATE
    assert await deps.stays.present(person_digest(personal_of(FACE)), False) == []
    assert [e.actor for e in deps.stays.events] == [KIOSK_SUB, KIOSK_SUB]  # type: ignore[attr-defined]
    again = _read(CardPurpose.CHECK_OUT)
    assert await apply_card_read(again, deps, claims, _verify) is Outcome.NOT_PRESENT


async def test_reads_without_a_kiosk_token_of_the_shelter_are_refused(
    deps: handlers.Dependencies,
) -> None:
    await _open(deps)
    claims = MemoryClaims()
    staff = ISSUER.token("shelter_staff", shelters=["s-1"])
    other_kiosk = ISSUER.token(None, kind="kiosk", shelters=["s-2"])
    for token in (staff, other_kiosk, "not-a-jwt"):
        read = _read(CardPurpose.CHECK_IN, token=token)
        assert await apply_card_read(read, deps, claims, _verify) is Outcome.REFUSED_CREDENTIAL
    assert await deps.stays.present(person_digest(personal_of(FACE)), False) == []


async def test_a_closed_shelter_refuses_card_check_ins(deps: handlers.Dependencies) -> None:
    await handlers.register_shelter(
        RegisterShelter(shelter_id="s-1", name="避難所", capacity=9), deps
    )
    read = _read(CardPurpose.CHECK_IN)
    outcome = await apply_card_read(read, deps, MemoryClaims(), _verify)
    assert outcome is Outcome.SHELTER_NOT_ACCEPTING


async def test_an_unfinished_claim_is_applied_again(deps: handlers.Dependencies) -> None:
    await _open(deps)
    claims = MemoryClaims()
    read = _read(CardPurpose.CHECK_IN)
    claims.outcomes[str(read.event_id)] = None  # claimed, then the consumer crashed
    assert await apply_card_read(read, deps, claims, _verify) is Outcome.CHECKED_IN


def test_a_licence_face_without_sex_and_with_kana() -> None:
    face = CardFace(
        family_name="山田", given_name="太郎", name_kana="ヤマダ\u3000タロウ",
        address="東京都", date_of_birth=date(1980, 2, 17), sex=None,
    )  # fmt: skip
    person = personal_of(face)
    assert (person.family_name_kana, person.given_name_kana) == ("ヤマダ", "タロウ")
    assert person.sex is Sex.OTHER


class Unreachable(Exception):
    """Stands for any temporary failure: auth, its revocation list or its keys unreachable."""


@pytest.mark.parametrize("failure", [RevocationListUnavailableError(), Unreachable("auth down")])
async def test_a_temporary_verification_failure_is_retried_not_refused(
    deps: handlers.Dependencies, failure: Exception
) -> None:
    await _open(deps)
    claims = MemoryClaims()
    read = _read(CardPurpose.CHECK_IN)

    async def outage(token: str) -> Principal:
        raise failure

    with pytest.raises(type(failure)):
        await apply_card_read(read, deps, claims, outage)
    assert claims.outcomes[str(read.event_id)] is None  # not finished: redelivered
    assert await apply_card_read(read, deps, claims, _verify) is Outcome.CHECKED_IN


async def test_unreachable_keys_are_retried_and_an_unknown_key_is_refused_once_fetched(
    deps: handlers.Dependencies,
) -> None:
    await _open(deps)
    claims = MemoryClaims()
    read = _read(CardPurpose.CHECK_IN)
    down = Verifier(
        keys=CardReadKeys("http://127.0.0.1:9/.well-known/jwks.json", timeout_seconds=0.5),
        audience="registration",
        issuer=DEFAULT_ISSUER,
    )
    with pytest.raises(KeysUnavailableError):
        await apply_card_read(read, deps, claims, down.verify)
    assert claims.outcomes[str(read.event_id)] is None


async def test_card_read_keys_refuse_a_key_the_fetched_jwks_lacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: dict[str, Any] = {"keys": []}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(served).encode())

    real_client = httpx.AsyncClient

    def client(**options: object) -> httpx.AsyncClient:
        return real_client(transport=httpx.MockTransport(handler))

    monkeypatch.setattr(httpx, "AsyncClient", client)
    keys = CardReadKeys("http://auth/.well-known/jwks.json", min_refetch_seconds=0.0)
    assert await keys.keys(refresh=True) == {}  # fetched: an unknown kid is then final
    served = ISSUER.jwks()
    assert set(await keys.keys(refresh=True)) == {ISSUER.kid}


async def test_a_backlog_longer_than_the_token_lifetime_still_applies_the_read(
    deps: handlers.Dependencies,
) -> None:
    await _open(deps)
    read_at = datetime.now(UTC) - timedelta(hours=3)
    # Issued 1 h after the read was queued (store and forward), expired 2 h ago: the read
    # waited on Kafka through a registration outage. Its own time is before the expiry.
    token = ISSUER.token(
        None, kind="kiosk", shelters=["s-1"], sub=KIOSK_SUB, lifetime_seconds=-2 * 3600
    )
    read = _read(CardPurpose.CHECK_IN, token=token, read_at=read_at)
    assert await apply_card_read(read, deps, MemoryClaims(), _verify) is Outcome.CHECKED_IN


async def test_a_read_after_its_token_expired_or_in_the_future_is_refused(
    deps: handlers.Dependencies,
) -> None:
    await _open(deps)
    claims = MemoryClaims()
    expired = ISSUER.token(
        None, kind="kiosk", shelters=["s-1"], sub=KIOSK_SUB, lifetime_seconds=-60
    )
    late = _read(CardPurpose.CHECK_IN, token=expired)
    future = _read(CardPurpose.CHECK_IN, read_at=datetime.now(UTC) + timedelta(hours=1))
    assert await apply_card_read(late, deps, claims, _verify) is Outcome.REFUSED_CREDENTIAL
    assert await apply_card_read(future, deps, claims, _verify) is Outcome.REFUSED_CREDENTIAL
    assert await deps.stays.present(person_digest(personal_of(FACE)), False) == []


def test_every_card_face_is_a_valid_evacuee() -> None:
    """The face has the evacuee's limits: a long field is refused by the kiosk's contract."""
    longest = CardFace(
        family_name="あ" * 100, given_name="い" * 100, name_kana="ア" * 100,
        address="東" * 200, date_of_birth=date(1980, 2, 17),
    )  # fmt: skip
    assert isinstance(personal_of(longest), EvacueePersonal)
    with pytest.raises(ValueError, match="family_name"):
        CardFace(
            family_name="あ" * 101, given_name="い", address="東", date_of_birth=date(1980, 1, 1)
        )


async def test_a_read_registration_cannot_accept_is_final_and_not_logged(
    deps: handlers.Dependencies, caplog: pytest.LogCaptureFixture
) -> None:
    await _open(deps)
    claims = MemoryClaims()
    # A face from an older kiosk contract: built without validation, as a replay could carry.
    face = CardFace.model_construct(
        family_name="黒" * 150, given_name="幹也", name_kana=None, address="東京都",
        date_of_birth=date(1980, 2, 17), sex=None,
    )  # fmt: skip
    read = _read(CardPurpose.CHECK_IN).model_copy(update={"face": face})
    with caplog.at_level(logging.DEBUG):
        assert await apply_card_read(read, deps, claims, _verify) is Outcome.INVALID_READ
    assert claims.outcomes[str(read.event_id)] == "invalid_read"
    assert "黒" not in caplog.text
    assert not any("黒" in str(vars(r)) for r in caplog.records)

"""The kiosk's local API, used by its touch-screen page (S6); served on the kiosk itself."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Cookie, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shelter_contracts.kiosk import CardKind, CardPurpose
from shelter_kiosk.adapters import auth
from shelter_kiosk.adapters.forwarder import Forwarder
from shelter_kiosk.config import AppSettings, AppSettingsFile, Settings
from shelter_kiosk.domain import cards
from shelter_kiosk.service_layer.handlers import KioskDeps, take_card_read
from shelter_kiosk.service_layer.reading import Secret, SecretKind
from shelter_kiosk.simulator.cards import MyNumberCard
from shelter_kiosk.simulator.vpcd import CardSimulator
from shelter_runtime.http import JsonBody
from shelter_runtime.problems import ProblemError

#: The staff unlock of settings, notices and sign-out (issue 6): set only after the staff
#: password was typed again, short-lived, so an evacuee at a signed-in kiosk cannot use them.
UNLOCK_COOKIE = "kiosk-staff-unlock"
UNLOCK_SECONDS = 300
#: Wrong passwords in a row before the unlock is refused for a while (guessing at the kiosk).
UNLOCK_TRIES = 5
UNLOCK_BLOCK_SECONDS = 60
router = APIRouter(prefix="/api", tags=["kiosk"])


@dataclass
class KioskState:
    """What the running kiosk knows: the staff session and the serialised card reader."""

    settings: Settings
    app_settings: AppSettingsFile
    deps: KioskDeps
    http: httpx.AsyncClient
    queue: Sized
    reader_ready: Callable[[], bool]
    forwarder: Forwarder | None = None
    simulator: CardSimulator | None = None
    session: str | None = None
    staff_token: str | None = None
    #: scrypt of the signing-in staff's credentials: checks the password again offline.
    signer: tuple[bytes, bytes] | None = None
    unlock: str | None = None
    unlock_until: float = 0.0
    unlock_failures: int = 0
    unlock_blocked_until: float = 0.0
    reader_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def api_base_url(self) -> str:
        return self.app_settings.load().api_base_url or self.settings.api_base_url

    def sign_out(self) -> None:
        self.session = self.staff_token = self.signer = self.unlock = None
        self.unlock_until = 0.0


def _credential_hash(user_id: str, password: str, salt: bytes) -> bytes:
    secret = f"{user_id}\n{password}".encode()
    return hashlib.scrypt(secret, salt=salt, n=2**14, r=8, p=1, dklen=32)


def get_state(request: Request) -> KioskState:
    state: KioskState = request.app.state.kiosk
    return state


State = Annotated[KioskState, Depends(get_state)]


def signed_in(state: State) -> None:
    """The evacuee screens work only after staff signed the kiosk in (S6.1)."""
    if state.session is None:
        raise ProblemError(
            403, "kiosk-signed-out", "Staff must sign the kiosk in", "係員がログインしてください"
        )


def staff_session(
    state: State, unlock: Annotated[str | None, Cookie(alias=UNLOCK_COOKIE)] = None
) -> None:
    """Settings, notices and sign-out: only after staff typed their password again (S6.6).

    The evacuee screens run on the same browser, so a sign-in cookie alone is not enough.
    """
    signed_in(state)
    valid = (
        unlock is not None
        and state.unlock is not None
        and hmac.compare_digest(unlock, state.unlock)
        and time.monotonic() < state.unlock_until
    )
    if not valid:
        raise ProblemError(
            403, "kiosk-staff-only", "Staff only: enter the staff password",
            "係員のパスワードを入力してください",
        )  # fmt: skip


SignedIn = Depends(signed_in)
StaffSession = Depends(staff_session)


class StatePublic(BaseModel):
    shelter_id: str
    signed_in: bool
    settings: AppSettings
    reader_ready: bool
    queued: int
    delivered: int
    simulator: bool = Field(
        default=False, description="Development only: the page may place a virtual card"
    )
    card_present: bool = False


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CardReadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: CardPurpose
    secret_kind: SecretKind = SecretKind.PIN
    digits: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$|^[0-9]{14}$")] = Field(
        description="4-digit PIN or 14-digit verification number B; never stored"
    )


class CardReadDone(BaseModel):
    card: CardKind
    family_name: str
    given_name: str
    sequence: int = Field(description="Position in the local queue")
    event_id: str


@router.get("/state")
async def get_kiosk_state(state: State) -> StatePublic:
    """What the page shows: shelter, sign-in, settings, reader and queue."""
    ready = await asyncio.to_thread(state.reader_ready)
    forwarder = state.forwarder
    return StatePublic(
        shelter_id=state.settings.shelter_id,
        signed_in=state.session is not None,
        settings=state.app_settings.load(),
        reader_ready=ready,
        queued=len(state.queue),
        delivered=forwarder.delivered if forwarder else 0,
        simulator=state.simulator is not None,
        card_present=state.simulator is not None and state.simulator.card_present,
    )


def _refuse_other_shelters(grant: auth.StaffGrant, shelter_id: str) -> None:
    """Only staff of this kiosk's shelter (or an administrator) sign it in or unlock it."""
    if not grant.may_operate(shelter_id):
        raise ProblemError(
            403, "kiosk-not-your-shelter", "This account is not assigned to this shelter",
            "このアカウントはこの避難所の担当ではありません",
        )  # fmt: skip


@router.post("/session", dependencies=[JsonBody])
async def sign_in(body: SignIn, response: Response, state: State) -> dict[str, bool]:
    """Staff sign in and the shelter's open notice is sent (S6.1)."""
    base = state.api_base_url()
    try:
        grant = await auth.staff_sign_in(state.http, base, body.user_id, body.password)
        _refuse_other_shelters(grant, state.settings.shelter_id)
        token = grant.access_token
        await auth.send_shelter_notice(
            state.http, base, state.settings.shelter_id, token, open_=True
        )
    except auth.AuthRefusedError as exc:
        raise ProblemError(
            401, "kiosk-sign-in-refused", "Sign-in refused", "ログインできませんでした"
        ) from exc
    except auth.AuthUnavailableError as exc:
        raise ProblemError(
            503, "kiosk-offline", "The management system is not reachable",
            "管理システムに接続できません",
        ) from exc  # fmt: skip
    salt = secrets.token_bytes(16)
    digest = await asyncio.to_thread(_credential_hash, body.user_id, body.password, salt)
    state.sign_out()
    state.staff_token = token
    state.signer = (salt, digest)
    state.session = secrets.token_urlsafe(32)
    response.delete_cookie(UNLOCK_COOKIE)
    return {"signed_in": True, "opened": True}


@router.post("/staff-unlock", dependencies=[JsonBody, SignedIn])
async def staff_unlock(body: SignIn, response: Response, state: State) -> dict[str, int]:
    """Staff type their password again to open settings, send notices or sign out (S6.6).

    Checked by the auth service (which also renews the staff token); when it is not
    reachable, against the credentials that signed this kiosk in.
    """
    now = time.monotonic()
    if now < state.unlock_blocked_until:
        raise ProblemError(
            429, "kiosk-unlock-blocked", "Too many wrong passwords: wait a minute",
            "パスワードの誤りが続いたため、1分ほどお待ちください",
        )  # fmt: skip
    ok = False
    try:
        grant = await auth.staff_sign_in(
            state.http, state.api_base_url(), body.user_id, body.password
        )
        _refuse_other_shelters(grant, state.settings.shelter_id)
        state.staff_token = grant.access_token
        ok = True
    except auth.AuthRefusedError:
        ok = False
    except auth.AuthUnavailableError:
        if state.signer is not None:
            salt, expected = state.signer
            digest = await asyncio.to_thread(_credential_hash, body.user_id, body.password, salt)
            ok = hmac.compare_digest(digest, expected)
    if not ok:
        state.unlock_failures += 1
        if state.unlock_failures >= UNLOCK_TRIES:
            state.unlock_failures = 0
            state.unlock_blocked_until = time.monotonic() + UNLOCK_BLOCK_SECONDS
        raise ProblemError(
            401, "kiosk-unlock-refused", "Wrong user ID or password",
            "ユーザーIDかパスワードが違います",
        )  # fmt: skip
    state.unlock_failures = 0
    state.unlock = secrets.token_urlsafe(32)
    state.unlock_until = time.monotonic() + UNLOCK_SECONDS
    response.set_cookie(
        UNLOCK_COOKIE, state.unlock, max_age=UNLOCK_SECONDS, httponly=True, samesite="strict"
    )
    return {"unlocked_seconds": UNLOCK_SECONDS}


@router.delete("/staff-unlock", status_code=204)
async def staff_lock(response: Response, state: State) -> None:
    """Leaving the settings screen locks them again (anyone may lock)."""
    state.unlock = None
    state.unlock_until = 0.0
    response.delete_cookie(UNLOCK_COOKIE)


@router.delete("/session", dependencies=[StaffSession], status_code=204)
async def sign_out(response: Response, state: State) -> None:
    """Sign the kiosk out (S6.6); the shelter stays open."""
    state.sign_out()
    response.delete_cookie(UNLOCK_COOKIE)


@router.post("/notices/{kind}", dependencies=[StaffSession])
async def notice(
    kind: Literal["open", "close"], response: Response, state: State
) -> dict[str, bool]:
    """Send the open or close notice (S6.6); the close notice also quits (signs out)."""
    try:
        await auth.send_shelter_notice(
            state.http, state.api_base_url(), state.settings.shelter_id,
            state.staff_token or "", open_=kind == "open",
        )  # fmt: skip
    except auth.AuthRefusedError as exc:
        raise ProblemError(
            401, "kiosk-sign-in-expired", "Sign in again", "もう一度ログインしてください"
        ) from exc
    except auth.AuthUnavailableError as exc:
        raise ProblemError(
            503, "kiosk-offline", "The management system is not reachable",
            "管理システムに接続できません",
        ) from exc  # fmt: skip
    if kind == "close":
        state.sign_out()
        response.delete_cookie(UNLOCK_COOKIE)
    return {"sent": True}


@router.put("/settings", dependencies=[JsonBody, StaffSession])
async def put_settings(body: AppSettings, state: State) -> AppSettings:
    """Change the app settings (S6.6)."""
    state.app_settings.save(body)
    return body


@router.post("/card-reads", dependencies=[JsonBody, SignedIn], status_code=201)
async def card_read(body: CardReadRequest, state: State) -> CardReadDone:
    """Read the card on the reader and queue it for delivery; answers once it is stored."""
    try:
        secret = Secret(body.secret_kind, body.digits)
    except ValueError as exc:
        raise ProblemError(
            422, "kiosk-secret-format", "Enter 4 digits (PIN) or 14 digits (number B)",
            "暗証番号は4桁、照合番号Bは14桁で入力してください",
        ) from exc  # fmt: skip
    if state.reader_lock.locked():
        raise ProblemError(409, "kiosk-busy", "A card is being read", "読み取り中です")
    async with state.reader_lock:
        try:
            taken = await asyncio.to_thread(take_card_read, body.purpose, secret, state.deps)
        except cards.CardError as exc:
            raise _card_problem(exc) from exc
    return CardReadDone(
        card=taken.facts.card,
        family_name=taken.facts.face.family_name,
        given_name=taken.facts.face.given_name,
        sequence=taken.sequence,
        event_id=taken.event_id,
    )


class VirtualCardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] = Field(
        default="1234", description="The virtual card's PIN"
    )


def _simulator(state: KioskState) -> CardSimulator:
    if state.simulator is None:
        raise ProblemError(
            404, "kiosk-no-simulator", "No card simulator on this kiosk (development only)",
            "このキオスクにはカードシミュレーターがありません（開発用）",
        )  # fmt: skip
    return state.simulator


@router.put("/simulator/card", dependencies=[JsonBody])
async def place_virtual_card(body: VirtualCardRequest, state: State) -> dict[str, bool]:
    """Development only: place the published My Number test vector on the kiosk's reader."""
    simulator = _simulator(state)
    try:
        await asyncio.to_thread(simulator.place, MyNumberCard(pin=body.pin))
    except OSError as exc:
        raise ProblemError(
            503, "kiosk-reader-unavailable", "The virtual reader is not reachable",
            "仮想カードリーダーに接続できません",
        ) from exc  # fmt: skip
    return {"card_present": True}


@router.delete("/simulator/card", status_code=204)
async def take_off_virtual_card(state: State) -> None:
    """Development only: take the virtual card off the reader."""
    await asyncio.to_thread(_simulator(state).take_off)


def _card_problem(exc: cards.CardError) -> ProblemError:
    status = 503 if isinstance(exc, cards.ReaderUnavailableError) else 422
    problem = ProblemError(status, exc.slug, exc.title, exc.title_ja)
    if isinstance(exc, cards.WrongPinError):
        problem.extensions["tries_left"] = exc.tries_left
    return problem

"""The auth service, seen from the kiosk: device-token exchange and staff sign-in (S6.1, S10.7)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx


class AuthUnavailableError(Exception):
    """The auth service did not answer (network down); the queue keeps the reads."""


class AuthRefusedError(Exception):
    """The credentials were refused (revoked device token, wrong staff password)."""


class KioskTokens:
    """Swaps the shelter's device token for short-lived access tokens, cached until near expiry."""

    def __init__(self, api_base_url: str, device_token: str, http: httpx.AsyncClient) -> None:
        self._url = api_base_url.rstrip("/") + "/api/auth/kiosk-tokens/exchange"
        self._device_token = device_token
        self._http = http
        self._token = ""
        self._valid_until = 0.0

    async def access_token(self) -> str:
        if self._token and time.monotonic() < self._valid_until:
            return self._token
        try:
            response = await self._http.post(self._url, json={"token": self._device_token})
        except httpx.HTTPError as exc:
            raise AuthUnavailableError from exc
        if response.status_code in (400, 401, 403, 422):
            raise AuthRefusedError(f"device token refused ({response.status_code})")
        if response.status_code != 200:
            raise AuthUnavailableError(f"auth answered {response.status_code}")
        body = response.json()
        self._token = str(body["access_token"])
        self._valid_until = time.monotonic() + max(0, int(body["expires_in"]) - 60)
        return self._token


class StaticTokens:
    """A fixed token (tests of the forwarder that need no auth service)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def access_token(self) -> str:
        return self._token


@dataclass(frozen=True, slots=True)
class StaffGrant:
    """What the auth service answered to a staff sign-in: the token and whom it is for."""

    access_token: str
    role: str | None
    shelters: frozenset[str]

    def may_operate(self, shelter_id: str) -> bool:
        """Administrators, and shelter staff assigned to this shelter (S10.5): the headquarters
        viewer changes nothing and staff of another shelter have no business at this kiosk."""
        if self.role == "administrator":
            return True
        return self.role == "shelter_staff" and shelter_id in self.shelters


async def staff_sign_in(
    http: httpx.AsyncClient, api_base_url: str, user_id: str, password: str
) -> StaffGrant:
    """A staff access token for the open/close notices (S6.1, S6.6), with its role and shelters
    as the auth service's answer states them (the kiosk got it from auth itself)."""
    url = api_base_url.rstrip("/") + "/api/auth/sign-in"
    try:
        response = await http.post(url, json={"user_id": user_id, "password": password})
    except httpx.HTTPError as exc:
        raise AuthUnavailableError from exc
    if response.status_code != 200:
        raise AuthRefusedError(f"sign-in refused ({response.status_code})")
    body = response.json()
    role = body.get("role")
    return StaffGrant(
        access_token=str(body["access_token"]),
        role=None if role is None else str(role),
        shelters=frozenset(str(s) for s in body.get("shelters") or ()),
    )


async def send_shelter_notice(
    http: httpx.AsyncClient, api_base_url: str, shelter_id: str, token: str, *, open_: bool
) -> None:
    """The open notice (開設) or close notice (閉鎖) of the shelter (S6.1, S6.6)."""
    verb = "open" if open_ else "close"
    url = f"{api_base_url.rstrip('/')}/api/registration/shelters/{shelter_id}/{verb}"
    try:
        response = await http.post(url, json={}, headers={"authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise AuthUnavailableError from exc
    if response.status_code in (401, 403):
        raise AuthRefusedError(f"{verb} notice refused ({response.status_code})")
    if response.status_code != 200:
        raise AuthUnavailableError(f"{verb} notice answered {response.status_code}")

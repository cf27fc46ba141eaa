"""The auth service, seen from the kiosk: device-token exchange and staff sign-in (S6.1, S10.7)."""

from __future__ import annotations

import time

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


async def staff_sign_in(
    http: httpx.AsyncClient, api_base_url: str, user_id: str, password: str
) -> str:
    """A staff access token for the open/close notices (S6.1, S6.6)."""
    url = api_base_url.rstrip("/") + "/api/auth/sign-in"
    try:
        response = await http.post(url, json={"user_id": user_id, "password": password})
    except httpx.HTTPError as exc:
        raise AuthUnavailableError from exc
    if response.status_code != 200:
        raise AuthRefusedError(f"sign-in refused ({response.status_code})")
    return str(response.json()["access_token"])


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

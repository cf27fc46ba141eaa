"""No password, token or personal data in any log line of the whole e2e run (issue 4, S10.8).

Runs the audited staff actions (a correction of a roster entry with a phone and remarks, a
forced check-out, the roster and audit CSV exports, a settings change) with values of its
own, then scans everything the stack captured since it started (every service's log, Kafka,
nginx's access log and the exported spans), so the other e2e tests' requests are scanned too:

- this test's personal data, passwords and tokens, by value;
- the e2e person every test checks in (its address and date of birth), by value;
- anything shaped like a secret whoever made it: a signed JWT, a refresh token
  (`<session id>.<random>`), a kiosk token (`<token id>.<random>`), an Argon2 hash;
- the stack administrator's password.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx

from shelter_testing import eventually
from shelter_testing.stack import Stack

from .conftest import PERSON, staff_account

#: Shapes of secrets: whatever their value, none belongs in a log line or a span attribute.
SECRET_SHAPES = {
    "signed JWT": re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}"),
    "refresh token": re.compile(r"\b[0-9a-f]{32}\.[\w-]{43}(?![\w-])"),
    "kiosk token": re.compile(r"\b[0-9a-f]{16}\.[\w-]{43}(?![\w-])"),
    "Argon2 hash": re.compile(r"\$argon2(id|i|d)\$"),
}


def _captured(stack: Stack) -> str:
    files = [
        *(stack.directory / "logs").glob("*.log"),
        *(stack.directory / "nginx").glob("*.log"),
        stack.spans_file,
    ]
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files if p.exists())


async def test_the_captured_logs_of_the_run_hold_no_secret_and_no_personal_data(
    stack: Stack,
    admin: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
    admin_headers: dict[str, str],
    shelter_id: str,
    person: dict[str, Any],
) -> None:
    marker = secrets.token_hex(6)
    phone = f"080-{secrets.randbelow(10**4):04d}-{secrets.randbelow(10**4):04d}"
    staff = await staff_account(admin, gateway, [shelter_id])
    checked_in = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/staff-check-ins",
        headers=staff.headers,
        json={"personal": {**person, "given_name": f"名{marker}"}, "remarks": f"備考{marker}"},
    )
    assert checked_in.status_code == 201, checked_in.text
    stay_id = checked_in.json()["stay_id"]
    entry = await eventually(
        lambda: gateway.get(f"/api/roster/entries/{stay_id}", headers=staff.headers),
        lambda r: r.status_code == 200,
    )
    corrected = await gateway.patch(
        f"/api/roster/entries/{stay_id}",
        headers=staff.headers,
        json={
            "personal": {"phone": phone, "family_name": f"訂正{marker}"},
            "remarks": f"訂正備考{marker}",
            "revision": entry.json().get("revision"),
        },
    )
    assert corrected.status_code == 200, corrected.text
    forced = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/stays/{stay_id}/forced-check-out",
        headers=staff.headers,
    )
    assert forced.status_code == 200, forced.text
    export = await admin.get(f"/api/roster/shelters/{shelter_id}/entries.csv")
    assert export.status_code == 200 and marker in export.text  # the export itself holds it
    links = await admin.put(
        "/api/registration/settings/links",
        json={"links": [{"url": "https://example.jp/", "label_ja": "県", "label_en": "Pref"}]},
    )
    assert links.status_code == 200, links.text
    issued = await admin.post(
        "/api/auth/kiosk-tokens", json={"shelter_id": shelter_id, "label": "受付"}
    )
    assert issued.status_code == 201, issued.text
    kiosk_token = issued.json()["token"]
    assert (await admin.delete(f"/api/auth/kiosk-tokens/{issued.json()['token_id']}")).is_success
    # The detectors are not vacuous: they recognise this run's own secrets.
    assert SECRET_SHAPES["signed JWT"].fullmatch(staff.access_token)
    assert SECRET_SHAPES["refresh token"].fullmatch(staff.refresh_token)
    assert SECRET_SHAPES["kiosk token"].fullmatch(kiosk_token)
    trail = await admin.get(
        "/api/auth/audit", params={"from": "2026-01-01T00:00:00Z", "format": "csv"}
    )
    assert trail.status_code == 200
    assert marker not in trail.text and phone not in trail.text

    text = _captured(stack)
    assert shelter_id in text and stay_id in text  # this run's requests were captured
    by_value = {
        "this test's personal data": marker,
        "phone": phone,
        "e2e address": PERSON["address"],
        "e2e date of birth": PERSON["date_of_birth"],
        "administrator password": stack.admin_password(),
        "staff password": staff.password,
        "staff initial password": staff.initial_password,
        "administrator token signature": admin_headers["Authorization"].rsplit(".", 1)[1],
        "staff token signature": staff.access_token.rsplit(".", 1)[1],
        "refresh token": staff.refresh_token,
        "kiosk token": kiosk_token,
    }
    found = {name for name, value in by_value.items() if value in text}
    assert not found, f"found in the captured logs: {sorted(found)}"
    shapes = {name: pattern.findall(text)[:3] for name, pattern in SECRET_SHAPES.items()}
    assert not any(shapes.values()), f"secret-shaped strings in the captured logs: {shapes}"

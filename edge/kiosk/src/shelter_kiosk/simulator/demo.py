"""`python -m shelter_kiosk.simulator.demo`: a demo shelter and its kiosk token for the local stack.

Run by deploy/local/stack.sh once the stack is up (after the first administrator exists), like
that administrator: it signs in as "admin", registers the demo shelter unless it exists, and
issues the shelter's kiosk device token through the auth API (S10.7) into a 0600 file that the
stack's kiosk reads. Never for production: the token file is the stack's own.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx


def issue(gateway: str, password: str, shelter_id: str, shelter_name: str) -> str:
    with httpx.Client(base_url=gateway, timeout=20) as client:
        signed = client.post("/api/auth/sign-in", json={"user_id": "admin", "password": password})
        signed.raise_for_status()
        auth = {"authorization": f"Bearer {signed.json()['access_token']}"}
        existing = client.get(f"/api/registration/shelters/{shelter_id}", headers=auth)
        if existing.status_code == 404:
            created = client.post(
                "/api/registration/shelters",
                json={"shelter_id": shelter_id, "name": shelter_name, "capacity": 200},
                headers=auth,
            )
            if created.status_code not in (201, 409):
                created.raise_for_status()
        else:
            existing.raise_for_status()
        issued = client.post(
            "/api/auth/kiosk-tokens",
            json={"shelter_id": shelter_id, "label": "デモ用キオスク (local stack)"},
            headers=auth,
        )
        issued.raise_for_status()
        return str(issued.json()["token"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", required=True, help="e.g. http://127.0.0.1:8080")
    parser.add_argument("--admin-password-file", type=Path, required=True)
    parser.add_argument("--token-file", type=Path, required=True)
    parser.add_argument("--shelter-id", default="13101-0001")
    parser.add_argument("--shelter-name", default="千代田小学校 (デモ)")
    args = parser.parse_args(argv)
    if args.token_file.exists() and args.token_file.stat().st_size:
        return 0  # issued at an earlier start of this stack
    password = args.admin_password_file.read_text("utf-8").strip()
    try:
        token = issue(args.gateway, password, args.shelter_id, args.shelter_name)
    except httpx.HTTPError as exc:
        sys.stderr.write(f"could not issue the demo kiosk token: {type(exc).__name__}\n")
        return 1
    tmp = args.token_file.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    tmp.replace(args.token_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m shelter_auth create-admin --user-id ID`: the first administrator.

The password is read from standard input when it is not a terminal (for scripts:
`printf '%s\\n' "$PASSWORD" | python -m shelter_auth create-admin --user-id admin`), otherwise
prompted twice without echo. There is no default password and no password argument (it would
end up in the shell history and the process list).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import TextIO

from shelter_auth.adapters.clock import SystemClock
from shelter_auth.adapters.mongo import MongoAccounts, MongoAuditLog, MongoPolicies
from shelter_auth.adapters.passwords import Argon2Hasher
from shelter_auth.config import Settings
from shelter_auth.domain import model
from shelter_auth.domain.commands import Actor, CreateAccount
from shelter_auth.service_layer import handlers
from shelter_runtime.mongo import create_mongo_client, service_database


class _Unused:
    """Ports the create-admin command never reaches."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"create-admin does not use {name}")


def read_password(stdin: TextIO) -> str:
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the new administrator: ")
    if first != getpass.getpass("Repeat the password: "):
        raise SystemExit("The passwords differ; nothing was created.")
    return first


async def create_admin(settings: Settings, user_id: str, display_name: str, password: str) -> None:
    client = create_mongo_client(settings)
    try:
        db = service_database(client, settings)
        unused: object = _Unused()
        deps = handlers.Dependencies(
            accounts=MongoAccounts(db),
            policies=MongoPolicies(db),
            sessions=unused,  # type: ignore[arg-type]
            kiosk_tokens=unused,  # type: ignore[arg-type]
            clients=unused,  # type: ignore[arg-type]
            revocations=unused,  # type: ignore[arg-type]
            audit=MongoAuditLog(db),
            rate_limiter=unused,  # type: ignore[arg-type]
            hasher=Argon2Hasher(),
            signer=unused,  # type: ignore[arg-type]
            clock=SystemClock(),
            rules=handlers.TokenRules(issuer=settings.token_issuer, audience=()),
        )
        cmd = CreateAccount(
            user_id=user_id,
            display_name=display_name,
            role=model.Role.ADMINISTRATOR,
            password=password,
            must_change_password=False,
        )
        await handlers.create_account(cmd, Actor("create-admin command", None), deps)
    finally:
        await client.close()


def main(argv: list[str], stdin: TextIO = sys.stdin, stderr: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="python -m shelter_auth create-admin")
    parser.add_argument("--user-id", required=True)
    parser.add_argument("--display-name", default="Administrator")
    args = parser.parse_args(argv)
    password = read_password(stdin)
    try:
        asyncio.run(create_admin(Settings(), args.user_id, args.display_name, password))
    except model.PasswordPolicyError as error:
        stderr.write("Refused: " + "; ".join(error.violations) + "\n")
        return 2
    except model.AccountExistsError:
        stderr.write(f"Refused: the account {args.user_id} exists already\n")
        return 2
    stderr.write(f"Administrator {args.user_id} created.\n")
    return 0

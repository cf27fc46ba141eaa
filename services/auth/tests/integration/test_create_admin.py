"""The documented `python -m shelter_auth create-admin` command, against FerretDB."""

from __future__ import annotations

import os
import subprocess
import sys

from pymongo import AsyncMongoClient

from shelter_runtime.mongo import Document
from shelter_testing.stack import Stack


def _create_admin(
    stack: Stack, database_name: str, password: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "MONGODB_URI": stack.mongodb_uri,
        "MONGODB_DATABASE": database_name,
        "MONGODB_DATABASE_PREFIX": "",
    }
    return subprocess.run(
        [sys.executable, "-m", "shelter_auth", "create-admin", "--user-id", "admin"],
        input=password + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_create_admin_reads_the_password_from_stdin_and_stores_only_a_hash(
    stack: Stack, mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    weak = _create_admin(stack, database_name, "short")
    assert weak.returncode == 2 and "shorter than" in weak.stderr
    created = _create_admin(stack, database_name, "first admin pass 2026")
    assert created.returncode == 0, created.stderr
    assert "first admin pass 2026" not in created.stdout + created.stderr
    again = _create_admin(stack, database_name, "first admin pass 2026")
    assert again.returncode == 2 and "exists" in again.stderr

    stored = await mongo_client[database_name]["accounts"].find_one({"_id": "admin"})
    assert stored is not None and stored["role"] == "administrator"
    assert stored["password_hash"].startswith("$argon2id$")
    assert stored["must_change_password"] is False
    audit = await mongo_client[database_name]["audit"].find_one({"action": "account.created"})
    assert audit is not None and audit["actor"] == "create-admin command"

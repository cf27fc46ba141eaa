"""Argon2id password hashing (argon2-cffi), off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2Hasher:
    """Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile) unless told otherwise.

    Hashing takes tens of milliseconds of CPU on purpose: it runs in a worker thread so the
    event loop keeps serving other requests meanwhile.
    """

    def __init__(
        self, *, time_cost: int | None = None, memory_cost: int | None = None, parallelism: int = 1
    ) -> None:
        defaults = PasswordHasher()
        self._hasher = PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost or defaults.memory_cost,
            parallelism=parallelism,
        )
        self._dummy = self._hasher.hash("dummy password for unknown user ids")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    async def dummy_verify(self) -> None:
        await self.verify(self._dummy, "not the dummy password")

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

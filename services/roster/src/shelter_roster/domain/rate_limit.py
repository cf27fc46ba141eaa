"""A sliding-window request limit per client, for the public search (S16.1)."""

from __future__ import annotations

import math
from collections import deque


class RateLimiter:
    """At most `limit` requests per `window` seconds for each client key.

    The state lives in this process: with several replicas behind the gateway each replica
    counts on its own, so a client may get up to `limit` x replicas. Fine for now; a shared
    limit belongs in the gateway or a shared store.
    """

    def __init__(self, limit: int, window: float = 60.0, max_clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, client: str, now: float) -> int | None:
        """Record a request at `now`; None when allowed, else whole seconds to wait."""
        hits = self._hits.get(client)
        if hits is None:
            if len(self._hits) >= self.max_clients:
                self._forget_idle(now)
            hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return None

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
        if len(self._hits) >= self.max_clients:
            # Under a flood of distinct clients, start afresh rather than grow without bound.
            self._hits.clear()

"""Keeps the NGSI-LD broker current (S17.1, S21.5): coalesced batch upserts, retries, resync.

Events only mark a shelter as changed; the publisher reads the shelter's latest state when it
sends, so coalescing never loses the latest state: at most one update per shelter per
interval, and the last change of a burst is always sent. One batch is in flight at a time
(Orion-LD suffers under concurrent upserts). While the broker is down, the changed shelters
wait and the publisher retries with exponential backoff; when it answers again, every shelter
is sent once more (a resync), so a broker that lost data or missed updates converges.
A shelter the broker refuses on its own (a 207 entry) is retried a few times, then left until
it changes again; a request refused as a whole (400) is split into one request per shelter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shelter_integration.adapters.ngsi_ld import BatchRejectedError, BrokerUnavailableError
from shelter_integration.domain import entities
from shelter_integration.domain.model import ShelterState, summarise
from shelter_integration.service_layer.ports import Broker, Shelters

log = logging.getLogger(__name__)

#: Tries of a shelter the broker refuses on its own before it waits for its next change.
MAX_ENTITY_ATTEMPTS = 5


@dataclass
class PublisherMetrics:
    """Hooks for telemetry (bootstrap wires OpenTelemetry instruments); no-ops by default."""

    sent: Callable[[int], None] = lambda _: None
    failed: Callable[[int, str], None] = lambda _n, _kind: None
    lag: Callable[[float], None] = lambda _: None


@dataclass
class LinkState:
    """What readiness reports: whether the last exchange with the broker worked."""

    up: bool = False
    last_error: str | None = None
    consecutive_failures: int = 0
    resyncs: int = 0
    attempts: dict[str, int] = field(default_factory=dict)


class Publisher:
    def __init__(
        self,
        shelters: Shelters,
        broker: Broker,
        *,
        local_government_code: str,
        interval_seconds: float = 1.0,
        batch_shelters: int = 50,
        retry_initial_seconds: float = 0.5,
        retry_max_seconds: float = 10.0,
        clock: Callable[[], float],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        metrics: PublisherMetrics | None = None,
    ) -> None:
        self._shelters = shelters
        self._broker = broker
        self._code = local_government_code
        self._interval = interval_seconds
        self._batch = batch_shelters
        self._retry_initial = retry_initial_seconds
        self._retry_max = retry_max_seconds
        self._clock = clock
        self._now = now
        self.metrics = metrics or PublisherMetrics()
        self.link = LinkState()
        self._pending: dict[str, None] = {}  # insertion-ordered set: oldest change first
        self._last_sent: dict[str, float] = {}
        self._summary_due = False
        self._summary_sent_at = float("-inf")
        self._wake = asyncio.Event()

    # --- what the event handlers call ---------------------------------------------------------

    def touch(self, shelter_id: str) -> None:
        """The shelter changed: send its latest state within the interval."""
        self._pending[shelter_id] = None
        self._summary_due = True
        self._wake.set()

    async def resync(self) -> None:
        """Send every known shelter again (at start and when the broker is back)."""
        for state in await self._shelters.all_states():
            self._pending[state.shelter_id] = None
        self._summary_due = True
        self.link.resyncs += 1
        self._wake.set()

    @property
    def waiting(self) -> int:
        return len(self._pending)

    # --- sending ------------------------------------------------------------------------------

    def _take_due(self) -> list[str]:
        now = self._clock()
        due = [
            shelter_id
            for shelter_id in self._pending
            if now >= self._last_sent.get(shelter_id, float("-inf")) + self._interval
        ][: self._batch]
        for shelter_id in due:
            del self._pending[shelter_id]
        return due

    def _put_back(self, shelter_ids: Sequence[str]) -> None:
        for shelter_id in shelter_ids:
            self._pending.setdefault(shelter_id, None)

    def _summary_ready(self) -> bool:
        """The summary is coalesced like a shelter: at most once per interval."""
        return self._summary_due and self._clock() >= self._summary_sent_at + self._interval

    def seconds_until_due(self) -> float | None:
        times = [self._last_sent.get(s, float("-inf")) + self._interval for s in self._pending]
        if self._summary_due:
            times.append(self._summary_sent_at + self._interval)
        if not times:
            return None
        return max(0.0, min(times) - self._clock())

    async def publish_due(self) -> int:
        """Send one batch of the shelters that are due; returns how many shelters were sent.

        Raises BrokerUnavailableError with everything taken put back for a later try.
        """
        due = self._take_due()
        if not due and not self._summary_ready():
            return 0
        try:
            states = await self._shelters.states(due) if due else []
        except Exception:
            self._put_back(due)
            raise
        try:
            sent = await self._send(states)
            if self._summary_ready():
                await self._send_summary()
        except BrokerUnavailableError as exc:
            self._put_back(due)
            self.link.up = False
            self.link.last_error = str(exc)
            self.link.consecutive_failures += 1
            self.metrics.failed(len(due) or 1, "unavailable")
            raise
        except Exception:  # e.g. a refused delete: keep the shelters for the next try
            self._put_back(due)
            raise
        self.link.up = True
        self.link.last_error = None
        self.link.consecutive_failures = 0
        now = self._clock()
        for shelter_id in due:
            self._last_sent[shelter_id] = now
        return sent

    async def _send(self, states: list[ShelterState]) -> int:
        for state in states:
            if state.deleted:
                await self._broker.delete(entities.evacuation_shelter_id(state.shelter_id))
                await self._broker.delete(entities.designated_shelter_id(state.shelter_id))
        publishable = [state for state in states if state.publishable]
        if not publishable:
            return 0
        try:
            refused = await self._upsert(publishable)
        except BatchRejectedError as exc:
            if len(publishable) == 1:
                log.error(
                    "the broker refused a shelter's entities; waiting for its next change",
                    extra={"shelter_id": publishable[0].shelter_id, "error_type": exc.error_type},
                )
                self.metrics.failed(1, "rejected")
                return 0
            sent = 0
            for state in publishable:  # find the one the broker cannot take
                sent += await self._send([state])
            return sent
        self._retry_refused(refused)
        return len(publishable) - len(refused)

    async def _upsert(self, states: list[ShelterState]) -> set[str]:
        batch = [e for state in states for e in entities.shelter_entities(state, self._code)]
        failed = await self._broker.upsert(batch)
        refused = {s for s in map(entities.shelter_of, failed) if s is not None}
        sent = [state for state in states if state.shelter_id not in refused]
        self.metrics.sent(2 * len(sent))
        now = self._now()
        for state in sent:
            self.link.attempts.pop(state.shelter_id, None)
            counts = state.counts
            if counts is not None:
                self.metrics.lag(max(0.0, (now - counts.counted_at).total_seconds()))
        return refused

    def _retry_refused(self, refused: set[str]) -> None:
        for shelter_id in refused:
            attempts = self.link.attempts.get(shelter_id, 0) + 1
            self.link.attempts[shelter_id] = attempts
            self.metrics.failed(1, "entity")
            if attempts < MAX_ENTITY_ATTEMPTS:
                self._pending.setdefault(shelter_id, None)
            else:
                log.error(
                    "the broker keeps refusing a shelter's entities; waiting for its next change",
                    extra={"shelter_id": shelter_id},
                )
                self.link.attempts.pop(shelter_id, None)

    async def _send_summary(self) -> None:
        summary = summarise(await self._shelters.all_states())
        failed = await self._broker.upsert([entities.municipality_summary(summary, self._code)])
        self._summary_sent_at = self._clock()  # a refused summary is tried again next interval
        if failed:
            self.metrics.failed(1, "entity")
            return
        self._summary_due = False
        self.metrics.sent(1)

    async def run(self) -> None:
        """Resync at start, then send as shelters become due; back off while the broker is down."""
        delay = self._retry_initial
        resync_needed = True
        while True:
            self._wake.clear()  # before sending: a touch made meanwhile wakes the next wait
            try:
                if resync_needed:
                    await self.resync()
                    resync_needed = False
                await self.publish_due()
                delay = self._retry_initial
            except BrokerUnavailableError:
                log.warning("NGSI-LD broker unavailable; retrying", extra={"delay": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)
                resync_needed = True  # the broker may have lost what it had: send everything
                continue
            except Exception:
                log.exception("publishing to the NGSI-LD broker failed; retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)
                continue
            if self.seconds_until_due() == 0:
                continue  # more is due right away (a batch was full)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.seconds_until_due())

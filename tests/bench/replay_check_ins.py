"""Benchmark (`make bench`): replay check-ins onto Kafka and measure until roster and stats agree.

Registers N shelters through the gateway with one open-data CSV import (S10.6) and opens
each, then publishes M EvacueeCheckedIn events spread over them straight onto the stays topic
(a replay: what registration would have published) and polls the roster and statistics APIs
until both account for every one. Prints the publish throughput, the time each read model
needs to become current (its lag after the last event was acknowledged) and the resulting
consumer throughput. Also times HTTP check-ins through the gateway, and reports the peak
resident memory of each process of the stack. Figures go to stdout and to
.stack/bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from shelter_contracts.events import Channel, EvacueeCheckedIn
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_contracts.topics import EVACUEE_STAYS
from shelter_runtime.outbox import PENDING_COLLECTION
from shelter_testing.stack import describe

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "翔", "陽菜", "大輔", "結衣", "健", "さくら"]


def _event(shelter_id: str, n: int, at: datetime) -> EvacueeCheckedIn:
    born = date(1930, 1, 1) + timedelta(days=(n * 37) % 32000)
    family = FAMILY[n % len(FAMILY)]
    return EvacueeCheckedIn(
        occurred_at=at,
        shelter_id=shelter_id,
        producer="bench",
        stay_id=uuid.uuid4(),
        channel=Channel.SMARTPHONE,
        personal=EvacueePersonal(
            family_name=family,
            given_name=GIVEN[(n // 10) % len(GIVEN)],
            address=f"東京都千代田区千代田{n % 5000}-{n % 7}",
            date_of_birth=born,
            sex=Sex.FEMALE if n % 2 else Sex.MALE,
        ),
        age_band=min((at.date().year - born.year) // 10 * 10, 90),
        sex=Sex.FEMALE if n % 2 else Sex.MALE,
        household_key=f"{n % 5000:016d}{n % 7:016d}",
        checked_in_at=at,
    )


async def _import_shelters(client: httpx.AsyncClient, ids: list[str]) -> None:
    """One request: an 指定緊急避難場所一覧 file whose ID column is the shelter id."""
    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\n")
    rows.writerow(["ID", "名称", "想定収容人数"])
    rows.writerows([shelter_id, f"ベンチ{shelter_id}", "500人"] for shelter_id in ids)
    imported = await client.post(
        "/api/registration/shelters/import",
        content=text.getvalue().encode(),
        headers={"content-type": "text/csv"},
    )
    if imported.status_code != 200 or imported.json()["accepted"] != len(ids):
        raise RuntimeError(f"importing: {imported.status_code} {imported.text[:500]}")


async def _relayed(mongodb_uri: str, database: str, limit: float) -> float:
    """Seconds until registration's outbox relay has published every pending event.

    An import leaves its ShelterRegistered events to the relay, whose write per shelter
    competes with the opens for the database's write lock (SQLite): wait for it first.
    """
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < limit:
            if await client[database][PENDING_COLLECTION].count_documents({}) == 0:
                break
            await asyncio.sleep(1)
    finally:
        await client.close()
    return time.perf_counter() - started


async def _open_shelters(client: httpx.AsyncClient, ids: list[str], password: str) -> None:
    semaphore = asyncio.Semaphore(8)

    async def one(shelter_id: str) -> None:
        async with semaphore:
            path = f"/api/registration/shelters/{shelter_id}/open"
            opened = await client.post(path, json={})
            if opened.status_code == 401:  # the token expired during a long open phase
                await _sign_in(client, password)
                opened = await client.post(path, json={})
            opened.raise_for_status()

    await asyncio.gather(*(one(s) for s in ids))


def _peak_rss_mb(stack_directory: Path) -> dict[str, float]:
    """The peak resident memory (VmHWM) of each process of the stack, by its Procfile name."""
    marker = f"STACK_DIR={stack_directory}".encode()
    peaks: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text(encoding="utf-8")
        except OSError:  # gone, or not ours
            continue
        peak = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), None)
        if peak is None:
            continue
        name = _process_name([a.decode(errors="replace") for a in argv if a])
        if name is not None:
            peaks[name] = max(peaks.get(name, 0.0), round(int(peak.split()[1]) / 1024, 1))
    return dict(sorted(peaks.items()))


def _process_name(argv: list[str]) -> str | None:
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1].removeprefix("shelter_").replace("_", "-")
    if any(a.startswith("kafka.") for a in argv):
        return "kafka"
    first = argv[0] if argv else ""
    if first.startswith("nginx"):  # "nginx: master process ...", "nginx: worker process"
        return "nginx"
    return "ferretdb" if Path(first.split(" ")[0]).name.startswith("ferretdb") else None


async def _publish(kafka: str, topic: str, events: list[EvacueeCheckedIn]) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka,
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for event in events:
            pending.append(
                await producer.send(
                    topic, event.model_dump_json().encode(), key=event.shelter_id.encode()
                )
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def _sign_in(client: httpx.AsyncClient, password: str) -> None:
    """(Again: a token expires during a long run.)"""
    signed_in = await client.post(
        "/api/auth/sign-in", json={"user_id": "admin", "password": password}
    )
    signed_in.raise_for_status()
    client.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"


async def _count(client: httpx.AsyncClient, path: str, field: str, password: str) -> int:
    response = await client.get(path)
    if response.status_code == 401:  # the token expired: sign in again
        await _sign_in(client, password)
        response = await client.get(path)
    response.raise_for_status()
    return int(response.json()[field])


#: Between two polls of a read model: a count at 100,000 entries costs about a second of the
#: service's time, which a tighter poll would take from the consumer being measured.
POLL_SECONDS = 1.0


async def _wait_until(probe: Any, target: int, limit: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        try:
            reached = await probe() >= target
        except httpx.TimeoutException:  # a service busy with the backlog: ask again
            reached = False
        if reached:
            return time.perf_counter() - started
        await asyncio.sleep(POLL_SECONDS)
    return None


async def _http_check_ins(client: httpx.AsyncClient, shelter_id: str, count: int) -> list[float]:
    semaphore = asyncio.Semaphore(16)
    latencies: list[float] = []
    person: dict[str, str] = {
        "family_name": "計測",
        "given_name": "太郎",
        "address": "東京都千代田区1-1",
        "date_of_birth": "1960-01-01",
        "sex": "male",
    }

    async def one(i: int) -> None:
        async with semaphore:
            payload = {"personal": {**person, "given_name": f"太郎{i}"}, "consent": True}
            started = time.perf_counter()
            response = await client.post(
                f"/api/registration/shelters/{shelter_id}/check-ins", json=payload
            )
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()

    await asyncio.gather(*(one(i) for i in range(count)))
    return latencies


async def main(shelters: int, check_ins: int, http_check_ins: int, limit: float) -> None:
    stack = describe(os.environ.get("STACK_NAME") or "bench")  # `stack.sh with NAME` sets it
    run = uuid.uuid4().hex[:6]
    ids = [f"b{run}-{i:04d}" for i in range(shelters)]
    results: dict[str, Any] = {"shelters": shelters, "check_ins": check_ins}
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        password = stack.admin_password()
        await _sign_in(client, password)
        started = time.perf_counter()
        await _import_shelters(client, ids)
        results["import_shelters_s"] = round(time.perf_counter() - started, 2)
        relayed = await _relayed(stack.mongodb_uri, f"{stack.name}-registration", limit)
        results["import_relayed_s"] = round(relayed, 2)
        started = time.perf_counter()
        await _sign_in(client, password)
        await _open_shelters(client, ids, password)
        results["open_shelters_s"] = round(time.perf_counter() - started, 2)

        stats_before = await _count(client, "/api/stats/totals", "present", password)
        roster_before = await _count(client, "/api/roster/entries?limit=1", "total", password)
        at = datetime.now(UTC).replace(microsecond=0)
        events = [_event(ids[n % shelters], n, at) for n in range(check_ins)]
        topic = EVACUEE_STAYS.name(stack.topic_namespace)
        publish_s = await _publish(stack.kafka_bootstrap, topic, events)
        results["publish_s"] = round(publish_s, 2)
        results["publish_per_s"] = round(check_ins / publish_s)

        async def stats_present() -> int:
            return await _count(client, "/api/stats/totals", "present", password) - stats_before

        async def roster_total() -> int:
            total = await _count(client, "/api/roster/entries?limit=1", "total", password)
            return total - roster_before

        stats_lag, roster_lag = await asyncio.gather(
            _wait_until(stats_present, check_ins, limit),
            _wait_until(roster_total, check_ins, limit),
        )
        for name, lag in (("stats", stats_lag), ("roster", roster_lag)):
            results[f"{name}_lag_s"] = None if lag is None else round(lag, 2)
            results[f"{name}_per_s"] = None if lag is None else round(check_ins / (publish_s + lag))

        latencies = await _http_check_ins(client, ids[0], http_check_ins)
        results["http_check_ins"] = http_check_ins
        results["http_p50_ms"] = round(statistics.median(latencies) * 1000, 1)
        results["http_p95_ms"] = round(statistics.quantiles(latencies, n=20)[18] * 1000, 1)
    results["peak_rss_mb"] = _peak_rss_mb(stack.directory)

    out = stack.directory / "results.json"
    Path(out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")  # noqa: T201 - the benchmark's report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shelters", type=int, default=1000)
    parser.add_argument("--check-ins", type=int, default=100_000)
    parser.add_argument("--http-check-ins", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=1800, help="give up after this many s")
    args = parser.parse_args()
    asyncio.run(main(args.shelters, args.check_ins, args.http_check_ins, args.limit))

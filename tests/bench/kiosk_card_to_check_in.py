"""Benchmark: card placed on the reader -> check-in acknowledged (S1.3: the product takes 1-3 s).

Runs the kiosk in this process against a running stack, with pcscd, a vpcd virtual reader and
virtual My Number cards of different people. For each card it measures from the moment the
card is placed (the virtual card connects to the reader) to:
- done: the kiosk answered "done" (the read is committed to its encrypted local queue);
- acknowledged: registration applied the read and published the EvacueeCheckedIn (channel 1)
  on the stays topic, i.e. the check-in is accepted by the management system.
Not a timed assert: it prints the figures (median, 90th percentile, max).

    TEST_PORT_OFFSET=13000 deploy/local/stack.sh with test-kiosk -- \
        .venv/bin/python tests/bench/kiosk_card_to_check_in.py --reads 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from shelter_contracts.topics import EVACUEE_STAYS
from shelter_kiosk.adapters.pcsc import PcscCardReader
from shelter_kiosk.bootstrap import bootstrap
from shelter_kiosk.config import Settings
from shelter_kiosk.simulator.cards import MyNumberCard, my_number_ef0002
from shelter_kiosk.simulator.pcscd import running_pcscd
from shelter_kiosk.simulator.vpcd import InsertedCard
from shelter_runtime.settings import Environment
from shelter_testing.stack import describe


async def _admin(gateway: httpx.AsyncClient, password: str) -> dict[str, str]:
    signed = await gateway.post(
        "/api/auth/sign-in", json={"user_id": "admin", "password": password}
    )
    signed.raise_for_status()
    return {"Authorization": f"Bearer {signed.json()['access_token']}"}


async def main(reads: int) -> None:
    stack = describe(os.environ.get("STACK_NAME", "test"))
    shelter_id = f"bench-kiosk-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as gateway:
        admin = await _admin(gateway, stack.admin_password())
        created = await gateway.post(
            "/api/registration/shelters",
            json={"shelter_id": shelter_id, "name": "ベンチ避難所", "capacity": 10 * reads},
            headers=admin,
        )
        created.raise_for_status()
        (
            await gateway.post(f"/api/registration/shelters/{shelter_id}/open", headers=admin)
        ).raise_for_status()
        issued = await gateway.post(
            "/api/auth/kiosk-tokens",
            json={"shelter_id": shelter_id, "label": "bench"},
            headers=admin,
        )
        issued.raise_for_status()

    consumer = AIOKafkaConsumer(
        EVACUEE_STAYS.name(stack.topic_namespace),
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="latest",
    )
    await consumer.start()
    await consumer.getmany(timeout_ms=1000)  # join: positions at the end before the first card

    with tempfile.TemporaryDirectory() as tmp, running_pcscd() as virtual:
        settings = Settings(
            environment=Environment.TEST,
            shelter_id=shelter_id,
            device_token=SecretStr(issued.json()["token"]),
            api_base_url=stack.gateway_url,
            kafka_bootstrap_servers=stack.kafka_bootstrap,
            kafka_topic_namespace=stack.topic_namespace,
            data_dir=Path(tmp) / "kiosk",
        )
        app = bootstrap(settings, reader=PcscCardReader(virtual.name, wait_seconds=5))
        app.state.kiosk.session = "bench"
        done_s: list[float] = []
        ack_s: list[float] = []
        async with (
            LifespanManager(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://kiosk", timeout=30
            ) as screen,
        ):
            await app.state.kiosk.forwarder.deliver_pending()  # connect and fetch a token first
            for n in range(reads):
                given = f"{n:04d}"
                card = MyNumberCard(
                    basic_four=my_number_ef0002(
                        f"試験\u3000{given}", "東京都千代田区", "19800217", "1"
                    )
                )
                placed = time.perf_counter()
                with InsertedCard(card, virtual.port):
                    response = await screen.post(
                        "/api/card-reads", json={"purpose": "check_in", "digits": "1234"}
                    )
                    done_s.append(time.perf_counter() - placed)
                    response.raise_for_status()
                    acknowledged = False
                    while not acknowledged:
                        batch = await consumer.getmany(timeout_ms=50)
                        for messages in batch.values():
                            for m in messages:
                                event = json.loads(m.value)
                                if (
                                    event["event_type"] == "EvacueeCheckedIn"
                                    and event["shelter_id"] == shelter_id
                                    and event["personal"]["given_name"] == given
                                ):
                                    assert event["channel"] == 1
                                    acknowledged = True
                    ack_s.append(time.perf_counter() - placed)
    await consumer.stop()

    def line(name: str, values: list[float]) -> str:
        q = statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]
        return (
            f"{name:<34} median {statistics.median(values) * 1000:7.0f} ms   "
            f"p90 {q * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms"
        )

    report = [
        f"kiosk card -> check-in, {reads} cards, stack {stack.name}",
        line("card placed -> kiosk says done", done_s),
        line("card placed -> check-in published", ack_s),
    ]
    print("\n".join(report))  # noqa: T201 - the benchmark's report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=30)
    asyncio.run(main(parser.parse_args().reads))

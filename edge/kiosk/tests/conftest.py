"""The kiosk's test fixtures: a private pcscd with virtual readers (integration tier)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shelter_kiosk.adapters.pcsc import PcscCardReader
from shelter_kiosk.simulator.pcscd import VirtualReader, running_pcscd


@pytest.fixture(scope="session")
def virtual_reader() -> Iterator[VirtualReader]:
    """A private pcscd with its vpcd reader, ours for the session (simulator/pcscd.py)."""
    with running_pcscd() as virtual:
        yield virtual


@pytest.fixture
def pcscd(virtual_reader: VirtualReader) -> int:
    """The vpcd port where a virtual card is placed on our reader."""
    return virtual_reader.port


@pytest.fixture
def reader(virtual_reader: VirtualReader) -> PcscCardReader:
    return PcscCardReader(virtual_reader.name, wait_seconds=5.0)


@pytest.fixture
def kiosk_dir(tmp_path: Path) -> Path:
    return tmp_path / "kiosk"


ROOT = Path(__file__).resolve().parents[3]
KAFKA_LIBS = ROOT / ".cache" / "kafka" / "libs"


class DedicatedKafka:
    """A single-node Kafka (KRaft) of one test, from the jars deploy/local uses.

    The stack's Kafka is shared by every test; this one can really be stopped and started.
    """

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)
        template = (ROOT / "deploy/local/kafka/server.properties.in").read_text()
        rendered = (
            template.replace("${KAFKA_PORT}", str(port))
            .replace("${KAFKA_CONTROLLER_PORT}", str(port + 1))
            .replace("${STACK_DIR}", str(directory))
        )
        self.properties = directory / "server.properties"
        self.properties.write_text(rendered)
        java = ["java", f"-Dlog4j2.configurationFile={ROOT}/deploy/local/kafka/log4j2.properties"]
        cluster = subprocess.run(  # noqa: S603
            [*java, "-cp", f"{KAFKA_LIBS}/*", "kafka.tools.StorageTool", "random-uuid"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        subprocess.run(  # noqa: S603
            [*java, "-cp", f"{KAFKA_LIBS}/*", "kafka.tools.StorageTool", "format",
             "--standalone", "-t", cluster, "-c", str(self.properties)],
            check=True, capture_output=True,
        )  # fmt: skip
        self._java = java

    def start(self) -> None:
        self._log = log = (self.directory / "kafka.log").open("ab")
        self._process = subprocess.Popen(  # noqa: S603
            [*self._java, "-Xms128m", "-Xmx384m", "-cp", f"{KAFKA_LIBS}/*", "kafka.Kafka",
             str(self.properties)],
            stdout=log, stderr=log,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not _listening(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Kafka did not start: see {self.directory / 'kafka.log'}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
            self._log.close()


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.3):
        return True
    return False


@pytest.fixture
def dedicated_kafka(tmp_path: Path) -> Iterator[DedicatedKafka]:
    # Within the kiosk's port range (TEST_PORT_OFFSET=13000): 22192-22193.
    kafka = DedicatedKafka(tmp_path / "kafka", 22192)
    kafka.start()
    yield kafka
    kafka.stop()

"""The local test stack (deploy/local/stack.sh): its addresses, started on demand.

`make test` starts the stack and exports STACK_* variables. A plain `pytest` run without them
starts the test stack itself and stops it at the end; if it cannot start, tests fail loudly.
"""

from __future__ import annotations

import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
STACK_SCRIPT = ROOT / "deploy" / "local" / "stack.sh"


@dataclass(frozen=True, slots=True)
class Stack:
    name: str
    directory: Path
    gateway_url: str
    kafka_bootstrap: str
    mongodb_uri: str
    topic_namespace: str
    #: The stack's kiosk (edge/kiosk), bound to its demo shelter; "" for a stack without one.
    kiosk_url: str = ""

    @property
    def spans_file(self) -> Path:
        return self.directory / "spans.jsonl"

    def admin_password(self) -> str:
        """The password of the stack's first administrator ("admin"), made at start-up."""
        return (self.directory / "admin-password").read_text(encoding="utf-8").strip()

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(  # noqa: S310 - loopback URL of our own stack
                f"{self.gateway_url}/api/registration/readyz", timeout=2
            ) as response:
                return bool(response.status == 200)
        except OSError:
            return False


def variables(name: str) -> dict[str, str]:
    """The stack's ports and folder (`stack.sh env NAME`, or the STACK_* variables it exported)."""
    if os.environ.get("STACK_NAME") == name and "STACK_KAFKA_PORT" in os.environ:
        prefix = "STACK_"
        return {k.removeprefix(prefix): v for k, v in os.environ.items() if k.startswith(prefix)}
    out = subprocess.run(  # noqa: S603 - our own script
        [str(STACK_SCRIPT), "env", name], check=True, capture_output=True, text=True
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def describe(name: str = "test") -> Stack:
    env = variables(name)
    return Stack(
        name=name,
        directory=Path(env["DIR"]),
        gateway_url=f"http://127.0.0.1:{env['GATEWAY_PORT']}",
        kafka_bootstrap=f"127.0.0.1:{env['KAFKA_PORT']}",
        mongodb_uri=f"mongodb://127.0.0.1:{env['MONGO_PORT']}/",
        topic_namespace=env["KAFKA_TOPIC_NAMESPACE"],
        kiosk_url=f"http://127.0.0.1:{env['KIOSK_PORT']}" if "KIOSK_PORT" in env else "",
    )


def start(name: str = "test") -> None:
    subprocess.run([str(STACK_SCRIPT), "up", name], check=True)  # noqa: S603


def stop(name: str = "test") -> None:
    subprocess.run([str(STACK_SCRIPT), "down", name], check=False)  # noqa: S603

"""A private pcscd with a vpcd virtual reader, one per user: each stack's kiosk, each test run.

pcscd 1.9 (Debian 12) keeps its socket at the compiled-in /run/pcscd/pcscd.comm (the server
ignores PCSCLITE_CSOCK_NAME), and the vpcd driver serves only one reader entry per pcscd
(its state is per slot, not per entry), so one machine-wide pcscd cannot give every stack a
reader of its own. Instead each user starts its own pcscd in a private mount namespace
(`unshare -m`, root only: the kiosk is developed and tested as root, see deploy/local) where a
folder of its own is bind-mounted on /run/pcscd; its clients find it through
PCSCLITE_CSOCK_NAME, which the client library does read. The vpcd port is a free one.
Nothing is shared, so the dev stack, the test stacks and the kiosk's tests never fight.

The client library reads PCSCLITE_CSOCK_NAME once per process, so a process has at most one
pcscd: nested and repeated use shares it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PCSCD = "/usr/sbin/pcscd"
UNSHARE = "/usr/bin/unshare"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
FRIENDLY_NAME = "Shelter vpcd"
#: vpcd's first slot as PC/SC names it (the second, on the next port, is not used).
READER_NAME = f"{FRIENDLY_NAME} 00 00"
SOCKET_VARIABLE = "PCSCLITE_CSOCK_NAME"
#: pcscd runs this in its private mount namespace: its folder becomes /run/pcscd there. The
#: mount point is made first: /run is a fresh tmpfs after a reboot, and without systemd
#: (which makes it for the pcscd socket unit) nothing else creates /run/pcscd.
_IN_NAMESPACE = (
    'mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && exec "$2" --foreground -c "$3"'
)


class PcscdUnavailableError(RuntimeError):
    """pcscd, vpcd or unshare is missing, or pcscd did not start."""


@dataclass(frozen=True, slots=True)
class VirtualReader:
    """Where a virtual card connects (vpcd port) and the reader's PC/SC name."""

    port: int
    name: str
    socket_path: Path


#: vpcd's ports come from here: below Linux's ephemeral range (32768-60999), where an outgoing
#: connection's local port would make vpcd's bind fail, and above the stacks' fixed ports.
PORT_RANGE = range(32100, 32760, 2)


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))  # noqa: S104 (vpcd itself binds every address)
        except OSError:
            return False
    return True


def _free_port() -> int:
    """A free pair of ports (vpcd listens on both of its slots' ports)."""
    for port in random.sample(PORT_RANGE, len(PORT_RANGE)):
        if _bindable(port) and _bindable(port + 1):
            return port
    raise PcscdUnavailableError("no free port pair for vpcd")


def _die_with_parent() -> None:  # pragma: no cover (runs in the child before exec)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_running: list[tuple[VirtualReader, subprocess.Popen[bytes]]] = []
_users = 0


def start_pcscd(
    workdir: Path, timeout: float = 30.0
) -> tuple[VirtualReader, subprocess.Popen[bytes]]:
    """Start a private pcscd with its vpcd reader; its folder is `workdir`."""
    for path in (PCSCD, VPCD_DRIVER, UNSHARE):
        if not Path(path).exists():
            raise PcscdUnavailableError(f"{path} missing: run deploy/local/install.sh")
    run_dir = workdir / "run"
    conf = workdir / "reader.conf.d"
    for folder in (run_dir, conf):
        folder.mkdir(parents=True, exist_ok=True)
    for stale in run_dir.iterdir():
        stale.unlink()
    port = _free_port()
    (conf / "vpcd").write_text(
        f'FRIENDLYNAME "{FRIENDLY_NAME}"\nDEVICENAME /dev/null:0x{port:04X}\n'
        f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{port:04X}\n"
    )
    log_path = workdir / "pcscd.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 (fixed binaries, our own arguments)
            [UNSHARE, "-m", "--propagation", "private", "sh", "-c", _IN_NAMESPACE, "pcscd",
             str(run_dir), PCSCD, str(conf)],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )  # fmt: skip
    socket_path = run_dir / "pcscd.comm"
    deadline = time.monotonic() + timeout
    # The socket only: a probe of the vpcd port would sit in its one-place backlog.
    while not socket_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_pcscd(process)
            tail = log_path.read_text(errors="replace")[-800:]
            raise PcscdUnavailableError(f"pcscd did not start ({log_path}):\n{tail}")
        time.sleep(0.1)
    return VirtualReader(port, READER_NAME, socket_path), process


def stop_pcscd(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def use_in_this_process(reader: VirtualReader) -> None:
    """Point this process's PC/SC client (pyscard) at the private pcscd."""
    current = os.environ.get(SOCKET_VARIABLE)
    if current and current != str(reader.socket_path) and _running:
        raise PcscdUnavailableError("this process already uses another pcscd")
    os.environ[SOCKET_VARIABLE] = str(reader.socket_path)


def process_workdir() -> Path:
    """One folder per process, so a restarted pcscd keeps the socket path the client cached."""
    return Path(tempfile.gettempdir()) / f"shelter-pcscd-{os.getpid()}"


@contextlib.contextmanager
def running_pcscd() -> Iterator[VirtualReader]:
    """This process's private pcscd (started on first use), stopped when the last user leaves."""
    global _users
    if not _running:
        virtual, process = start_pcscd(process_workdir())
        use_in_this_process(virtual)
        _running.append((virtual, process))
    _users += 1
    try:
        yield _running[0][0]
    finally:
        _users -= 1
        if _users == 0:
            _, process = _running.pop()
            stop_pcscd(process)
            shutil.rmtree(process_workdir(), ignore_errors=True)

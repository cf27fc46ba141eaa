"""Waits until every given address answers: tcp://host:port (accepts) or http(s)://... (200).

Exits 1 naming what is still not ready when the timeout passes.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit


def ready(target: str) -> bool:
    parts = urlsplit(target)
    if parts.scheme == "tcp":
        try:
            with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=1):
                return True
        except OSError:
            return False
    try:
        with urllib.request.urlopen(target, timeout=2) as response:  # noqa: S310 - our own URLs
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args()
    pending = list(args.targets)
    deadline = time.monotonic() + args.timeout
    while pending and time.monotonic() < deadline:
        pending = [t for t in pending if not ready(t)]
        if pending:
            time.sleep(0.5)
    if pending:
        print("not ready after", args.timeout, "s:", " ".join(pending), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

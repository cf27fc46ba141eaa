"""Docker HEALTHCHECK of the Python services: GET /healthz on the service's own port.

Liveness only: /readyz (Kafka and the database) is for the orchestrator's readiness gate,
and a broker outage must not make Docker restart every service.
"""

from __future__ import annotations

import os
import sys
import urllib.request

# The services' built-in default ports (config.py of each), used when HTTP_PORT is unset.
DEFAULT_PORTS = {
    "registration": 8101,
    "roster": 8102,
    "stats": 8103,
    "integration": 8104,
    "auth": 8105,
}


def main() -> int:
    port = os.environ.get("HTTP_PORT") or DEFAULT_PORTS.get(os.environ.get("SHELTER_SERVICE", ""))
    if not port:
        sys.stderr.write("healthcheck: HTTP_PORT is not set\n")
        return 1
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        sys.stderr.write(f"healthcheck: {url}: {error}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())

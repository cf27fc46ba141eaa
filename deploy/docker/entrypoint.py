"""Container entrypoint of the Python services: secrets from files, then the service.

Docker and Compose deliver secrets as files under /run/secrets. The services read plain
environment variables (MONGODB_URI, KAFKA_SASL_PASSWORD, ...), so for every variable
NAME_FILE whose value is a path under /run/secrets/ this sets NAME to the file's content.
Only that directory is honoured, so unrelated variables such as SSL_CERT_FILE are left alone.
Kubernetes passes the same secrets as plain variables and needs none of this.

Without arguments it runs `python -m $SERVICE_MODULE`; with arguments it runs them instead.
"""

from __future__ import annotations

import os
import sys

SECRETS_DIR = "/run/secrets/"
SUFFIX = "_FILE"


def _load_secret_files() -> None:
    for name, path in list(os.environ.items()):
        if not name.endswith(SUFFIX) or not path.startswith(SECRETS_DIR):
            continue
        target = name.removesuffix(SUFFIX)
        if target in os.environ:
            sys.exit(f"entrypoint: both {target} and {name} are set; set only one")
        try:
            with open(path, encoding="utf-8") as secret:
                value = secret.read().rstrip("\r\n")
        except OSError as error:
            sys.exit(f"entrypoint: cannot read {name}={path}: {error.strerror}")
        os.environ[target] = value
        del os.environ[name]


def main() -> None:
    _load_secret_files()
    command = sys.argv[1:]
    if not command:
        module = os.environ.get("SERVICE_MODULE")
        if not module:
            sys.exit("entrypoint: SERVICE_MODULE is not set and no command was given")
        command = [sys.executable, "-m", module]
    # exec, not a child process: the service becomes PID 1 and receives SIGTERM directly.
    os.execvp(command[0], command)  # noqa: S606 - the command is the container's own


if __name__ == "__main__":
    main()

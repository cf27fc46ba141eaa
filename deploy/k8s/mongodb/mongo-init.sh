#!/usr/bin/env bash
# Runs mongo-init.js (replica set, root user, service users) in the official mongo image.
#
# compose:    a one-shot container in mongo-1's network namespace; secrets arrive as files,
#             named by NAME_FILE variables, which are read into NAME here.
# Kubernetes: a sidecar of the MongoDB StatefulSet with MONGO_INIT_SIDECAR=true; it acts on
#             pod ordinal 0 only and then idles, so the pod stays Running.
set -euo pipefail

while IFS= read -r name; do
  case "$name" in
    *_FILE)
      value=$(<"${!name}")
      export "${name%_FILE}=${value%$'\n'}"
      unset "$name"
      ;;
  esac
done < <(compgen -e)

idle() { exec sleep infinity; }

if [ "${MONGO_INIT_SIDECAR:-false}" = true ] && [[ "${HOSTNAME}" != *-0 ]]; then
  idle
fi

mongosh --nodb --quiet "$(dirname "$0")/mongo-init.js"

if [ "${MONGO_INIT_SIDECAR:-false}" = true ]; then
  idle
fi

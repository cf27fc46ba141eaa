#!/bin/bash
# Entrypoint wrapper of the compose MongoDB members. mongod refuses a keyfile that group or
# others can read, and compose cannot set owner or mode on file-based secrets; so copy it,
# owned by the mongodb user and 0400, before the image's entrypoint drops to that user.
set -euo pipefail
install -d -m 0700 -o mongodb -g mongodb /run/mongo
install -m 0400 -o mongodb -g mongodb /run/secrets/mongo_keyfile /run/mongo/keyfile
exec /usr/local/bin/docker-entrypoint.sh "$@"

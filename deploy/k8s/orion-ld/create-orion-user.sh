#!/bin/bash
# docker-entrypoint-initdb.d script of Orion-LD's own MongoDB (official mongo image): on the
# first start only, create the "orion" user Orion-LD connects with. The image's entrypoint
# sources this file while a temporary mongod runs without authentication, after it has created
# the root user from MONGO_INITDB_ROOT_USERNAME / _PASSWORD(_FILE).
#
# Orion-LD creates one database per NGSI-LD tenant (orion, orion-<tenant>, ...), which MongoDB
# roles cannot name in advance; hence readWriteAnyDatabase. This is also why this MongoDB is
# separate from the services' one, which holds personal data.
#
# ORION_MONGO_PASSWORD_FILE: file with the password (a Docker or Kubernetes secret).

orion_password_file=${ORION_MONGO_PASSWORD_FILE:-/run/secrets/orion_mongo_password}

# The entrypoint defines the shell command as the array "mongo"; fall back for other images.
# shellcheck disable=SC2154 # "mongo" comes from the sourcing entrypoint
if declare -p mongo >/dev/null 2>&1; then
  orion_shell=("${mongo[@]}")
else
  orion_shell=(mongo --host 127.0.0.1 --port 27017 --quiet)
fi

# The password is read by the shell from the file (legacy shell: cat(); mongosh: fs), so it
# never appears on a command line.
"${orion_shell[@]}" admin <<EOF
const passwordFile = "${orion_password_file}";
const password = (typeof cat === "function"
  ? cat(passwordFile)
  : require("fs").readFileSync(passwordFile, "utf8")).trim();
db.createUser({
  user: "orion",
  pwd: password,
  roles: [{ role: "readWriteAnyDatabase", db: "admin" }],
});
print("user orion created");
EOF

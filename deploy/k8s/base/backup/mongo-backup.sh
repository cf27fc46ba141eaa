#!/usr/bin/env bash
# Back up the services' MongoDB replica set (brief S4.5): one gzip archive of every database
# with the oplog (a consistent point in time), then keep the newest BACKUP_KEEP_GENERATIONS.
#
# Runs in the official mongo image (mongodump): the Kubernetes CronJob (deploy/k8s/base/backup)
# and compose's mongo-backup service both use this file.
#
# Environment:
#   MONGODB_URI or MONGODB_URI_FILE   a user with the "backup" role (mongo-init creates it)
#   BACKUP_DIR                        default /backups
#   BACKUP_KEEP_GENERATIONS           3 to 7 (default 7)
#
# A failed dump leaves only a hidden .partial file, which is removed; existing generations
# are rotated only after a new one is complete.
#
# Restore (into an empty replica set or with --drop):
#   mongorestore --uri="$ROOT_URI" --gzip --archive=mongo-<stamp>.archive.gz --oplogReplay --drop
set -euo pipefail
umask 077

backup_dir=${BACKUP_DIR:-/backups}
keep=${BACKUP_KEEP_GENERATIONS:-7}

if [ -n "${MONGODB_URI_FILE:-}" ]; then
  uri=$(<"$MONGODB_URI_FILE")
  uri=${uri%$'\n'}
else
  uri=${MONGODB_URI:?MONGODB_URI or MONGODB_URI_FILE is required}
fi

case "$keep" in
  '' | *[!0-9]*) echo "BACKUP_KEEP_GENERATIONS must be a number, got '$keep'" >&2; exit 2 ;;
esac
if [ "$keep" -lt 3 ] || [ "$keep" -gt 7 ]; then
  echo "BACKUP_KEEP_GENERATIONS must be 3 to 7 (brief S4.5), got $keep" >&2
  exit 2
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="mongo-${stamp}.archive.gz"
partial="${backup_dir}/.${name}.partial"
# The URI (with its password) goes through a config file, not the command line.
config=$(mktemp)
trap 'rm -f "$config" "$partial"' EXIT
printf "uri: '%s'\n" "${uri//\'/\'\'}" >"$config"

echo "dumping to ${backup_dir}/${name}"
mongodump --config="$config" --oplog --gzip --archive="$partial" --quiet
mv "$partial" "${backup_dir}/${name}"
(cd "$backup_dir" && sha256sum "$name" >"${name}.sha256")

# Timestamps in the names sort chronologically; everything past the newest $keep goes.
find "$backup_dir" -maxdepth 1 -type f -name 'mongo-*.archive.gz' -printf '%f\n' |
  sort -r | tail -n "+$((keep + 1))" |
  while IFS= read -r old; do
    rm -f -- "${backup_dir}/${old}" "${backup_dir}/${old}.sha256"
    echo "removed old generation ${old}"
  done

echo "backup ${name} complete; $(find "$backup_dir" -maxdepth 1 -type f -name 'mongo-*.archive.gz' | wc -l) generation(s) kept (limit ${keep})"

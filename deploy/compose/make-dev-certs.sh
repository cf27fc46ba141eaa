#!/usr/bin/env bash
# Make throwaway secrets for trying compose.prod.yaml on one machine: a private CA, server
# certificates, Kafka PKCS12 key/trust stores, a MongoDB keyfile, random passwords and the
# services' MongoDB URIs, all in deploy/compose/secrets/ (ignored by git).
#
#   deploy/compose/make-dev-certs.sh            # keep what exists, add what is missing
#   deploy/compose/make-dev-certs.sh --force    # regenerate everything (wipe the volumes too!)
#
# NOT for production: there, certificates come from your CA (or ACME for the public name) and
# passwords from your secret store; write them into the same file names (see PRODUCTION.md).
#
# Environment: PUBLIC_HOSTNAME (default localhost) for the gateway certificate,
#              SECRETS_DIR (default deploy/compose/secrets).
# Needs: openssl; keytool (any JDK/JRE) or OpenSSL >= 3.2 for the Java trust store.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${SECRETS_DIR:-$here/secrets}
public_host=${PUBLIC_HOSTNAME:-localhost}
services=(registration roster stats integration auth)
force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }

umask 077
mkdir -p "$out"
chmod 700 "$out"
cd "$out"

new_ca=0
have() { [ "$force" -eq 0 ] && [ -e "$1" ]; }
have_cert() { [ "$new_ca" -eq 0 ] && have "$1"; }  # everything signed by a new CA is redone

# Files are written 0600 and made read-only for everyone at the end: Docker bind-mounts
# file secrets with their host permissions, and the containers run as different non-root
# users (mongodb 999, kafka appuser 1000, nginx 101, services 10001). The directory itself
# stays 0700, so on the host only its owner can reach them.
put() {  # put NAME VALUE: a secret file without trailing newline
  rm -f "$1"
  printf '%s' "$2" >"$1"
}

random_password() { openssl rand -hex 24; }  # hex: safe in URIs, JAAS and SCRAM syntax

issue() {  # issue NAME SUBJECT SAN EXTENDED_KEY_USAGE: a key and a certificate signed by the CA
  local name=$1 subject=$2 san=$3 eku=$4
  rm -f "$name.key" "$name.crt"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "$subject" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days 397 -sha256 -out "$name.crt" -extfile <(printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=$eku" \
      "subjectAltName=$san") 2>/dev/null
  rm -f "$name.csr"
}

# --- certificate authority
if ! have ca.crt; then
  rm -f ca.key ca.crt
  openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 825 \
    -keyout ca.key -out ca.crt -subj "/O=shelter-checkin development/CN=shelter-checkin dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  new_ca=1
  echo "created CA ca.crt (import it into a browser to trust the gateway)"
fi

# --- gateway (public HTTPS)
if ! have_cert gateway.crt; then
  issue gateway "/CN=${public_host}" "DNS:${public_host},DNS:localhost,IP:127.0.0.1" serverAuth
  echo "created gateway certificate for ${public_host}"
fi

# --- MongoDB replica set: one certificate for the three members (members present it to each
# other as a client certificate too, hence clientAuth).
if ! have_cert mongo.pem; then
  issue mongo "/CN=mongo" "DNS:mongo-1,DNS:mongo-2,DNS:mongo-3,DNS:localhost,IP:127.0.0.1" \
    serverAuth,clientAuth
  rm -f mongo.pem
  cat mongo.crt mongo.key >mongo.pem
  rm -f mongo.crt mongo.key
  echo "created MongoDB server certificate"
fi
if ! have mongo-keyfile; then
  rm -f mongo-keyfile
  openssl rand -base64 756 >mongo-keyfile
fi

# --- Kafka: a key store per node (CN = node name = its principal, a super user) and one trust
# store with the CA. One password protects the stores (PKCS12 needs one).
have kafka-store-password || put kafka-store-password "$(random_password)"
store_password=$(<kafka-store-password)
for node in 1 2 3; do
  if ! have_cert "kafka-${node}.p12"; then
    issue "kafka-${node}" "/CN=kafka-${node}" "DNS:kafka-${node},DNS:localhost" \
      serverAuth,clientAuth
    rm -f "kafka-${node}.p12"
    openssl pkcs12 -export -in "kafka-${node}.crt" -inkey "kafka-${node}.key" -certfile ca.crt \
      -name "kafka-${node}" -out "kafka-${node}.p12" -passout "pass:${store_password}"
    rm -f "kafka-${node}.crt" "kafka-${node}.key"
    echo "created Kafka key store kafka-${node}.p12"
  fi
done
if ! have_cert kafka.truststore.p12; then
  rm -f kafka.truststore.p12
  if command -v keytool >/dev/null; then
    keytool -importcert -noprompt -alias shelter-ca -file ca.crt -storetype PKCS12 \
      -keystore kafka.truststore.p12 -storepass "$store_password" >/dev/null 2>&1
  elif openssl pkcs12 -help 2>&1 | grep -q -- '-jdktrust'; then
    openssl pkcs12 -export -nokeys -in ca.crt -jdktrust anyExtendedKeyUsage \
      -out kafka.truststore.p12 -passout "pass:${store_password}"
  else
    echo "need keytool (a JDK/JRE) or OpenSSL >= 3.2 to write the Java trust store" >&2
    exit 1
  fi
  echo "created Kafka trust store kafka.truststore.p12"
fi

# --- passwords and the services' MongoDB URIs (the URI file is the one source of a service's
# MongoDB password: mongo-init reads the user and password back out of it).
have kafka-admin-password || put kafka-admin-password "$(random_password)"
have mongo-root-password || put mongo-root-password "$(random_password)"
have orion-mongo-root-password || put orion-mongo-root-password "$(random_password)"
have orion-mongo-password || put orion-mongo-password "$(random_password)"

mongo_hosts="mongo-1:27017,mongo-2:27017,mongo-3:27017"
mongo_options="replicaSet=rs0&tls=true&tlsCAFile=/run/secrets/ca_crt&authSource=admin"
have kafka-kiosk-password || put kafka-kiosk-password "$(random_password)" # card reads only
for service in "${services[@]}"; do
  have "kafka-${service}-password" || put "kafka-${service}-password" "$(random_password)"
  have "${service}-mongodb-uri" ||
    put "${service}-mongodb-uri" \
      "mongodb://shelter-${service}:$(random_password)@${mongo_hosts}/?${mongo_options}"
done
have backup-mongodb-uri ||
  put backup-mongodb-uri \
    "mongodb://shelter-backup:$(random_password)@${mongo_hosts}/?${mongo_options}&readPreference=secondaryPreferred"

find . -maxdepth 1 -type f ! -name ca.key -exec chmod 0444 {} +
chmod 0400 ca.key

# --- .env with a fresh KRaft cluster id, on first use
if [ ! -e "$here/.env" ]; then
  cluster_id=$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=\n')
  sed -e "s/^KAFKA_CLUSTER_ID=.*/KAFKA_CLUSTER_ID=${cluster_id}/" \
      -e "s/^PUBLIC_HOSTNAME=.*/PUBLIC_HOSTNAME=${public_host}/" \
      "$here/.env.example" >"$here/.env"
  echo "created $here/.env (KAFKA_CLUSTER_ID=${cluster_id})"
fi

echo "secrets are in $out"

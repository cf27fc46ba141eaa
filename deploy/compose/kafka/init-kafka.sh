#!/usr/bin/env bash
# One-shot setup of the compose Kafka cluster, run at every `docker compose up` (idempotent):
#   1. a SCRAM-SHA-512 credential per service (user shelter-<service>; re-applying the
#      password from the secret file also rotates it),
#   2. least-privilege ACLs per service and for the kiosks (user shelter-kiosk),
#   3. the topics (deploy/k8s/base/kafka-topics/create-topics.sh, shared with Kubernetes).
#
# Environment: KAFKA_BOOTSTRAP_SERVERS, SHELTER_SERVICES (space separated), plus the
#              KAFKA_TOPIC_* variables of create-topics.sh.
# Secrets:     ca_crt, kafka_admin_password, kafka_<service>_password, kafka_kiosk_password.
set -euo pipefail

kafka_bin=/opt/kafka/bin
bootstrap=${KAFKA_BOOTSTRAP_SERVERS:?}
services=${SHELTER_SERVICES:-registration roster stats integration auth}
prefix=${KAFKA_TOPIC_NAMESPACE:+${KAFKA_TOPIC_NAMESPACE}.}
export LOG_DIR=/tmp/kafka-logs

secret() {
  local value
  value=$(<"/run/secrets/$1")
  printf '%s' "${value%$'\n'}"
}

umask 077
work=/tmp/kafka-init
mkdir -p "$work"
admin_config=$work/admin.properties
cat >"$admin_config" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret kafka_admin_password)";
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/ca_crt
EOF

echo "waiting for Kafka at $bootstrap"
for attempt in $(seq 1 60); do
  if "$kafka_bin/kafka-broker-api-versions.sh" --bootstrap-server "$bootstrap" \
      --command-config "$admin_config" >/dev/null 2>&1; then
    break
  fi
  [ "$attempt" -lt 60 ] || { echo "Kafka did not answer at $bootstrap" >&2; exit 1; }
  sleep 5
done

acl() {
  "$kafka_bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --command-config "$admin_config" \
    --add --force "$@" >/dev/null
}

acl_remove() {
  "$kafka_bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --command-config "$admin_config" \
    --remove --force "$@" >/dev/null
}

# Least privilege per topic, from the topic catalogue (libs/contracts/src/shelter_contracts/
# topics.py, producers and consumers; tests/unit/test_production_acls.py keeps these equal to
# it): Write on what a user produces; Read on what it consumes plus Write on that topic's .dlq
# twin (its dead letters); Read on its own consumer group(s) shelter-<service>*. The kiosks
# (user shelter-kiosk) only add card reads.
declare -A writes=(
  [registration]="shelter.evacuee-stays.v1 shelter.shelters.v1 shelter.audit.v1 shelter.disaster.v1"
  [roster]="shelter.audit.v1 shelter.evacuee-corrections.v1 shelter.disaster.v1"
  [stats]="shelter.occupancy.v1"
  [integration]="shelter.audit.v1"
  [kiosk]="shelter.card-reads.v1"
)
declare -A reads=(
  [registration]="shelter.card-reads.v1 shelter.disaster.v1"
  [roster]="shelter.evacuee-stays.v1 shelter.shelters.v1 shelter.disaster.v1"
  [stats]="shelter.evacuee-stays.v1 shelter.shelters.v1 shelter.evacuee-corrections.v1"
  [integration]="shelter.shelters.v1 shelter.occupancy.v1"
  [auth]="shelter.audit.v1"
)

for service in $services kiosk; do
  user="shelter-${service}"
  # On the command line: --add-config-file mangles the SCRAM-SHA-512 key (Kafka 4.1). The
  # argument list is visible only inside this short-lived container.
  "$kafka_bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --command-config "$admin_config" \
    --alter --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$(secret "kafka_${service}_password")]"

  # Earlier versions granted every shelter.* topic and transactional ids: take that back.
  acl_remove --allow-principal "User:${user}" --operation Read \
    --operation Write --operation Describe --topic "${prefix}shelter." --resource-pattern-type prefixed
  acl_remove --allow-principal "User:${user}" --operation Write --operation Describe \
    --transactional-id "${user}" --resource-pattern-type prefixed

  for topic in ${writes[$service]:-}; do
    acl --allow-principal "User:${user}" --operation Write --operation Describe \
      --topic "${prefix}${topic}"
  done
  for topic in ${reads[$service]:-}; do
    acl --allow-principal "User:${user}" --operation Read --operation Describe \
      --topic "${prefix}${topic}"
    acl --allow-principal "User:${user}" --operation Write --operation Describe \
      --topic "${prefix}${topic}.dlq"
  done
  if [ -n "${reads[$service]:-}" ]; then
    acl --allow-principal "User:${user}" --operation Read --operation Describe \
      --group "${user}" --resource-pattern-type prefixed
  fi
  echo "user ${user}: credential and ACLs applied"
done

KAFKA_CLIENT_CONFIG=$admin_config /opt/shelter/create-topics.sh

#!/usr/bin/env bash
# Create the Kafka topics of the shelter check-in system where they are missing. Idempotent:
# an existing topic is left as it is (partitions are never reduced, configs not rewritten).
#
# Runs in the official apache/kafka image: the Kubernetes Job (deploy/k8s/base/kafka-topics)
# and compose's kafka-init (deploy/compose/kafka/init-kafka.sh) both call it.
#
# Environment:
#   KAFKA_BOOTSTRAP_SERVERS          host:port[,host:port...]
#   KAFKA_CLIENT_CONFIG              client properties file (SASL_SSL, SCRAM, CA) of a user
#                                    allowed to create topics
#   KAFKA_TOPIC_NAMESPACE            prefix of every topic name (empty in production)
#   KAFKA_TOPIC_PARTITIONS           default 12: the ceiling of consumer replicas per service
#   KAFKA_TOPIC_REPLICATION_FACTOR   default 3
#   KAFKA_TOPIC_MIN_INSYNC_REPLICAS  default 2: with acks=all a write survives one broker loss
#   KAFKA_TOPIC_RETENTION_MS         default 604800000 (7 days); events carry personal data,
#                                    so the log keeps them no longer than a consumer outage needs
set -euo pipefail

kafka_bin=${KAFKA_BIN:-/opt/kafka/bin}
bootstrap=${KAFKA_BOOTSTRAP_SERVERS:?KAFKA_BOOTSTRAP_SERVERS is required}
client_config=${KAFKA_CLIENT_CONFIG:?KAFKA_CLIENT_CONFIG is required}
partitions=${KAFKA_TOPIC_PARTITIONS:-12}
replication=${KAFKA_TOPIC_REPLICATION_FACTOR:-3}
min_isr=${KAFKA_TOPIC_MIN_INSYNC_REPLICAS:-2}
retention_ms=${KAFKA_TOPIC_RETENTION_MS:-604800000}
prefix=${KAFKA_TOPIC_NAMESPACE:+${KAFKA_TOPIC_NAMESPACE}.}
# The tools log under $LOG_DIR; the default (inside the image) is read-only in Kubernetes.
export LOG_DIR=${LOG_DIR:-/tmp/kafka-logs}

# Keep in step with libs/contracts/src/shelter_contracts/topics.py (CATALOGUE). Every topic has
# a dead-letter twin "<name>.dlq" (shelter_runtime.kafka.ensure_topics).
base_topics=(
  shelter.evacuee-stays.v1
  shelter.shelters.v1
  shelter.occupancy.v1
  shelter.card-reads.v1
  shelter.audit.v1
  shelter.evacuee-corrections.v1
  shelter.disaster.v1
)

topics_cli() {
  "$kafka_bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --command-config "$client_config" "$@"
}

echo "waiting for Kafka at $bootstrap"
for attempt in $(seq 1 60); do
  if topics_cli --list >/dev/null 2>&1; then
    break
  fi
  if [ "$attempt" -eq 60 ]; then
    echo "Kafka did not answer at $bootstrap (check address, credentials and CA)" >&2
    topics_cli --list >/dev/null  # once more, to show the client's own error
    exit 1
  fi
  sleep 5
done

for base in "${base_topics[@]}"; do
  for topic in "${prefix}${base}" "${prefix}${base}.dlq"; do
    topics_cli --create --if-not-exists --topic "$topic" \
      --partitions "$partitions" --replication-factor "$replication" \
      --config "min.insync.replicas=$min_isr" \
      --config "retention.ms=$retention_ms"
  done
done

topics_cli --describe --topics-with-overrides --topic "^${prefix//./\\.}shelter\\..*"
echo "topics ready"

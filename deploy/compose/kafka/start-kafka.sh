#!/usr/bin/env bash
# Start one node of the compose Kafka cluster (apache/kafka image, KRaft, combined
# broker+controller). Replaces the image's env-to-properties launcher because two things
# need more than it offers: passwords read from Docker secrets, and SCRAM bootstrap at format
# time (the admin user must exist before any client can authenticate).
#
# Listeners:
#   CLIENT     :9092  SASL_SSL + SCRAM-SHA-512   the services and kafka-init
#   CONTROLLER :9093  SSL, client certificate     KRaft quorum
#   INTERNAL   :9094  SSL, client certificate     replication between brokers
# Nodes authenticate each other by certificate (principal = certificate CN, e.g. kafka-1);
# clients by SCRAM. ACLs are enforced; only the nodes and "admin" are super users.
#
# Environment: KAFKA_NODE_ID (1..3), CLUSTER_ID, KAFKA_CONTROLLER_QUORUM_VOTERS,
#              KAFKA_ADVERTISED_HOST (this node's name on the compose network).
# Secrets:     kafka_keystore (this node's PKCS12), kafka_truststore (PKCS12 with the CA),
#              kafka_store_password, kafka_admin_password.
set -euo pipefail

: "${KAFKA_NODE_ID:?}" "${CLUSTER_ID:?}" "${KAFKA_CONTROLLER_QUORUM_VOTERS:?}" "${KAFKA_ADVERTISED_HOST:?}"

secret() {
  local value
  value=$(<"/run/secrets/$1")
  printf '%s' "${value%$'\n'}"
}

store_password=$(secret kafka_store_password)
admin_password=$(secret kafka_admin_password)

umask 077
config_dir=/tmp/kafka-config
mkdir -p "$config_dir"
config=$config_dir/server.properties

cat >"$config" <<EOF
process.roles=broker,controller
node.id=${KAFKA_NODE_ID}
controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS}
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
listeners=CLIENT://:9092,CONTROLLER://:9093,INTERNAL://:9094
advertised.listeners=CLIENT://${KAFKA_ADVERTISED_HOST}:9092,INTERNAL://${KAFKA_ADVERTISED_HOST}:9094
listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SSL,INTERNAL:SSL
log.dirs=/var/lib/kafka/data

# TLS everywhere; node-to-node connections present certificates.
ssl.keystore.type=PKCS12
ssl.keystore.location=/run/secrets/kafka_keystore
ssl.keystore.password=${store_password}
ssl.key.password=${store_password}
ssl.truststore.type=PKCS12
ssl.truststore.location=/run/secrets/kafka_truststore
ssl.truststore.password=${store_password}
ssl.enabled.protocols=TLSv1.3,TLSv1.2
ssl.endpoint.identification.algorithm=https
ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([^,]+).*$/\$1/,DEFAULT

# Clients: SCRAM over TLS, no client certificate.
listener.name.client.ssl.client.auth=none
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;

authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:kafka-1;User:kafka-2;User:kafka-3

# Durability: three replicas, a write is acknowledged (acks=all) once two have it.
auto.create.topics.enable=false
num.partitions=12
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=3000
EOF

# Formats the log directory on first start only (--ignore-formatted); the admin SCRAM
# credential is written into the initial metadata. Later users: kafka-init (kafka-configs.sh).
/opt/kafka/bin/kafka-storage.sh format --config "$config" --cluster-id "$CLUSTER_ID" \
  --ignore-formatted \
  --add-scram "SCRAM-SHA-512=[name=admin,password=${admin_password}]"

exec /opt/kafka/bin/kafka-server-start.sh "$config"

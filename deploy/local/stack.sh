#!/usr/bin/env bash
# Starts and stops the local stack (Kafka, FerretDB, the services, nginx) under honcho.
#   stack.sh run  [dev|test]   in the foreground; Ctrl-C stops everything
#   stack.sh up   [dev|test]   in the background, returns once every part is ready
#   stack.sh down [dev|test]   stops a background stack
#   stack.sh with NAME -- CMD  starts a fresh stack NAME, runs CMD against it, stops it
# State (data, logs, rendered configs) lives in .stack/<name>/; `make clean` removes it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:?usage: stack.sh run|up|down|with [dev|test]}
name=${2:-dev}
if [ "$cmd" = with ]; then
  shift 2
  [ "${1:-}" = -- ] && shift
  "$0" down "$name"
  rm -rf "$ROOT/.stack/$name"  # every run starts from empty topics and databases
  "$0" up "$name"
  set +e
  ( eval "$("$0" env "$name" | sed 's/^/export STACK_/')"; export STACK_NAME="$name"; "$@" )
  status=$?
  "$0" down "$name"
  exit $status
fi
export ROOT STACK_NAME=$name STACK_DIR="$ROOT/.stack/$name"

set -a
# shellcheck source=ports.env
. "$ROOT/deploy/local/ports.env"
set +a
# Each stack name has its own ports, so dev, tests and benchmarks can run side by side.
case "$name" in
  dev) offset=0 ;;
  test) offset=${TEST_PORT_OFFSET:-10000} ;;
  bench) offset=${BENCH_PORT_OFFSET:-20000} ;;
  # Extra test stacks (test-NAME) run beside the main one; each needs its own TEST_PORT_OFFSET.
  test-*) offset=${TEST_PORT_OFFSET:?a test-NAME stack needs its own TEST_PORT_OFFSET} ;;
  *) echo "unknown stack name: $name (dev, test, test-NAME or bench)" >&2; exit 2 ;;
esac
if [ "$offset" -ne 0 ]; then
  for var in GATEWAY_PORT REGISTRATION_PORT ROSTER_PORT STATS_PORT INTEGRATION_PORT AUTH_PORT \
             KAFKA_PORT KAFKA_CONTROLLER_PORT MONGO_PORT OTLP_PORT \
             NGSI_BROKER_PORT NGSI_BROKER_CONTROL_PORT KIOSK_PORT; do
    export "$var=$(( ${!var} + offset ))"
  done
fi
# An explicit override in the caller's environment wins over the file.
for var in GATEWAY_PORT REGISTRATION_PORT ROSTER_PORT STATS_PORT INTEGRATION_PORT AUTH_PORT \
           KAFKA_PORT KAFKA_CONTROLLER_PORT MONGO_PORT OTLP_PORT \
           NGSI_BROKER_PORT NGSI_BROKER_CONTROL_PORT KIOSK_PORT; do
  override="OVERRIDE_$var"; [ -n "${!override:-}" ] && export "$var=${!override}"
done

export PY="$ROOT/.venv/bin/python"
export NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
export NGINX_MIME_TYPES=${NGINX_MIME_TYPES:-/etc/nginx/mime.types}
export WEB_ROOT="$ROOT/web/dist"
[ -f "$WEB_ROOT/index.html" ] || WEB_ROOT="$ROOT/web/public"

# What every service reads (see libs/runtime/src/shelter_runtime/settings.py).
export ENVIRONMENT=${ENVIRONMENT:-development}
[ "$name" != dev ] && export ENVIRONMENT=test
# Sign-in attempts per client address and minute, at the gateway and in auth (S4.2). A test
# run signs in hundreds of times from one address (127.0.0.1), so test stacks allow more; the
# limits themselves are tested in auth's own tests.
SIGNIN_PER_MINUTE=${SIGNIN_PER_MINUTE:-30}
[ "$name" != dev ] && SIGNIN_PER_MINUTE=${TEST_SIGNIN_PER_MINUTE:-600}
export SIGNIN_PER_MINUTE SIGN_IN_LIMIT_PER_IP=$SIGNIN_PER_MINUTE
# Test stacks write the occupancy history every 2 s (the browser tests read it right after a
# check-in); dev and bench keep the service's default (30 s; a flush writes every shelter).
case $name in
  test | test-*) export HISTORY_FLUSH_SECONDS=${HISTORY_FLUSH_SECONDS:-2} ;;
esac
export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT"
export MONGODB_URI="mongodb://127.0.0.1:$MONGO_PORT/"
export KAFKA_TOPIC_NAMESPACE=${KAFKA_TOPIC_NAMESPACE:-$name}
export MONGODB_DATABASE_PREFIX="$name-"
export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
export AUTH_URL="http://127.0.0.1:$AUTH_PORT"
# Webhook receivers of the local stack and its e2e tests listen on loopback, which the
# integration service refuses by default (SSRF guard); production leaves this empty.
export WEBHOOK_ALLOWED_NETWORKS=${WEBHOOK_ALLOWED_NETWORKS:-'["127.0.0.0/8", "::1/128"]'}
# nginx reaches the services over loopback: the default TRUSTED_PROXIES (loopback) fits.
export OTEL_BSP_SCHEDULE_DELAY=500
export PYTHONUNBUFFERED=1

render() {  # render TEMPLATE OUT: replaces ${UPPER_CASE} names from the environment only
  "$PY" - "$1" "$2" <<'PYEOF'
import os, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
def sub(m):
    if m.group(1) not in os.environ:
        sys.exit(f"{sys.argv[1]}: ${{{m.group(1)}}} is not set")
    return os.environ[m.group(1)]
open(sys.argv[2], "w", encoding="utf-8").write(re.sub(r"\$\{([A-Z][A-Z0-9_]*)\}", sub, text))
PYEOF
}

prepare() {
  export MAP_TILE_ORIGINS=${MAP_TILE_ORIGINS:-}  # the map's tile server, if any (web: VITE_MAP_TILES)
  mkdir -p "$STACK_DIR"/{kafka/data,ferretdb,nginx,logs}
  render "$ROOT/deploy/local/kafka/server.properties.in" "$STACK_DIR/kafka/server.properties"
  render "$ROOT/deploy/local/nginx/nginx.conf.in" "$STACK_DIR/nginx/nginx.conf"
  if [ ! -f "$STACK_DIR/kafka/data/meta.properties" ]; then
    local cp="$ROOT/.cache/kafka/libs/*" id
    id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid)
    java -Dlog4j2.configurationFile="$ROOT/deploy/local/kafka/log4j2.properties" -cp "$cp" \
      kafka.tools.StorageTool format --standalone -t "$id" \
      -c "$STACK_DIR/kafka/server.properties" >/dev/null
  fi
}

first_admin() {  # the stack's first administrator; its password is kept in a 0600 file
  local file="$STACK_DIR/admin-password"
  [ -s "$file" ] && return 0
  local password
  password="$("$PY" -c 'import secrets; print("Aa1!" + secrets.token_urlsafe(18))')"
  if printf '%s\n' "$password" | HTTP_PORT=$AUTH_PORT "$PY" -m shelter_auth create-admin \
      --user-id admin --display-name "管理者" >/dev/null; then
    (umask 077 && printf '%s\n' "$password" >"$file")
  else
    echo "could not create the first administrator" >&2
    return 1
  fi
}

# The kiosk's demo shelter and its device token, issued through the auth API like the admin.
export KIOSK_DEMO_SHELTER_ID=${KIOSK_DEMO_SHELTER_ID:-13101-9001}
kiosk_demo() {
  "$PY" -m shelter_kiosk.simulator.demo --gateway "http://127.0.0.1:$GATEWAY_PORT" \
    --admin-password-file "$STACK_DIR/admin-password" --token-file "$STACK_DIR/kiosk-device-token" \
    --shelter-id "$KIOSK_DEMO_SHELTER_ID" &&
  "$PY" "$ROOT/deploy/local/wait_ready.py" --timeout "${STACK_READY_TIMEOUT:-120}" \
    "http://127.0.0.1:$KIOSK_PORT/healthz" >/dev/null
}

urls() {
  cat <<URLS

  Shelter check-in is running ($name stack):
    Web UI and API gateway   http://localhost:$GATEWAY_PORT/
    Registration API docs    http://localhost:$REGISTRATION_PORT/docs
    Roster API docs          http://localhost:$ROSTER_PORT/docs
    Statistics API docs      http://localhost:$STATS_PORT/docs
    Integration API docs     http://localhost:$INTEGRATION_PORT/docs
    NGSI-LD broker (fake)    http://127.0.0.1:$NGSI_BROKER_PORT/ngsi-ld/v1/entities?type=EvacuationShelter
    Kiosk (touch screen)     http://localhost:$KIOSK_PORT/  shelter $KIOSK_DEMO_SHELTER_ID, staff sign-in as admin;
                             "カードを置く" places a virtual My Number card (PIN 1234)
    Kafka                    127.0.0.1:$KAFKA_PORT
    MongoDB wire (FerretDB)  mongodb://127.0.0.1:$MONGO_PORT/
    Traces (OTLP, JSON lines) $STACK_DIR/spans.jsonl
    Staff sign-in            user "admin", password in $STACK_DIR/admin-password
  Stop with Ctrl-C (or \`make stop\` for a background stack).

URLS
}

wait_ready() {
  "$PY" "$ROOT/deploy/local/wait_ready.py" --timeout "${STACK_READY_TIMEOUT:-120}" \
    "tcp://127.0.0.1:$KAFKA_PORT" "tcp://127.0.0.1:$MONGO_PORT" \
    "http://127.0.0.1:$REGISTRATION_PORT/readyz" "http://127.0.0.1:$ROSTER_PORT/readyz" \
    "http://127.0.0.1:$STATS_PORT/readyz" "http://127.0.0.1:$INTEGRATION_PORT/readyz" \
    "http://127.0.0.1:$AUTH_PORT/readyz" "http://127.0.0.1:$GATEWAY_PORT/api/registration/healthz"
}

pidfile="$STACK_DIR/honcho.pid"
case "$cmd" in
  run)
    prepare
    ( wait_ready >/dev/null && first_admin && kiosk_demo && urls ) &
    exec "$PY" -m honcho -f "$ROOT/deploy/local/Procfile" -d "$ROOT" start
    ;;
  up)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "the $name stack is already running (pid $(cat "$pidfile"))"
    else
      prepare
      setsid "$PY" -m honcho -f "$ROOT/deploy/local/Procfile" -d "$ROOT" start \
        >"$STACK_DIR/logs/stack.log" 2>&1 </dev/null &
      echo $! >"$pidfile"
    fi
    if ! wait_ready || ! first_admin || ! kiosk_demo; then
      echo "--- last lines of $STACK_DIR/logs/stack.log ---" >&2
      tail -n 60 "$STACK_DIR/logs/stack.log" >&2
      exit 1
    fi
    urls
    ;;
  down)
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
      fi
      rm -f "$pidfile"
    fi
    ;;
  env)  # print the environment a test run needs to reach this stack
    for var in GATEWAY_PORT REGISTRATION_PORT ROSTER_PORT STATS_PORT INTEGRATION_PORT AUTH_PORT \
               KAFKA_PORT MONGO_PORT OTLP_PORT KAFKA_TOPIC_NAMESPACE \
               NGSI_BROKER_PORT NGSI_BROKER_CONTROL_PORT KIOSK_PORT; do
      echo "$var=${!var}"
    done
    echo "DIR=$STACK_DIR"
    ;;
  *) echo "usage: stack.sh run|up|down|env [dev|test|bench]" >&2; exit 2 ;;
esac

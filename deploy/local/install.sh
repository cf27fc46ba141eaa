#!/usr/bin/env bash
# Installs what the local stack and the tests need, skipping what is already there.
# Downloads and builds are cached under .cache/ (ignored by git), so a second run is quick.
#   deploy/local/install.sh            everything
#   deploy/local/install.sh python     only the uv workspace
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE="$ROOT/.cache"
mkdir -p "$CACHE/bin"
export UV_CACHE_DIR="$CACHE/uv"
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build"

KAFKA_LIBS="$CACHE/kafka/libs"
FERRETDB_BIN="$CACHE/bin/ferretdb-local"

log() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "run as root or install sudo to add: $*" >&2; exit 1; }
    echo sudo
  fi
}

apt_packages() {
  local missing=()
  for cmd_pkg in "nginx:nginx"; do
    command -v "${cmd_pkg%%:*}" >/dev/null || [ -x "/usr/sbin/${cmd_pkg%%:*}" ] || missing+=("${cmd_pkg#*:}")
  done
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  # Browser tests drive Debian's Chromium (a test tool's own browser download fails here).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v node >/dev/null || missing+=(nodejs npm)
  command -v mvn >/dev/null || missing+=(maven)
  command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || missing+=(golang-go)
  # The kiosk's card reader: pcscd, a virtual reader driver for tests, and what pyscard builds with.
  [ -x /usr/sbin/pcscd ] || missing+=(pcscd)
  [ -f /usr/include/PCSC/winscard.h ] || missing+=(libpcsclite-dev)
  command -v swig >/dev/null || missing+=(swig)
  command -v gcc >/dev/null || missing+=(gcc)
  [ -f "/usr/include/python3.11/Python.h" ] || missing+=(python3-dev)
  dpkg -s vsmartcard-vpcd >/dev/null 2>&1 || missing+=(vsmartcard-vpcd)
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo; sudo=$(need_root "${missing[*]}")
    log "apt: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

python_env() {
  local uv=(uv)
  if ! command -v uv >/dev/null; then
    if ! python3 -m uv --version >/dev/null 2>&1; then
      log "uv (from PyPI)"
      python3 -m pip install --quiet --disable-pip-version-check "uv>=0.9,<0.10"
    fi
    uv=(python3 -m uv)
  fi
  log "python workspace (uv sync --frozen)"
  (cd "$ROOT" && "${uv[@]}" sync --frozen --all-packages --quiet)
}

kafka() {
  if [ ! -f "$KAFKA_LIBS/.complete" ]; then
    log "Apache Kafka jars (Maven Central)"
    rm -rf "$KAFKA_LIBS"
    mvn -q -B -Dmaven.repo.local="$CACHE/m2" -f "$ROOT/deploy/local/kafka/pom.xml" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory="$KAFKA_LIBS"
    unzip -Z1 "$KAFKA_LIBS"/kafka_2.13-*.jar kafka/Kafka.class >/dev/null \
      || { echo "kafka.Kafka missing from the resolved jar" >&2; exit 1; }
    touch "$KAFKA_LIBS/.complete"
  fi
}

ferretdb() {
  local src="$ROOT/deploy/local/ferretdb"
  local stamp; stamp=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)
  if [ ! -x "$FERRETDB_BIN" ] || [ "$(cat "$FERRETDB_BIN.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "FerretDB v1 on SQLite (go build, about a minute the first time)"
    local go=go; command -v go >/dev/null || go=/usr/local/go/bin/go
    (cd "$src" && "$go" build -mod=readonly -o "$FERRETDB_BIN" .)
    echo "$stamp" > "$FERRETDB_BIN.stamp"
  fi
}

web() {
  local dir="$ROOT/web"
  [ -f "$dir/package-lock.json" ] || return 0
  local stamp; stamp=$(cat "$dir/package-lock.json" | sha256sum | cut -c1-16)
  if [ ! -d "$dir/node_modules" ] || [ "$(cat "$dir/node_modules/.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "web packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --cache "$CACHE/npm" --loglevel=error)
    echo "$stamp" > "$dir/node_modules/.stamp"
  fi
  log "web build (vite)"
  (cd "$dir" && npm run --silent build)
}

case "${1:-all}" in
  python) python_env ;;
  web) web ;;
  all) apt_packages; python_env; kafka; ferretdb; web ;;
  *) echo "usage: $0 [all|python|web]" >&2; exit 2 ;;
esac
log "done"

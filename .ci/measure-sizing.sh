#!/usr/bin/env bash
# Measures what docs/deploy.md states about sizing: the exporter against a
# private MariaDB holding a generated MSP. Usage: bash .ci/measure-sizing.sh [clients...]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-300 2000}")
work=$(mktemp -d /tmp/retention-sizing.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; kill "$(cat "$work/db/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
OUT="$work/bin" bash .ci/build.sh
mkdir -p "$work/db"
mariadb-install-db --no-defaults --datadir="$work/db/data" --auth-root-authentication-method=normal \
  --skip-test-db --user="$(id -un)" >/dev/null
mariadbd --no-defaults --datadir="$work/db/data" --socket="$work/db/sock" --port=0 --bind-address=127.0.0.1 \
  --user="$(id -un)" --pid-file="$work/db/pid" --log-error="$work/db/err.log" --skip-log-bin \
  --innodb-buffer-pool-size=1G --skip-name-resolve &
for _ in $(seq 100); do mariadb -S "$work/db/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
port=$(mariadb -S "$work/db/sock" -uroot -N -e 'SELECT @@port')
echo "machine: $(nproc) cores; $(mariadbd --version | awk '{print $3}')"
printf '%-8s %8s %10s %10s %12s %12s %10s\n' clients series per_client refresh_s plain_bytes gzip_bytes rss_MiB
for n in ${sizes[@]}; do
  "$work/bin/retention_datagen" --clients "$n" --out "$work/data" --schema 2>/dev/null
  mariadb -S "$work/db/sock" -uroot -e "DROP DATABASE IF EXISTS psa; DROP DATABASE IF EXISTS billing; CREATE DATABASE psa; CREATE DATABASE billing;"
  mariadb -S "$work/db/sock" -uroot psa < "$work/data/psa.sql"
  mariadb -S "$work/db/sock" -uroot billing < "$work/data/billing.sql"
  sed 's/change-me/sizing/' deploy/mysql/grants.sql | mariadb -S "$work/db/sock" -uroot
  RETENTION_PSA_DSN="retention_exporter:sizing@tcp(127.0.0.1:$port)/psa" \
  RETENTION_BILLING_DSN="retention_exporter:sizing@tcp(127.0.0.1:$port)/billing" \
    "$work/bin/retention_exporter" --web.listen-address=127.0.0.1:19899 --log.level=warn &
  pid=$!
  until curl -sf localhost:19899/-/ready >/dev/null; do sleep 0.2; done
  sleep 1
  curl -s localhost:19899/metrics > "$work/m.txt"
  plain=$(wc -c < "$work/m.txt")
  gz=$(curl -s -H 'Accept-Encoding: gzip' localhost:19899/metrics | wc -c)
  series=$(grep -v '^#' "$work/m.txt" | grep -cE '^retention_(client|contract)_|^retention_(clients|churn|churned|mrr|revenue)' || true)
  refresh=$(awk '/^retention_refresh_duration_seconds\{source="psa"\}/ {print $2}' "$work/m.txt")
  rss=$(awk '/^process_resident_memory_bytes/ {printf "%.0f", $2/1048576}' "$work/m.txt")
  printf '%-8s %8s %10.1f %10.3f %12s %12s %10s\n' "$n" "$series" "$(echo "$series / $n" | bc -l)" "$refresh" "$plain" "$gz" "$rss"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

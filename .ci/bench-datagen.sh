#!/usr/bin/env bash
# Measures generating the synthetic MSP and loading it into a private
# MariaDB, for docs/synthetic-data.md. Usage: bash .ci/bench-datagen.sh [clients...]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-300 2000 20000}")
work=$(mktemp -d /tmp/retention-datagen.XXXXXX)
trap 'kill "$(cat "$work/db/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/retention_datagen" ./cmd/retention_datagen

. .ci/private-mariadb.sh
start_private_mariadb "$work" 1G

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(mariadbd --version | awk '{print $3}')"
printf '%-8s %10s %12s %10s %10s %10s\n' clients tickets sql_MB generate_s load_s rows
for n in ${sizes[@]}; do
  out="$work/data-$n"
  start=$(date +%s.%N)
  "$work/retention_datagen" --clients "$n" --out "$out" --schema 2>"$work/gen-$n.log"
  gen=$(echo "$(date +%s.%N) - $start" | bc)
  mariadb -S "$work/db/sock" -uroot -e "DROP DATABASE IF EXISTS psa; DROP DATABASE IF EXISTS billing; CREATE DATABASE psa; CREATE DATABASE billing;"
  start=$(date +%s.%N)
  mariadb -S "$work/db/sock" -uroot psa < "$out/psa.sql"
  mariadb -S "$work/db/sock" -uroot billing < "$out/billing.sql"
  load=$(echo "$(date +%s.%N) - $start" | bc)
  tickets=$(awk '/tickets/ {print $2}' "$work/gen-$n.log")
  rows=$(awk '/ rows$/ {s += $2} END {print s}' "$work/gen-$n.log")
  mb=$(du -cm "$out"/*.sql | awk '/total/ {print $1}')
  printf '%-8s %10s %12s %10.1f %10.1f %10s\n' "$n" "$tickets" "$mb" "$gen" "$load" "$rows"
  rm -rf "$out"
done

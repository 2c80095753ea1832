#!/usr/bin/env bash
# Measures what reading contracts further back costs the database: the
# default contracts query with :history_start 365 and 775 days back (one
# year of windows; two years of cohorts), alternated, on the synthetic
# MSP in a private MariaDB, for docs/benchmarks.md.
# Usage: bash .ci/bench-history.sh [clients] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-20000}
runs=${2:-15}
work=$(mktemp -d /tmp/retention-history.XXXXXX)
trap 'kill "$(cat "$work/db/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/retention_datagen" ./cmd/retention_datagen

. .ci/private-mariadb.sh
start_private_mariadb "$work" 2G

"$work/retention_datagen" --clients "$clients" --out "$work" --schema 2>/dev/null
mariadb -S "$work/db/sock" -uroot -e "CREATE DATABASE psa"
mariadb -S "$work/db/sock" -uroot psa < "$work/psa.sql"

query() { # history days
  local today since
  today=$(date -u +%F)
  since=$(date -u -d "$today - $1 days" +%F)
  echo "SELECT contract_id, client_id, name, contract_type, start_date, end_date,
       auto_renew, monthly_value, currency, cancelled_at,
       CASE WHEN renewal_notice_sent_at <= '$today' THEN renewal_notice_sent_at END
         AS renewal_notice_sent_at
FROM contracts
WHERE end_date IS NULL OR end_date >= '$since'"
}
run() { # history days -> seconds
  local q start
  q=$(query "$1")
  start=$(date +%s.%N)
  mariadb -S "$work/db/sock" -uroot psa --batch --skip-column-names -e "$q" >/dev/null
  echo "$(date +%s.%N) - $start" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(nproc) cores; $(mariadbd --version | awk '{print $3}'); $clients active clients"
for days in 365 775; do
  echo "history $days days: $(mariadb -S "$work/db/sock" -uroot psa --batch --skip-column-names \
    -e "SELECT COUNT(*) FROM ($(query "$days")) c") rows of $(mariadb -S "$work/db/sock" -uroot psa \
    --batch --skip-column-names -e 'SELECT COUNT(*) FROM contracts') contracts"
done
run 365 >/dev/null; run 775 >/dev/null # warm the buffer pool
: >"$work/t365"; : >"$work/t775"
for _ in $(seq "$runs"); do
  run 365 >>"$work/t365"
  run 775 >>"$work/t775"
done
echo "median of $runs alternated runs (mariadb client, output discarded):"
echo "  365 days: $(median <"$work/t365") s"
echo "  775 days: $(median <"$work/t775") s"

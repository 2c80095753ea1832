#!/usr/bin/env bash
# The project's test command: installs what the tests need when it is
# missing (Debian packages; idempotent), then runs every check and test.
# Usage: bash .ci/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2

need=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The client report is checked as a reader sees it: rendered in headless
# Chromium, printed to PDF and read back with poppler's tools, in the
# font its style names first.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Prometheus 3, which users run, beside Debian's 2.x: blocks the backfill
# writes must load in both. Built once from the module proxy (about five
# minutes on two cores) and kept in the user's cache.
PROMETHEUS3_VERSION=v0.316.0
prom3_dir="${XDG_CACHE_HOME:-$HOME/.cache}/retention_exporter/prometheus-$PROMETHEUS3_VERSION"
if [ ! -x "$prom3_dir/prometheus" ]; then
  echo "building Prometheus 3 ($PROMETHEUS3_VERSION)"
  GOBIN="$prom3_dir" go install "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS3_VERSION"
fi
export RETENTION_TEST_PROMETHEUS3="$prom3_dir/prometheus"

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run "$STATICCHECK" ./...

echo "== go test"
# The race detector runs on the packages that share state between
# goroutines. The integration and end-to-end packages drive real processes
# and link large test-only modules (the embedded engine, Kubernetes types,
# kustomize), whose race-instrumented builds would double the suite's time.
race=(./config ./model ./source ./collector ./exporter ./internal/serve ./internal/scrape)
go test -race -count=1 "${race[@]}"
go test -count=1 $(go list ./... | grep -v -x -F "$(printf 'github.com/retention-exporter/retention_exporter/%s\n' "${race[@]#./}")")

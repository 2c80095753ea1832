#!/usr/bin/env bash
# Builds the release binaries: static (no cgo), stripped, with the version
# stamped in. deploy/Dockerfile runs this; a test runs it too.
# Environment: VERSION, REVISION, BRANCH, OUT (output directory).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VERSION:=dev}" "${REVISION:=$(git rev-parse HEAD 2>/dev/null || echo unknown)}" "${BRANCH:=main}" "${OUT:=.build}"
pkg=github.com/prometheus/common/version
ldflags="-s -w -X $pkg.Version=$VERSION -X $pkg.Revision=$REVISION -X $pkg.Branch=$BRANCH -X $pkg.BuildUser=retention_exporter -X $pkg.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"
for cmd in retention_exporter retention_datagen; do
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$OUT/$cmd" "./cmd/$cmd"
done

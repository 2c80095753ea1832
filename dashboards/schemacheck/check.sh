#!/usr/bin/env bash
# Usage: check.sh DIR
#
# Type-checks every DIR/*.json Grafana dashboard against Grafana's published
# TypeScript types (@grafana/schema, pinned in package-lock.json) with tsc.
#
# Each JSON file is pasted verbatim as an object literal into a generated
# module:  export const dashboard: Lit<Dashboard> = { ...the JSON... };
# Assigning the literal directly (not via JSON import or a variable) keeps
# TypeScript's excess-property checks, so an unknown dashboard, panel,
# variable or fieldConfig field is an error, not silently ignored.
#
# Enums: @grafana/schema declares ThresholdsMode, FieldColorModeId,
# MappingType, ... as string enums, and no string literal is assignable to a
# string enum, so checking JSON against `Dashboard` itself would reject every
# real dashboard. Lit<T> (lit.ts) maps every string enum to the union of its
# values (`${ThresholdsMode}` = "absolute" | "percentage"), so "absolute"
# passes and "" fails. Numeric enums (graphTooltip, variable hide/refresh/sort)
# are left alone: TS >= 5.0 accepts a number literal only if it is a member.
#
# The JSON starts on line 1 of the generated file, so tsc's line numbers are
# the JSON file's; errors are reported as DIR/file.json:LINE:COL.
#
# Known limits: panel `options`, `fieldConfig.defaults.custom` and `targets`
# are Record<string, unknown> in @grafana/schema, so their contents are not
# checked. grafana-gaps.ts adds the few fields Grafana saves but the types lack.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 DIR   (type-checks DIR/*.json Grafana dashboards)" >&2
  exit 2
fi
dir=${1%/}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

shopt -s nullglob
files=("$dir"/*.json)
if [ ${#files[@]} -eq 0 ]; then
  # An empty directory is almost certainly a broken generator, not a pass.
  echo "check.sh: no *.json files in $dir" >&2
  exit 1
fi

# npm ci writes node_modules/.package-lock.json; reinstall when it is missing
# or the lock file changed since, so the pinned versions are what runs.
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "check.sh: installing pinned packages (npm ci)" >&2
  (cd "$here" && npm ci --no-audit --no-fund) >&2
fi

# Report invalid JSON plainly instead of as confusing TypeScript syntax errors.
node -e '
  const fs = require("fs"); let bad = 0;
  for (const f of process.argv.slice(1)) {
    try { JSON.parse(fs.readFileSync(f, "utf8")); }
    catch (e) { console.error(f + ": invalid JSON: " + e.message); bad = 1; }
  }
  process.exit(bad);' "${files[@]}"

# A private directory per run (inside this dir so '@grafana/schema' resolves
# from node_modules) lets concurrent runs coexist.
gen=$(mktemp -d "$here/.gen.XXXXXX")
trap 'rm -rf "$gen"' EXIT

# Numbered names: a dashboard named x.d.json must not become a .d.ts file,
# which tsc would treat as a declaration and skip (skipLibCheck).
prefix="import type { Dashboard } from '@grafana/schema'; import type { Lit } from '../lit'; export const dashboard: Lit<Dashboard> = "
i=0
for f in "${files[@]}"; do
  i=$((i + 1))
  name=$(printf 'd%04d.ts' "$i")
  { printf '%s' "$prefix"; cat -- "$f"; printf ';\n'; } >"$gen/$name"
  printf '%s\t%s\n' "$name" "$f" >>"$gen/map.tsv"
done
# Inherits "files" (lit.ts, grafana-gaps.ts) and compiler options.
printf '{ "extends": "../tsconfig.json", "include": ["*.ts"] }\n' >"$gen/tsconfig.json"

cd "$here"
rc=0
out=$(node_modules/.bin/tsc --noEmit --strict -p "$gen/tsconfig.json" 2>&1) || rc=$?

if [ "$rc" -eq 0 ]; then
  echo "schemacheck: ${#files[@]} dashboard(s) in $dir type-check against @grafana/schema"
  exit 0
fi

# Rewrite ".gen.XXXX/d0001.ts(L,C)" to "DIR/file.json:L:C" (on line 1 the
# column is shifted back past the generated prefix).
gendir=${gen#"$here"/}
printf '%s\n' "$out" | awk -F'\t' -v gen="$gendir/" -v plen="${#prefix}" '
  NR == FNR { src[$1] = $2; next }
  index($0, gen) == 1 && match($0, /^[^(]+\([0-9]+,[0-9]+\)/) {
    loc = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
    split(substr(loc, length(gen) + 1), p, /[(,)]/)
    line = p[2]; col = p[3]; if (line == 1) col -= plen
    if (!(p[1] in bad)) { bad[p[1]] = 1; nbad++ }
    print src[p[1]] ":" line ":" col rest; next
  }
  { print }
  END { if (nbad) printf "schemacheck: %d dashboard(s) failed the @grafana/schema type check\n", nbad }
' "$gen/map.tsv" - >&2
exit 1

#!/usr/bin/env bash
# Every test, e2e included: installs what is missing, then typecheck, unit tests (Vitest), build,
# e2e (Playwright in Debian's Chromium). Ends with one line "N passed, N failed" (Vitest + Playwright
# test counts; a typecheck or build failure counts as one failure) and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s ===\n' "$*"; }

if [ ! -d node_modules ]; then
  step "npm ci (node_modules missing)"
  npm ci || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

# Debian packages the tests use: chromium (e2e) and postgresql (the PostgreSQL export is loaded into a
# throwaway server by a unit test).
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian's ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
  $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}" || echo "could not install ${missing[*]}"
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
extra_failed=0
status=0

step "typecheck"
if ! npx tsc --noEmit -p tsconfig.json; then extra_failed=$((extra_failed + 1)); status=1; fi

step "unit tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$OUT/vitest.json" || status=1

step "build (served app, then the single-file offline build)"
if ! npx vite build; then extra_failed=$((extra_failed + 1)); status=1; fi
if npx vite build -c vite.single.config.ts --logLevel warn; then export DOPPEL_SINGLE_PREBUILT=1; else extra_failed=$((extra_failed + 1)); status=1; fi

step "e2e (playwright)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$OUT/playwright.json" npx playwright test --reporter=list,json || status=1

# Count from the JSON reports; a missing report (the runner crashed) counts as a failure.
read -r passed failed < <(node -e '
  const fs = require("fs");
  let passed = 0, failed = Number(process.argv[2]);
  const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return null; } };
  const v = read(process.argv[1] + "/vitest.json");
  if (v) { passed += v.numPassedTests || 0; failed += v.numFailedTests || 0; if (v.success === false && !v.numFailedTests) failed += 1; }
  else failed += 1;
  const p = read(process.argv[1] + "/playwright.json");
  if (p && p.stats) { passed += (p.stats.expected || 0) + (p.stats.flaky || 0); failed += p.stats.unexpected || 0; if ((p.errors || []).length && !p.stats.unexpected) failed += 1; }
  else failed += 1;
  console.log(passed, failed);
' "$OUT" "$extra_failed")

[ "$failed" -gt 0 ] && status=1
echo
echo "$passed passed, $failed failed"
exit $status

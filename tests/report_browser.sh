#!/bin/sh
# report_browser.sh RENDER FIXTURE - renders the results in directory
# FIXTURE with the program RENDER (tests/tools/report_render.c) into a
# temporary directory, opens report.html in headless Chromium and checks
# what a reader would get: a DOM with every policy and the inline figures,
# and a screenshot that is not blank. Set REPORT_BROWSER_KEEP=DIR to keep
# the screenshot and DOM there for a look.
set -eu

render=$1
fixture=$2
policies="cooldown usage-gate headroom"

fail() {
  echo "report_browser: $*" >&2
  exit 1
}

command -v chromium >/dev/null 2>&1 ||
  fail "chromium not found: install it with scripts/deps"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/results" "$work/profile"
cp "$fixture"/results.json "$fixture"/summary.csv "$fixture"/timeline.csv \
  "$fixture"/wait_cdf.csv "$work/results/"
"$render" "$work/results" || fail "rendering $fixture failed"

# Flags that keep a headless run quiet, offline and quick.
browse() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" "$@" \
    "file://$work/results/report.html" 2>"$work/chromium.log"
}

browse --dump-dom >"$work/dom.html" ||
  fail "chromium --dump-dom failed: $(tail -n 3 "$work/chromium.log")"
for policy in $policies; do
  grep -q "<th>$policy</th>" "$work/dom.html" ||
    fail "the DOM lacks a table column for policy $policy"
done
svgs=$(grep -o '<svg ' "$work/dom.html" | wc -l)
[ "$svgs" -eq 11 ] || fail "the DOM has $svgs inline <svg>, expected 11"
grep -q 'Scenario as run' "$work/dom.html" ||
  fail "the DOM lacks the scenario section"

browse --screenshot="$work/shot.png" --window-size=1280,2000 >/dev/null ||
  fail "chromium --screenshot failed: $(tail -n 3 "$work/chromium.log")"
[ -f "$work/shot.png" ] || fail "chromium wrote no screenshot"
# A blank 1280x2000 page compresses to a few KB; text, tables and plots
# take well over 50 KB.
size=$(wc -c <"$work/shot.png")
[ "$size" -gt 51200 ] ||
  fail "the screenshot is $size bytes: the page looks blank"

if [ -n "${REPORT_BROWSER_KEEP:-}" ]; then
  cp "$work/shot.png" "$work/dom.html" "$REPORT_BROWSER_KEEP/"
fi
echo "report_browser: ok ($svgs figures, screenshot $size bytes)"

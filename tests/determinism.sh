#!/bin/sh
# The same scenario and seed give the same bytes: two runs at -j 1 and one
# at -j 2 of a small sweep write identical CSVs, and results.json files
# that differ only in perf and command_line. Usage: determinism.sh LIMSIM
set -eu
limsim="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags="--no-plots --replications 3 --set duration_s=600 --set warmup_s=30"
for run in a:1 b:1 c:2; do
  # shellcheck disable=SC2086
  timeout 120 "$limsim" run scenarios/default.json $flags \
    -j "${run#*:}" --out "$tmp/${run%%:*}" >/dev/null
done

for other in b c; do
  for f in summary.csv timeline.csv wait_cdf.csv; do
    cmp "$tmp/a/$f" "$tmp/$other/$f"
  done
  # perf's timings and the command line (one line each) differ by
  # design; strip those lines and compare the rest.
  for r in a "$other"; do
    grep -v '"wall_s"\|"events_per_s"\|"sessions_per_s"\|"command_line"' \
      "$tmp/$r/results.json" >"$tmp/$r.cmp"
  done
  [ "$(wc -l <"$tmp/a.cmp")" -gt 1000 ]
  cmp "$tmp/a.cmp" "$tmp/$other.cmp"
done
echo "3 runs, the same bytes"

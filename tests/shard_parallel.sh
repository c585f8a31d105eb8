#!/bin/sh
# Runs a small sweep unsharded, then as 3 shards under GNU parallel, merges
# them, and checks that the merged results are those of the unsharded run:
# results.json identical but for perf and command_line, the CSVs byte for
# byte. Usage: shard_parallel.sh LIMSIM_BINARY
set -eu
limsim="$1"
command -v parallel >/dev/null || { echo "GNU parallel not found"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags="--no-plots --replications 4 --set duration_s=300 --set warmup_s=10"
# shellcheck disable=SC2086
timeout 120 "$limsim" run scenarios/default.json $flags -j 2 \
  --out "$tmp/full" >/dev/null
# shellcheck disable=SC2086
timeout 120 parallel --halt now,fail=1 -j 2 \
  "$limsim" run scenarios/default.json $flags -j 1 \
  --shard {}/3 --out "$tmp/s{}" ::: 1 2 3 >/dev/null
timeout 60 "$limsim" merge "$tmp/s3" "$tmp/s1" "$tmp/s2" --no-plots \
  --out "$tmp/merged" >/dev/null

for f in summary.csv timeline.csv wait_cdf.csv; do
  cmp "$tmp/full/$f" "$tmp/merged/$f"
done
python3 - "$tmp/full/results.json" "$tmp/merged/results.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("perf")
    d.pop("command_line")
if a != b:
    sys.exit("merged results.json differs from the unsharded one")
print("merged shards match the unsharded run")
PY

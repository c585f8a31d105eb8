#!/bin/sh
# mockserver_curl.sh LIMSIM - `limsim mock-provider` against the curl
# program, a client limsim did not write: usage, completions (one body and
# one stream), the API key, /metrics, then SIGTERM and the metrics JSON.
# Run from the source tree (for scenarios/default.json). Every step is
# bounded: the server by timeout, each request by --max-time.
set -eu

limsim=$1
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

fail() {
  echo "mockserver_curl: $*" >&2
  echo "--- server stdout" >&2; cat "$dir/out" >&2
  echo "--- server stderr" >&2; cat "$dir/err" >&2
  exit 1
}

MOCK_TEST_KEY=k-123-never-printed
export MOCK_TEST_KEY
timeout 30 "$limsim" mock-provider scenarios/default.json --port 0 \
  --limit 3 --session 0.3 --release-lag 0.2 --start-delay 0 \
  --usage-latency 0.01 --stream-interval 0.05 \
  --usage-error-rate 0 --usage-malformed-rate 0 --usage-stall-rate 0 \
  --api-key-env MOCK_TEST_KEY --metrics-out "$dir/metrics.json" \
  >"$dir/out" 2>"$dir/err" &
pid=$!

# The port is printed once the server listens; wait for it, bounded.
tries=0
until grep -q 'listening on' "$dir/out" 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -le 200 ] || fail "no 'listening on' line within 10 s"
  kill -0 "$pid" 2>/dev/null || fail "the server exited"
  sleep 0.05
done
port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' \
  "$dir/out")
[ -n "$port" ] && [ "$port" -gt 0 ] || fail "no port in the output"
base="http://127.0.0.1:$port"
auth="Authorization: Bearer $MOCK_TEST_KEY"
chat='{"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]'

# Without the key: 401.
code=$(curl -sS --max-time 5 -o "$dir/noauth" -w '%{http_code}' \
  "$base/v1/usage")
[ "$code" = 401 ] || fail "usage without a key: HTTP $code, expected 401"
grep -q '"invalid_api_key"' "$dir/noauth" ||
  fail "401 body: $(cat "$dir/noauth")"

# Usage: the shape and the limit.
curl -sS --max-time 5 -H "$auth" "$base/v1/usage" >"$dir/usage"
grep -q '"concurrent_sessions": 0' "$dir/usage" ||
  fail "usage: $(cat "$dir/usage")"
grep -q '"limit": 3' "$dir/usage" || fail "usage limit: $(cat "$dir/usage")"

# A completion in one body.
curl -sS --max-time 5 -H "$auth" -H 'Content-Type: application/json' \
  -d "$chat}" "$base/v1/chat/completions" >"$dir/completion"
grep -q '"object":"chat.completion"' "$dir/completion" ||
  fail "completion: $(cat "$dir/completion")"

# A streamed completion: chunks, then [DONE] last.
curl -sS -N --max-time 5 -H "$auth" -H 'Content-Type: application/json' \
  -d "$chat, \"stream\": true}" "$base/v1/chat/completions" >"$dir/stream"
chunks=$(grep -c '^data: {.*"chat.completion.chunk"' "$dir/stream" || true)
[ "$chunks" -ge 3 ] || fail "stream: $chunks chunks: $(cat "$dir/stream")"
[ "$(grep -v '^$' "$dir/stream" | tail -n 1)" = 'data: [DONE]' ] ||
  fail "stream does not end with [DONE]: $(tail -n 3 "$dir/stream")"

# Metrics: open without the key, in Prometheus text.
curl -sS --max-time 5 "$base/metrics" >"$dir/metrics"
for want in \
  '^# TYPE limsim_mock_upstream_sessions gauge$' \
  '^limsim_mock_upstream_sessions [0-9]' \
  '^# TYPE limsim_mock_overshoot_events_total counter$' \
  '^limsim_mock_rejected_total 0$' \
  '^limsim_mock_requests_total{endpoint="chat_completions"} 2$' \
  '^limsim_mock_requests_total{endpoint="usage"} 2$' \
  '^limsim_mock_usage_polls_total{outcome="ok"} 1$' \
  '^limsim_mock_unauthorized_total 1$'; do
  grep -q "$want" "$dir/metrics" || fail "metrics lack /$want/"
done

# SIGTERM: a clean stop, exit 0, the same counters as JSON.
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || fail "exit status $status after SIGTERM"
[ -s "$dir/metrics.json" ] || fail "no metrics JSON"
grep -Eq '"session_starts":[[:space:]]*2,' "$dir/metrics.json" ||
  fail "metrics JSON: $(cat "$dir/metrics.json")"
grep -Eq '"chat_completions":[[:space:]]*2,' "$dir/metrics.json" ||
  fail "metrics JSON requests: $(cat "$dir/metrics.json")"
if grep -q "$MOCK_TEST_KEY" "$dir/out" "$dir/err"; then
  fail "the API key was printed"
fi
echo "mockserver_curl: ok (port $port)"

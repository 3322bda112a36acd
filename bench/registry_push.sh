#!/usr/bin/env bash
# Registering by manifest push against POST /entries, side by side: the same
# binary, a fresh data directory per run, the same load generator
# (`scitt bench register`, and `--via-registry REPO` for pushes: a layer
# upload and a statement-manifest PUT per statement), runs alternating.
# Prints every run, the medians and the ratio push/POST (target >= 0.5),
# and per registration the server's CPU (from /metrics) and the bytes it
# wrote (/proc/PID/io: WAL frames, checkpoints, statements), which vary
# less than the rates on a shared VM.
#   RUNS=3 DURATION=8 CONNECTIONS=64 bash bench/registry_push.sh build/scitt
set -euo pipefail
. "$(dirname "$0")/lib.sh"
(($# == 1)) || { echo "usage: bench/registry_push.sh SCITT" >&2; exit 2; }
SCITT=$(realpath "$1")
RUNS=${RUNS:-3}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18310}
URL=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
PID=
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
"$SCITT" key generate --alg ES256 --out bench.pem >/dev/null
"$SCITT" key export bench.pem --format jwks --out bench.json

run_once() {  # mode (post|push), output file
  rm -rf data
  "$SCITT" serve --listen 127.0.0.1:$PORT --data data --issuer-keys bench.json --rate-limit 0 \
    --log-level warn ${SERVE_FLAGS:-} >serve.log 2>&1 &
  PID=$!
  wait_healthy $URL || true  # a service that did not start fails the run below
  local via=()
  [[ $1 == push ]] && via=(--via-registry bench/app)
  local written=$(awk '/^write_bytes/ {print $2}' /proc/$PID/io)
  "$SCITT" bench register --url $URL --key bench.pem --seconds "$DURATION" --connections "$CONNECTIONS" \
    "${via[@]}" >"$2"
  echo "bytes written: $(( $(awk '/^write_bytes/ {print $2}' /proc/$PID/io) - written ))" >>"$2"
  kill -TERM $PID; wait $PID || true
}

for ((r = 1; r <= RUNS; r++)); do
  for mode in post push; do
    run_once $mode "out.$mode.$r"
    printf '%-5s run %d: %s registrations/s  p50 %s ms  p99 %s ms  checkpoint growth %s/s  each: %s µs server CPU, %s bytes written\n' \
      "$mode" "$r" "$(awk '/^registrations:/ {print int($NF)}' "out.$mode.$r")" \
      "$(awk '/^latency/ {print $4}' "out.$mode.$r")" "$(awk '/^latency/ {print $8}' "out.$mode.$r")" \
      "$(awk '/^checkpoint growth:/ {print int($NF)}' "out.$mode.$r")" \
      "$(awk '/^checkpoint growth:/ {n = $3} /^server CPU:/ {c = $3} END {print (n > 0 ? int(1e6 * c / n) : "?")}' "out.$mode.$r")" \
      "$(awk '/^checkpoint growth:/ {n = $3} /^bytes written:/ {w = $3} END {print (n > 0 ? int(w / n) : "?")}' "out.$mode.$r")"
  done
done
post=$(for f in out.post.*; do awk '/^registrations:/ {print $NF}' "$f" | tr -d '/s'; done | median)
push=$(for f in out.push.*; do awk '/^registrations:/ {print $NF}' "$f" | tr -d '/s'; done | median)
echo "median: POST /entries ${post}/s, manifest push ${push}/s, ratio push/POST $(echo "scale=2; $push / $post" | bc)"

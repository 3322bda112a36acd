#!/usr/bin/env bash
# Registration throughput, side by side: for each service binary given, starts
# it on a fresh data directory (fsync on, policy and identity checks on,
# --rate-limit 0), drives it with `scitt bench register` (the load generator
# of CLIENT, the first binary by default) and prints every run and the
# medians. Binaries alternate run by run, so both see the same machine noise.
#   RUNS=3 DURATION=8 CONNECTIONS=256 bash bench/register.sh build/scitt [/tmp/before/scitt ...]
#   RATE=5000 bash bench/register.sh build/scitt     # half-load latency
#   POLICY=bench/slow-policy.json PROBE=1 bash bench/register.sh NEW OLD
#     # with a registration policy, and the latency of GET /entries/0 during
#     # the run (bench/read_probe.py): are reads held up by slow checks?
set -euo pipefail
. "$(dirname "$0")/lib.sh"
(($# >= 1)) || { echo "usage: bench/register.sh SCITT [SCITT...]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
if [[ -n ${POLICY:-} ]]; then POLICY=$(realpath "$POLICY"); fi
BINARIES=()
for b in "$@"; do BINARIES+=("$(realpath "$b")"); done
CLIENT=$(realpath "${CLIENT:-${BINARIES[0]}}")
RUNS=${RUNS:-3}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-256}
PORT=${PORT:-18300}
URL=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
"$CLIENT" key generate --alg ES256 --out bench.pem >/dev/null
"$CLIENT" key export bench.pem --format jwks --out bench.json
PID=

run_once() {  # binary, output file
  rm -rf data
  local policy=()
  [[ -n ${POLICY:-} ]] && policy+=(--policy "$POLICY")
  # SERVE_FLAGS: extra `scitt serve` flags for every binary (e.g. --log-level warn).
  "$1" serve --listen 127.0.0.1:$PORT --data data --issuer-keys bench.json --rate-limit 0 "${policy[@]}" \
    ${SERVE_FLAGS:-} >serve.log 2>&1 &
  PID=$!
  wait_healthy $URL || true  # a service that did not start fails the run below
  local extra=()
  [[ -n ${RATE:-} ]] && extra+=(--rate "$RATE")
  local probe=
  if [[ -n ${PROBE:-} ]]; then
    /usr/bin/python3 "$HERE/read_probe.py" $URL "$DURATION" /entries/0 >probe.tmp &
    probe=$!
  fi
  "$CLIENT" bench register --url $URL --key bench.pem --seconds "$DURATION" --connections "$CONNECTIONS" \
    "${extra[@]}" >"$2"
  if [[ -n $probe ]]; then wait $probe; cat probe.tmp >>"$2"; fi
  kill -TERM $PID; wait $PID || true
}

for ((r = 1; r <= RUNS; r++)); do
  for i in "${!BINARIES[@]}"; do
    run_once "${BINARIES[$i]}" "out.$i.$r"
    printf '%-40s run %d: %s/s  ratio %s  p50 %s ms  p99 %s ms  p99.9 %s ms  server CPU %s s  client CPU %s s\n' \
      "${BINARIES[$i]}" "$r" \
      "$(awk '/^registrations:/ {print int($NF)}' "out.$i.$r")" "$(awk '/^ratio:/ {print $2}' "out.$i.$r")" \
      "$(awk '/^latency/ {print $4}' "out.$i.$r")" "$(awk '/^latency/ {print $8}' "out.$i.$r")" \
      "$(awk '/^latency/ {print $10}' "out.$i.$r")" "$(awk '/^server CPU/ {print $3}' "out.$i.$r")" \
      "$(awk '/^load generator CPU/ {print $4}' "out.$i.$r")"
    if [[ -n ${PROBE:-} ]]; then printf '%-40s        %s\n' "" "$(grep '^reads:' "out.$i.$r")"; fi
  done
done
for i in "${!BINARIES[@]}"; do
  printf '%-40s median: %s/s  ratio %s  p99 %s ms\n' "${BINARIES[$i]}" \
    "$(cat out."$i".* | awk '/^registrations:/ {print int($NF)}' | median)" \
    "$(cat out."$i".* | awk '/^ratio:/ {print $2}' | median)" \
    "$(cat out."$i".* | awk '/^latency/ {print $8}' | median)"
  if [[ -n ${PROBE:-} ]]; then
    printf '%-40s median read: p50 %s ms  p99 %s ms\n' "${BINARIES[$i]}" \
      "$(cat out."$i".* | awk '/^reads:/ {print $4}' | median)" "$(cat out."$i".* | awk '/^reads:/ {print $7}' | median)"
  fi
done

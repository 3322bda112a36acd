#!/usr/bin/env bash
# Registration throughput in every identity mode, side by side (issue 14):
# `kid` (a known issuer key), `cnf` (a self-asserted CWT cnf key), `x5chain`
# (a protected 3-certificate ES256 chain to a trust anchor with a did:x509
# issuer, as pyscitt and most CI signers send) and `x5chain-uncached` (the
# same with --identity-cache-entries 0: every chain validated, the figure
# before the cache; `cnf-uncached` likewise). One service configuration accepts all four; each run
# starts it on a fresh data directory (fsync on, --rate-limit 0) and drives
# it with `scitt bench register`. Modes alternate run by run, so all see the
# same machine noise. Prints every run, then per mode the medians of
# registrations/s, server CPU per registration, the ratio to `kid` and the
# ratio to the raw OpenSSL verification rate of the same run (issue 14 item 4).
#   RUNS=5 DURATION=6 CONNECTIONS=256 bash bench/identity_modes.sh build/scitt
set -euo pipefail
. "$(dirname "$0")/lib.sh"
(($# == 1)) || { echo "usage: bench/identity_modes.sh SCITT" >&2; exit 2; }
SCITT=$(realpath "$1")
RUNS=${RUNS:-5}
DURATION=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-256}
PORT=${PORT:-18310}
URL=http://127.0.0.1:$PORT
MODES=(kid cnf x5chain cnf-uncached x5chain-uncached)
WORK=$(mktemp -d)
PID=
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"

"$SCITT" key generate --alg ES256 --out kid.pem >/dev/null
"$SCITT" key export kid.pem --format jwks --out kid.json
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -keyout root.key -out root.pem -subj "/CN=Bench Root CA" -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign 2>/dev/null
openssl req "${ec[@]}" -keyout inter.key -out inter.csr -subj "/CN=Bench Intermediate CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n' >inter.ext
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 20 -extfile inter.ext \
  -out inter.pem 2>/dev/null
openssl req "${ec[@]}" -keyout leaf.key -out leaf.csr -subj "/CN=ci.bench.example" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=codeSigning\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 10 -extfile leaf.ext \
  -out leaf.pem 2>/dev/null
cat leaf.pem inter.pem root.pem >chain.pem

run_once() {  # mode, output file
  rm -rf data
  local serve=() client=()
  case $1 in
    kid) client=(--key kid.pem) ;;
    cnf) client=() ;;
    x5chain) client=(--key leaf.key --x5chain chain.pem) ;;
    x5chain-uncached) client=(--key leaf.key --x5chain chain.pem); serve=(--identity-cache-entries 0) ;;
    cnf-uncached) client=(); serve=(--identity-cache-entries 0) ;;
  esac
  "$SCITT" serve --listen 127.0.0.1:$PORT --data data --issuer-keys kid.json --allow-self-asserted \
    --trust-anchors root.pem --rate-limit 0 --log-level warn "${serve[@]}" >serve.log 2>&1 &
  PID=$!
  wait_healthy $URL || true  # a service that did not start fails the run below
  "$SCITT" bench register --url $URL "${client[@]}" --seconds "$DURATION" --connections "$CONNECTIONS" >"$2"
  curl -sf $URL/metrics | grep '^scitt_identity_cache_hits_total\|^scitt_identity_cache_misses_total' >>"$2" || true
  kill -TERM $PID; wait $PID || true
}

rate() { awk '/^registrations:/ {print int($NF)}' "$1"; }
# Server CPU microseconds per registration.
cpu_per() {
  awk '/^registrations:/ {n = $2} /^server CPU:/ {s = $3} END {if (n > 0) printf "%d\n", s * 1e6 / n}' "$1"
}

for ((r = 1; r <= RUNS; r++)); do
  for mode in "${MODES[@]}"; do
    run_once "$mode" "out.$mode.$r"
    printf '%-17s run %d: %6s/s  server CPU %5s us/registration  p99 %s ms  %s\n' "$mode" "$r" \
      "$(rate "out.$mode.$r")" "$(cpu_per "out.$mode.$r")" \
      "$(awk '/^latency/ {for (i = 1; i <= NF; i++) if ($i == "p99") print $(i + 1)}' "out.$mode.$r")" \
      "$(awk '/^responses:/ {$1 = ""; print}' "out.$mode.$r" | tr -s ' ')"
  done
done

kid_rate=$(for ((r = 1; r <= RUNS; r++)); do rate "out.kid.$r"; done | median)
echo
printf '%-17s %10s %12s %10s %10s\n' mode "median/s" "us CPU/reg" "vs kid" "vs raw"
for mode in "${MODES[@]}"; do
  m=$(for ((r = 1; r <= RUNS; r++)); do rate "out.$mode.$r"; done | median)
  c=$(for ((r = 1; r <= RUNS; r++)); do cpu_per "out.$mode.$r"; done | median)
  x=$(for ((r = 1; r <= RUNS; r++)); do awk '/^ratio:/ {print $2}' "out.$mode.$r"; done | median)
  printf '%-17s %10s %12s %10s %10.3f\n' "$mode" "$m" "$c" "$(awk -v a="$m" -v b="$kid_rate" 'BEGIN {printf "%.2f", a / b}')" "$x"
done

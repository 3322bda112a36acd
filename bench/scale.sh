#!/usr/bin/env bash
# Scale run: registers ENTRIES statements (default 10 M) in chunks through the
# real service, then reports bytes on disk per entry against the statement
# bytes, the service's resident memory after every chunk, restart time, and
# receipt (proof) generation time at that size. Bounded in time by the chunk
# count; everything stays on loopback and in DATA (removed at the end unless
# KEEP=1).
#   ENTRIES=10000000 CHUNK=500000 bash bench/scale.sh build/scitt
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SCITT=$(realpath "${1:-build/scitt}")
ENTRIES=${ENTRIES:-10000000}
CHUNK=${CHUNK:-500000}
PORT=${PORT:-18200}
WORK=$(mktemp -d)
DATA=$WORK/data
URL=http://127.0.0.1:$PORT
PID=
# A failed step must not leave the service holding the port for the next run.
trap 'kill $PID 2>/dev/null || true' EXIT
cd "$WORK"
"$SCITT" key generate --alg ES256 --out bench.pem >/dev/null
"$SCITT" key export bench.pem --format jwks --out bench.json

start_service() {
  "$SCITT" serve --listen 127.0.0.1:$PORT --data "$DATA" --issuer-keys bench.json --rate-limit 0 >>serve.log 2>&1 &
  PID=$!
  wait_healthy $URL 6000 || { echo "service did not start" >&2; exit 1; }
}
metric() { curl -s $URL/metrics | awk -v m="$1" '$1 == m {print $2}'; }
size() { curl -s $URL/checkpoint | sed -n 2p; }

start_service
done_entries=0
while ((done_entries < ENTRIES)); do
  n=$((ENTRIES - done_entries < CHUNK ? ENTRIES - done_entries : CHUNK))
  rate=$("$SCITT" bench register --url $URL --key bench.pem --count "$n" --seconds 100000 --connections 256 |
    awk '/^registrations:/ {print $NF}')
  done_entries=$(size)
  rss=$(metric process_resident_memory_bytes)
  # RSS counts the mapped pages of evidence.sqlite (clean file pages); the
  # anonymous part is the service's own memory.
  anon=$(awk '/^RssAnon:/ {print $2}' /proc/$PID/status)
  printf 'entries %10d  rate %-12s rss %6.1f MiB  anonymous %6.1f MiB\n' "$done_entries" "$rate" \
    "$(echo "$rss / 1048576" | bc -l)" "$(echo "$anon / 1024" | bc -l)"
done
stmt_bytes=$(stat -c %s "$DATA/statements")
disk_bytes=$(du -sb "$DATA" | cut -f1)
echo "disk: $disk_bytes bytes for $stmt_bytes bytes of statements = $(echo "scale=3; $disk_bytes / $stmt_bytes" | bc)x; $(echo "$disk_bytes / $done_entries" | bc) bytes per entry"
# Where the bytes are: each file and directory of the data directory, per entry.
for f in "$DATA"/*; do
  printf '  %-16s %6d bytes per entry\n' "$(basename "$f")" "$(( $(du -sb "$f" | cut -f1) / done_entries ))"
done
kill -TERM $PID; wait $PID || true
# At stop every WAL is copied into its database and removed: what is left is
# what the entries keep, without the transactions in flight.
stopped_bytes=$(du -sb "$DATA" | cut -f1)
echo "disk after stop: $(echo "scale=3; $stopped_bytes / $stmt_bytes" | bc)x; $(echo "$stopped_bytes / $done_entries" | bc) bytes per entry"
t0=$(date +%s.%N); start_service; t1=$(date +%s.%N)
echo "restart at $(size) entries: $(echo "$t1 - $t0" | bc) s to serving (every node re-verified)"
echo "rss after restart: $(echo "$(metric process_resident_memory_bytes) / 1048576" | bc) MiB"
if command -v wrk >/dev/null; then
  echo "receipt for entry 12345 against the latest tree head (proof at full size):"
  wrk -t2 -c16 -d5s "$URL/entries/12345" | grep -E "Latency|Requests/sec"
fi
kill -TERM $PID; wait $PID || true
if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$WORK"; else echo "kept $WORK"; fi

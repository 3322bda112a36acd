#!/usr/bin/env bash
# Registry push and pull throughput, side by side: `scitt serve` and Debian's
# docker-registry (CNCF distribution 2.8.2), both on loopback with a fresh
# store, driven by the same clients in the same run, targets alternated run
# by run. Two clients: skopeo copy (--preserve-digests), as users push and
# pull, and registry_client.py, which only moves bytes (CONNECTIONS at once),
# so that what the servers cost shows. Two workloads: many small blobs
# (SMALL_LAYERS layers of SMALL_BYTES) and a few large ones (LARGE_LAYERS of
# LARGE_BYTES). Every push is of blobs new to the server (a variant of the
# workload's layout made before the timed step: oci_layout.py --vary), since
# both servers drop an upload of a blob they hold without storing it again.
# Prints every run, the medians and the ratios.
#   RUNS=3 bash bench/registry.sh build/scitt
# Needs skopeo and docker-registry (apt-get install skopeo docker-registry).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SCITT=$(realpath "${1:?usage: bench/registry.sh SCITT}")
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-3}
SMALL_LAYERS=${SMALL_LAYERS:-200}
SMALL_BYTES=${SMALL_BYTES:-16384}
LARGE_LAYERS=${LARGE_LAYERS:-2}
LARGE_BYTES=${LARGE_BYTES:-268435456}
command -v skopeo >/dev/null && command -v docker-registry >/dev/null || {
  echo "bench/registry.sh needs skopeo and docker-registry" >&2; exit 2; }
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
# Per server and run, five copies of the large workload stay until the end:
# two variants, the pulled layout, and the server's two stored copies.
need=$((RUNS * 2 * 5 * LARGE_LAYERS * LARGE_BYTES + 2 * LARGE_LAYERS * LARGE_BYTES))
free=$(df --output=avail -B1 "$WORK" | tail -1)
if ((free < need)); then
  echo "bench/registry.sh needs about $((need >> 30)) GiB free in $WORK; $((free >> 30)) GiB are" >&2
  exit 2
fi

/usr/bin/python3 "$HERE/oci_layout.py" small "$SMALL_LAYERS" "$SMALL_BYTES"
/usr/bin/python3 "$HERE/oci_layout.py" large "$LARGE_LAYERS" "$LARGE_BYTES"

SCITT_PORT=18601
DIST_PORT=18602
"$SCITT" serve --listen 127.0.0.1:$SCITT_PORT --data scitt-data --rate-limit 0 --log-level warn >scitt.log 2>&1 &
PIDS+=($!)
cat >distribution.yml <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/distribution-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$DIST_PORT
YML
docker-registry serve distribution.yml >distribution.log 2>&1 &
PIDS+=($!)
for port in $SCITT_PORT $DIST_PORT; do
  for _ in $(seq 1 200); do curl -sf -o /dev/null http://127.0.0.1:$port/v2/ && break; sleep 0.05; done
done

declare -A times
run() {  # target name, port, workload, run number
  local start end
  # skopeo remembers where it saw each blob and would mount it from the
  # previous run's repository instead of uploading it: forget.
  rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb \
    "${XDG_DATA_HOME:-$HOME/.local/share}/containers/cache/blob-info-cache-v1.boltdb"
  # Nothing is deleted until the end: the disk may be mounted with
  # `discard`, and a deletion's discards would land in the next timed step.
  local fresh="$3-$1-$4" http="$3-$1-$4-http"
  /usr/bin/python3 "$HERE/oci_layout.py" --vary "$3" "$fresh" "$fresh"
  /usr/bin/python3 "$HERE/oci_layout.py" --vary "$3" "$http" "$http"
  # Each step starts with nothing dirty in the page cache: otherwise the
  # previous step's writeback (the variants just written, the other
  # server's blobs, skopeo's pulled layout) is on the disk while a server
  # fsyncs a blob (both do, before answering 201).
  sync
  start=$(date +%s.%N)
  skopeo --insecure-policy copy -q --preserve-digests --dest-tls-verify=false \
    "oci:$fresh:v1" "docker://127.0.0.1:$2/bench/$3-$4:v1"
  end=$(date +%s.%N)
  times[$1,$3,push,$4]=$(echo "$end - $start" | bc)
  sync
  start=$(date +%s.%N)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://127.0.0.1:$2/bench/$3-$4:v1" "oci:$fresh-pulled:v1"
  end=$(date +%s.%N)
  times[$1,$3,pull,$4]=$(echo "$end - $start" | bc)
  sync
  times[$1,$3,http-push,$4]=$(/usr/bin/python3 "$HERE/registry_client.py" push 127.0.0.1:$2 "bench/$3-$4-http" "$http")
  sync
  times[$1,$3,http-pull,$4]=$(/usr/bin/python3 "$HERE/registry_client.py" pull 127.0.0.1:$2 "bench/$3-$4-http" "$http")
  printf '%-13s %-5s run %d: skopeo push %6.2f s  pull %6.2f s; registry_client.py push %6.2f s  pull %6.2f s\n' \
    "$1" "$3" "$4" "${times[$1,$3,push,$4]}" "${times[$1,$3,pull,$4]}" "${times[$1,$3,http-push,$4]}" \
    "${times[$1,$3,http-pull,$4]}"
}
for ((r = 1; r <= RUNS; r++)); do
  for workload in small large; do
    run scitt $SCITT_PORT $workload $r
    run distribution $DIST_PORT $workload $r
  done
done
for workload in small large; do
  for op in push pull http-push http-pull; do
    s=$(for ((r = 1; r <= RUNS; r++)); do echo "${times[scitt,$workload,$op,$r]}"; done | median)
    d=$(for ((r = 1; r <= RUNS; r++)); do echo "${times[distribution,$workload,$op,$r]}"; done | median)
    printf '%-5s %-9s median: scitt %6.2f s  distribution %6.2f s  ratio (distribution time / scitt time) %.2f\n' \
      "$workload" "$op" "$s" "$d" "$(echo "$d / $s" | bc -l)"
  done
done

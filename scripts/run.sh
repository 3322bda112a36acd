#!/usr/bin/env bash
# Installs what is needed, builds scitt, and runs the transparency service on
# its embedded default (127.0.0.1:8080, data in ./scitt-data). Extra arguments
# go to `scitt serve`, e.g. `bash scripts/run.sh --issuer-keys issuers.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh binary >/dev/null
exec ./build/scitt serve "$@"

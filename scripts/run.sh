#!/usr/bin/env bash
# Installs what is needed, builds scitt, and runs a short offline demo:
# generate an issuer key, sign an SBOM as a hash-envelope statement, show it
# and verify it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
SCITT=./build/scitt
DEMO=$(mktemp -d)
trap 'rm -rf "$DEMO"' EXIT

echo '{"spdxVersion":"SPDX-2.3","name":"demo-app-1.0"}' >"$DEMO/sbom.spdx.json"
echo "$ scitt key generate --alg ES256 --out issuer.pem"
$SCITT key generate --alg ES256 --out "$DEMO/issuer.pem"
$SCITT key export "$DEMO/issuer.pem" --format pem --out "$DEMO/issuer.pub.pem"
echo "$ scitt statement sign … --hash-envelope sbom.spdx.json"
$SCITT statement sign --key "$DEMO/issuer.pem" --issuer https://supplier.example \
  --subject pkg:generic/demo-app@1.0 --content-type application/spdx+json \
  --hash-envelope --location https://supplier.example/demo-app-1.0.spdx.json \
  --out "$DEMO/sbom.cose" "$DEMO/sbom.spdx.json"
echo "$ scitt statement show sbom.cose"
$SCITT statement show "$DEMO/sbom.cose"
echo "$ scitt verify sbom.cose --issuer-key issuer.pub.pem --payload sbom.spdx.json"
$SCITT verify "$DEMO/sbom.cose" --issuer-key "$DEMO/issuer.pub.pem" --payload "$DEMO/sbom.spdx.json"

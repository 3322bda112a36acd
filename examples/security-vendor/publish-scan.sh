#!/usr/bin/env bash
# A security vendor publishes its scan of a customer's image where the
# customer's deployment gate sees it (docs/deployment-gates.md, "A security
# vendor's scans"): the scan (SARIF 2.1.0, as grype, trivy and most
# scanners write it) is signed as a statement about the image's digest with
# the vendor's certificate, its issuer the vendor's did:x509, and attached
# to the image in the customer's registry, which registers it in the
# customer's transparency log. Nothing else is needed on either side: the
# customer trusts the vendor's CA (`scitt serve --trust-anchors`) and names
# the vendor's did:x509 in its appraisal policy.
#
# Usage: publish-scan.sh IMAGE_REF SCAN.sarif
#   VENDOR_KEY    the vendor's signing key (PEM)
#   VENDOR_CHAIN  its certificate chain (PEM, leaf first, then the CA)
#   SCITT         the scitt binary (default: scitt on PATH)
#   REGISTRY_ARGS extra registry flags, e.g. "--creds user:token"
# Prints the issuer it signed as and the registry's answer; exits non-zero
# if the image cannot be found or the registry refuses the statement.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 IMAGE_REF SCAN.sarif (env VENDOR_KEY, VENDOR_CHAIN)" >&2; exit 2; }
image=$1
scan=$2
scitt=${SCITT:-scitt}
read -r -a registry_args <<<"${REGISTRY_ARGS:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The issuer: did:x509 pinning the vendor's CA (the second certificate of
# the chain) and the leaf's subject CN (docs/policy.md "did:x509").
awk '/-----BEGIN CERTIFICATE-----/ {n++} n == 2' "$VENDOR_CHAIN" >"$work/ca.pem"
fingerprint=$(openssl x509 -in "$work/ca.pem" -outform DER | openssl dgst -sha256 -binary | base64 -w0 |
  tr '+/' '-_' | tr -d '=')
cn=$(openssl x509 -in "$VENDOR_CHAIN" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
issuer="did:x509:0:sha256:${fingerprint}::subject:CN:${cn}"
echo "issuer: $issuer"

# The scan is about exactly this content: the image's digest, not its tag.
digest=$("$scitt" registry discover "$image" "${registry_args[@]}" | head -1 | cut -d' ' -f2)
[[ $digest == sha256:* ]] || { echo "cannot resolve $image" >&2; exit 1; }

"$scitt" statement sign --key "$VENDOR_KEY" --x5chain "$VENDOR_CHAIN" --issuer "$issuer" --subject "$digest" \
  --content-type application/sarif+json --out "$work/scan.cose" "$scan"
"$scitt" registry attach "$image" "$work/scan.cose" "${registry_args[@]}"

#!/usr/bin/env bash
# End-to-end test of the offline CLI verbs through the real binary.
# Usage: cli_e2e_test.sh PATH/TO/scitt   (SCITT_VECTORS points at shared/vectors)
set -uo pipefail
SCITT=$1
VECTORS=${SCITT_VECTORS:?SCITT_VECTORS must point at shared/vectors}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
failures=0
checks=0

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, compares its exit code.
expect() {
  local want=$1 what=$2; shift 3
  "$@" >out.txt 2>err.txt
  local got=$?
  checks=$((checks + 1))
  if [[ $got -ne $want ]]; then
    failures=$((failures + 1))
    echo "FAIL: $what: exit $got, want $want"; sed 's/^/  stdout: /' out.txt | head -20; sed 's/^/  stderr: /' err.txt | head -5
  fi
}
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  checks=$((checks + 1))
  if ! "$@"; then failures=$((failures + 1)); echo "FAIL: $what"; fi
}
hex_to_file() { python3 -c "import sys,binascii; open(sys.argv[2],'wb').write(binascii.unhexlify(sys.argv[1]))" "$1" "$2"; }
kat() { python3 -c "import json,sys; d=json.load(open('$VECTORS/scitt-kat/ed25519-transparent-statement.json')); print(eval('d'+sys.argv[1]))" "$1"; }
flip_last_byte() { python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-1]^=1; open(sys.argv[2],'wb').write(b)" "$1" "$2"; }
one_line_error() { [[ $(wc -l <err.txt) -eq 1 ]] && grep -q '^scitt: ' err.txt; }

echo '{"name":"example"}' >artifact.json
printf '{"name":"example"}' >kat-artifact.json

# --- help and usage
expect 0 "top-level --help" -- "$SCITT" --help
for verb in "key generate" "key export" "statement sign" "statement show" "verify"; do
  # shellcheck disable=SC2086
  expect 0 "$verb --help" -- "$SCITT" $verb --help
done
expect 2 "no arguments" -- "$SCITT"
check "usage error is one line" one_line_error
expect 2 "unknown option" -- "$SCITT" verify x --bogus
check "unknown option error is one line" one_line_error

# --- keys
for alg in ES256 ES384 EdDSA PS256; do
  expect 0 "key generate $alg" -- "$SCITT" key generate --alg "$alg" --out "key-$alg.pem"
  check "$alg kid is 64 hex chars" grep -Eq '^[0-9a-f]{64}$' out.txt
  kid=$(cat out.txt)
  check "$alg key file is private" test "$(stat -c %a "key-$alg.pem")" = 600
  expect 0 "key export $alg jwk" -- "$SCITT" key export "key-$alg.pem" --format jwk
  check "$alg jwk carries the kid" grep -q "\"kid\": \"$kid\"" out.txt
  expect 0 "key export $alg pem" -- "$SCITT" key export "key-$alg.pem" --format pem --out "pub-$alg.pem"
  check "$alg public pem" grep -q "BEGIN PUBLIC KEY" "pub-$alg.pem"
  expect 0 "key export $alg cose" -- "$SCITT" key export "key-$alg.pem" --format cose --out "pub-$alg.cbor"
done
expect 2 "key generate refuses to overwrite" -- "$SCITT" key generate --alg ES256 --out key-ES256.pem
expect 2 "key generate unknown alg" -- "$SCITT" key generate --alg RS1 --out x.pem
check "unknown alg error is one line" one_line_error
expect 2 "key export missing file" -- "$SCITT" key export nope.pem --format jwk

# --- sign, show, verify: plain and hash envelope, ES256 and EdDSA
for alg in ES256 EdDSA; do
  expect 0 "sign plain $alg" -- "$SCITT" statement sign --key "key-$alg.pem" --issuer https://issuer.example \
    --subject pkg:a@1 --content-type application/json --out "plain-$alg.cose" artifact.json
  expect 0 "sign hash envelope $alg" -- "$SCITT" statement sign --key "key-$alg.pem" --issuer https://issuer.example \
    --subject pkg:a@1 --content-type application/json --hash-envelope --location https://a.example/a.json \
    --out "env-$alg.cose" artifact.json
  expect 0 "show $alg" -- "$SCITT" statement show "env-$alg.cose"
  check "show names the hash envelope headers" grep -q "payload-hash-alg: SHA-256 (-16)" out.txt
  check "show names the location" grep -q "payload-location: https://a.example/a.json" out.txt
  expect 0 "show --json $alg" -- "$SCITT" statement show --json "plain-$alg.cose"
  check "show --json is JSON with iss" python3 -c "import json; d=json.load(open('out.txt')); assert d['protected']['CWT claims']['iss']=='https://issuer.example'; assert d['kind']=='signed statement'"
  for kind in plain env; do
    expect 0 "verify $kind $alg" -- "$SCITT" verify "$kind-$alg.cose" --issuer-key "pub-$alg.pem" --payload artifact.json
    check "verify prints PASS" grep -q "^PASS issuer signature" out.txt
    flip_last_byte "$kind-$alg.cose" "tampered-$kind-$alg.cose"
    expect 1 "verify tampered $kind $alg" -- "$SCITT" verify "tampered-$kind-$alg.cose" --issuer-key "pub-$alg.pem"
    check "tampered prints FAIL" grep -q "^FAIL issuer signature" out.txt
    expect 1 "verify $kind $alg with the wrong payload" -- "$SCITT" verify "$kind-$alg.cose" --issuer-key "pub-$alg.pem" --payload kat-artifact.json
  done
  expect 0 "verify --json $alg" -- "$SCITT" verify "env-$alg.cose" --issuer-key "pub-$alg.pem" --json
  check "verify --json says verified" python3 -c "import json; assert json.load(open('out.txt'))['verified'] is True"
done
expect 1 "verify with another issuer's key" -- "$SCITT" verify plain-ES256.cose --issuer-key pub-ES384.pem
# The issuer key is the one the protected kid names, as the service picks it
# (docs/policy.md "Issuer identity"): no kid names no key, even when one is given.
expect 0 "sign with --cnf (no kid)" -- "$SCITT" statement sign --key key-ES256.pem --cnf --issuer https://issuer.example \
  --subject pkg:a@1 --content-type application/json --out cnf-ES256.cose artifact.json
expect 1 "verify a statement without kid" -- "$SCITT" verify cnf-ES256.cose --issuer-key pub-ES256.pem
check "no kid names no issuer key" grep -q "has no protected kid" out.txt
expect 2 "sign --location without --hash-envelope" -- "$SCITT" statement sign --key key-ES256.pem --issuer i \
  --subject s --content-type t --location u --out x.cose artifact.json
expect 2 "sign with a missing key" -- "$SCITT" statement sign --key nope.pem --issuer i --subject s \
  --content-type t --out x.cose artifact.json
head -c 100 /dev/urandom >garbage.cose
expect 2 "show garbage" -- "$SCITT" statement show garbage.cose
check "garbage error is one line" one_line_error
expect 2 "verify garbage" -- "$SCITT" verify garbage.cose --issuer-key pub-ES256.pem
expect 2 "verify a missing file" -- "$SCITT" verify nope.cose --issuer-key pub-ES256.pem
expect 2 "verify with nothing to check against" -- "$SCITT" verify plain-ES256.cose
head -c 20 plain-ES256.cose >truncated.cose
expect 2 "verify truncated" -- "$SCITT" verify truncated.cose --issuer-key pub-ES256.pem

# --- x5chain with trust anchors (certificates made with the openssl CLI)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj "/CN=Test Root CA" -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=Test Issuer" 2>/dev/null
printf 'extendedKeyUsage=codeSigning\nbasicConstraints=CA:FALSE\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 10 -extfile leaf.ext 2>/dev/null
cat leaf.pem ca.pem >chain.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other-ca.pem \
  -subj "/CN=Other CA" -days 30 2>/dev/null
expect 0 "sign with x5chain" -- "$SCITT" statement sign --key leaf.key --x5chain chain.pem --issuer https://issuer.example \
  --subject pkg:a@1 --content-type application/json --out x5.cose artifact.json
expect 0 "show x5chain" -- "$SCITT" statement show x5.cose
check "show prints the leaf subject" grep -q "CN=Test Issuer" out.txt
expect 0 "verify x5chain with its CA" -- "$SCITT" verify x5.cose --trust-anchors ca.pem
expect 1 "verify x5chain with another CA" -- "$SCITT" verify x5.cose --trust-anchors other-ca.pem
expect 1 "verify x5chain after it expired" -- "$SCITT" verify x5.cose --trust-anchors ca.pem --at-time 4102444800
# RFC 5280 §4.2.1.3: the CA (keyUsage keyCertSign only) may not sign statements.
expect 0 "sign with the CA as its own leaf" -- "$SCITT" statement sign --key ca.key --x5chain ca.pem \
  --issuer https://issuer.example --subject pkg:a@1 --content-type application/json --out x5ca.cose artifact.json
expect 1 "verify a statement signed by the CA itself" -- "$SCITT" verify x5ca.cose --trust-anchors ca.pem
check "keyUsage is named" grep -q "without digitalSignature" out.txt

# --- the known-answer test through the CLI: same bytes as the vectors
python3 - "$(kat "['keys']['issuer']['secret_key']")" kat-issuer.pem <<'PY'
import base64, binascii, sys
der = binascii.unhexlify("302e020100300506032b657004220420" + sys.argv[1])  # PKCS#8 Ed25519
pem = "-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PRIVATE KEY-----\n"
open(sys.argv[2], "w").write(pem)
PY
expect 0 "sign the KAT statement" -- "$SCITT" statement sign --key kat-issuer.pem --issuer https://issuer.example \
  --subject pkg:example/a@1.0 --content-type application/json --typ application/example+cose --iat 1700000000 \
  --hash-envelope --location https://artifacts.example/a.json --out kat.cose kat-artifact.json
check "KAT statement is byte for byte" test "$(python3 -c "import binascii; print(binascii.hexlify(open('kat.cose','rb').read()).decode())")" = "$(kat "['signed_statement']['cose_sign1_tagged']")"
hex_to_file "$(kat "['transparent_statement']['cose_sign1_tagged']")" kat-ts.cose
python3 - "$(kat "['keys']['transparency_service']['public_key']")" kat-service.pem <<'PY'
import base64, binascii, sys
der = binascii.unhexlify("302a300506032b6570032100" + sys.argv[1])  # SPKI Ed25519
open(sys.argv[2], "w").write("-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PUBLIC KEY-----\n")
PY
"$SCITT" key export kat-issuer.pem --format pem --out kat-issuer.pub.pem
expect 0 "verify the KAT transparent statement" -- "$SCITT" verify kat-ts.cose --service-key kat-service.pem \
  --issuer-key kat-issuer.pub.pem --payload kat-artifact.json
check "KAT receipt passes" grep -q "^PASS receipt 1" out.txt
expect 0 "show the KAT transparent statement" -- "$SCITT" statement show kat-ts.cose
check "show prints the inclusion proof" grep -q "leaf_index: 3" out.txt
"$SCITT" key export kat-service.pem --format jwk >kat-service.jwk
python3 -c "import json; k=json.load(open('kat-service.jwk')); json.dump({'keys':[k]}, open('kat-service.jwks','w'))"
expect 0 "verify with a JWKS service key" -- "$SCITT" verify kat-ts.cose --service-key kat-service.jwks
"$SCITT" key export kat-service.pem --format cose --out kat-service.cbor
expect 0 "verify with a COSE_Key service key" -- "$SCITT" verify kat-ts.cose --service-key kat-service.cbor
expect 1 "verify with the wrong service key" -- "$SCITT" verify kat-ts.cose --service-key pub-EdDSA.pem
expect 2 "verify receipts without service keys" -- "$SCITT" verify kat-ts.cose --issuer-key kat-issuer.pub.pem
n=$(python3 -c "import json; print(len(json.load(open('$VECTORS/scitt-kat/ed25519-transparent-statement.json'))['negative_cases']))")
for ((i = 0; i < n; i++)); do
  hex_to_file "$(kat "['negative_cases'][$i]['transparent_statement']")" neg.cose
  expect 1 "KAT negative case $i" -- "$SCITT" verify neg.cose --service-key kat-service.pem --issuer-key kat-issuer.pub.pem
done
# A receipt supplied beside a plain statement.
expect 0 "statement plus --receipt" -- "$SCITT" verify kat.cose --receipt <(python3 -c "
import json,sys,binascii; sys.stdout.buffer.write(binascii.unhexlify(json.load(open('$VECTORS/scitt-kat/ed25519-transparent-statement.json'))['receipt']['cose_sign1_tagged']))") \
  --service-key kat-service.pem

# --- Microsoft's CCF transparent statement with its trust store
expect 0 "verify the CCF transparent statement" -- "$SCITT" verify "$VECTORS/ccf/transparent_statements/uvm_0.2.10.cose" \
  --service-key "$VECTORS/ccf/transparent_statements/esrp-cts-db.json"
check "CCF receipt passes" grep -q "^PASS receipt 1: CCF inclusion" out.txt

# --- data-directory verbs never create what they read
mkdir empty-data
expect 2 "log verify of an empty directory" -- "$SCITT" log verify --data empty-data
check "log verify of an empty directory is one line" one_line_error
check "log verify says there is no log" grep -q "holds no scitt log" err.txt
check "log verify created nothing" test -z "$(ls -A empty-data)"
expect 2 "log verify of a missing directory" -- "$SCITT" log verify --data missing-data
check "log verify did not create the directory" test ! -e missing-data

echo "$((checks - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]

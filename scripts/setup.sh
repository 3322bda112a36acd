#!/usr/bin/env bash
# Installs every Debian package that building, testing and running scitt needs.
# Idempotent; runs as root (or through sudo) with no standard input.
# Usage: setup.sh [--test]
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang libclang-rt-14-dev          # libFuzzer and the sanitizer runtimes
  libssl-dev openssl                # crypto layer
  nlohmann-json3-dev libcli11-dev   # JSON (JWK, config), command line
  libxml2-dev                       # XML evidence (CycloneDX XML read as a stream, SWID tags)
  libboost1.81-dev                  # Beast/Asio HTTP server and client
  libboost-url1.81-dev              # URL parsing and resolution
  libspdlog-dev                     # the logging facility (base/logging.h)
  libsqlite3-dev                    # embedded storage
  librocksdb-dev                    # embedded registry metadata (registry.kv)
  duktape-dev                       # policy scripts
  libjemalloc-dev                   # allocator of the scitt binary (+13% registrations/s)
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-cbor2 python3-cryptography  # end-to-end tests: an independent
                                    # CBOR decoder and signature/Merkle checks
  python3-yaml                      # the deploy/ manifests read back by the tests
  curl                              # the README tour (and its test) call the HTTP API with it
)

# `setup.sh --test`: also the independent clients the interoperability tests
# drive (tests/registry, docs/development.md): skopeo and podman copy images in
# and out, umoci builds and unpacks OCI image layouts, docker-registry (CNCF
# distribution 2.8.2, no referrers API) is the legacy registry the tests start
# on a free loopback port, and Node.js with npm runs @sigstore/oci (npm).
if [[ ${1:-} == --test ]]; then
  PACKAGES+=(skopeo podman umoci docker-registry)
  PACKAGES+=(graphviz)  # `scitt query graph --format svg` runs Graphviz's dot
  # Node.js may come from elsewhere (the machine image has NodeSource's, whose
  # nodejs package carries npm and conflicts with Debian's npm): only what is
  # missing is added.
  command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
  command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q </dev/null

# Packages must not start daemons: docker-registry's maintainer script starts
# its service (listening on :5000 with the package's own config) through
# invoke-rc.d or systemd. A policy-rc.d that answers 101 ("action forbidden")
# stops both for the time of the install, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# scitt scripts/setup.sh: no service starts while packages install\nexit 101\n' |
    $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if ((own_policy)); then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null

# Nor at the next boot: the tests run their own registry on a free port.
for p in "${missing[@]}"; do
  if [[ $p == docker-registry ]]; then
    if [[ -d /run/systemd/system ]]; then
      $SUDO systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null 2>&1; then
      $SUDO update-rc.d docker-registry disable >/dev/null 2>&1 || true
    fi
  fi
done

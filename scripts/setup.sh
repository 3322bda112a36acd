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
  libboost1.81-dev                  # Beast/Asio HTTP server and client
  libboost-url1.81-dev              # URL parsing and resolution
  libspdlog-dev                     # the logging facility (base/logging.h)
  libsqlite3-dev                    # embedded storage
  duktape-dev                       # policy scripts
  libjemalloc-dev                   # allocator of the scitt binary (+13% registrations/s)
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-cbor2 python3-cryptography  # end-to-end tests: an independent
                                    # CBOR decoder and signature/Merkle checks
)

# `setup.sh --test`: also the independent clients the interoperability tests
# drive (tests/registry).
if [[ ${1:-} == --test ]]; then
  PACKAGES+=(skopeo)
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
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null

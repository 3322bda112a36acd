// Raw public components of a key (what COSE_Key and JWK are written from),
// RSA keys from them, and RFC 9679 COSE Key Thumbprints.
#include <string>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/key_internal.h"

namespace scitt::crypto {
using namespace internal;

namespace {

// RFC 8949 §4.2.1 shortest head of major type `major` with `argument`.
void AppendHead(uint8_t major, uint64_t argument, Bytes* out) {
  const uint8_t type = static_cast<uint8_t>(major << 5);
  if (argument < 24) {
    out->push_back(type | static_cast<uint8_t>(argument));
    return;
  }
  const int width = argument <= 0xff ? 1 : argument <= 0xffff ? 2 : argument <= 0xffffffff ? 4 : 8;
  out->push_back(type | static_cast<uint8_t>(width == 1 ? 24 : width == 2 ? 25 : width == 4 ? 26 : 27));
  for (int i = width - 1; i >= 0; --i) out->push_back(static_cast<uint8_t>(argument >> (8 * i)));
}

void AppendBytes(ByteView bytes, Bytes* out) {
  AppendHead(2, bytes.size(), out);
  out->insert(out->end(), bytes.begin(), bytes.end());
}

// RFC 9679 §3: the thumbprint input is the deterministic CBOR (RFC 8949
// §4.2.1) of the COSE_Key's required members only. That map has a fixed
// shape: 3 or 4 entries whose labels kty (1), crv or n (-1), x or e (-2) and
// y (-3) encode as the single bytes 01, 20, 21, 22 (so this is their sorted
// order), with small unsigned integers and byte strings as values. Its bytes
// are written here directly so that crypto needs no CBOR library (DESIGN.md
// §2); tests/cose checks them against cose::ToCoseKey encoded by the cbor
// layer for every key type.
Bytes ThumbprintInput(const PublicComponents& c) {
  Bytes out;
  const bool ec2 = c.type == KeyType::kEc2;
  AppendHead(5, ec2 ? 4 : 3, &out);
  out.push_back(0x01);  // kty
  AppendHead(0, static_cast<uint64_t>(c.type), &out);
  if (c.type == KeyType::kRsa) {
    out.push_back(0x20);  // n (-1)
    AppendBytes(c.n, &out);
    out.push_back(0x21);  // e (-2)
    AppendBytes(c.e, &out);
    return out;
  }
  out.push_back(0x20);  // crv (-1)
  AppendHead(0, static_cast<uint64_t>(c.curve), &out);
  out.push_back(0x21);  // x (-2)
  AppendBytes(c.x, &out);
  if (ec2) {
    out.push_back(0x22);  // y (-3)
    AppendBytes(c.y, &out);
  }
  return out;
}

}  // namespace

Result<PublicKey> PublicKey::FromRsa(ByteView n, ByteView e) {
  SCITT_RETURN_IF_ERROR(CheckMinimal(n, "RSA n"));
  SCITT_RETURN_IF_ERROR(CheckMinimal(e, "RSA e"));
  SCITT_ASSIGN_OR_RETURN(auto pkey, RsaPublic(n, e));
  return PublicKey(std::move(pkey));
}

PublicComponents PublicKey::Components() const {
  PublicComponents out;
  if (const EcCurveInfo* info = EcCurveOf(pkey_.get())) {
    EcPoint point = EcPublicPoint(pkey_.get());
    out.type = KeyType::kEc2;
    out.curve = info->curve;
    out.x = std::move(point.x);
    out.y = std::move(point.y);
  } else if (EVP_PKEY_is_a(pkey_.get(), "ED25519")) {
    out.type = KeyType::kOkp;
    out.curve = Curve::kEd25519;
    out.x = Ed25519PublicBytes(pkey_.get());
  } else {
    out.type = KeyType::kRsa;
    out.n = GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, 0);
    out.e = GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, 0);
  }
  return out;
}

std::array<uint8_t, 32> PublicKey::Thumbprint() const {
  if (!valid()) return {};
  return Sha256(ThumbprintInput(Components()));
}

}  // namespace scitt::crypto

// COSE_Key (RFC 9052 §7, RFC 9053 §7, RFC 8230 §4): import and export of
// public keys.
#include "cose/cose_key.h"

#include <string>
#include <utility>

#include "cose/labels.h"

namespace scitt::cose {
namespace {

using crypto::Algorithm;
using crypto::Curve;
using crypto::KeyType;
using crypto::PublicKey;

constexpr int64_t kCoseCrvX25519 = 4;
constexpr int64_t kCoseCrvX448 = 5;
constexpr int64_t kCoseCrvEd448 = 7;

std::string Member(int64_t label, const char* what) {
  return std::string(what) + " (" + std::to_string(label) + ")";
}

Result<const cbor::Value*> CoseMember(const cbor::Value& key, int64_t label, const char* what) {
  const cbor::Value* v = key.Find(label);
  if (v == nullptr) {
    return MakeError(ErrorCode::kMalformed, "COSE_Key is missing " + Member(label, what));
  }
  return v;
}

Result<const Bytes*> CoseBytes(const cbor::Value& key, int64_t label, const char* what) {
  SCITT_ASSIGN_OR_RETURN(const cbor::Value* v, CoseMember(key, label, what));
  if (!v->is_bytes()) {
    return MakeError(ErrorCode::kMalformed,
                     "COSE_Key " + Member(label, what) + " must be a byte string");
  }
  return &v->bytes();
}

Result<int64_t> CoseInt(const cbor::Value& key, int64_t label, const char* what) {
  SCITT_ASSIGN_OR_RETURN(const cbor::Value* v, CoseMember(key, label, what));
  if (v->is_text()) {
    return MakeError(ErrorCode::kUnsupported, std::string("COSE_Key ") + what + " \"" + v->text() +
                                                  "\" is a text value; only integer values "
                                                  "are supported");
  }
  std::optional<int64_t> i = v->AsInt64();
  if (!i) {
    return MakeError(ErrorCode::kMalformed, "COSE_Key " + Member(label, what) + " must be an integer");
  }
  return *i;
}

// kid (bstr) and alg (int / tstr), RFC 9052 §7.1.
Status CheckCoseCommon(const cbor::Value& key) {
  if (const cbor::Value* kid = key.Find(key_param::kKid); kid != nullptr && !kid->is_bytes()) {
    return MakeError(ErrorCode::kMalformed, "COSE_Key kid (2) must be a byte string");
  }
  if (const cbor::Value* alg = key.Find(key_param::kAlg);
      alg != nullptr && !alg->is_integer() && !alg->is_text()) {
    return MakeError(ErrorCode::kMalformed, "COSE_Key alg (3) must be an integer or a text string");
  }
  return Status::Ok();
}

}  // namespace

Result<crypto::KeyWithId> KeyWithIdFromCoseKey(const cbor::Value& cose_key) {
  SCITT_ASSIGN_OR_RETURN(PublicKey key, PublicKeyFromCoseKey(cose_key));
  Bytes kid;
  if (const cbor::Value* v = cose_key.Find(key_param::kKid)) kid = v->bytes();
  std::optional<Algorithm> alg;
  if (const cbor::Value* v = cose_key.Find(key_param::kAlg)) {
    std::optional<int64_t> id = v->AsInt64();
    alg = id ? crypto::AlgorithmFromCose(*id) : std::nullopt;
    if (!alg) {
      std::string shown = id ? std::to_string(*id) : v->is_text() ? "\"" + v->text() + "\"" : "(out of range)";
      return MakeError(ErrorCode::kUnsupported,
                       "COSE_Key alg " + shown + " is not a supported signature algorithm");
    }
  }
  return crypto::KeyWithId{std::move(key), std::move(kid), alg};
}

Result<PublicKey> PublicKeyFromCoseKey(const cbor::Value& cose_key) {
  if (!cose_key.is_map()) return MakeError(ErrorCode::kMalformed, "COSE_Key must be a CBOR map");
  SCITT_RETURN_IF_ERROR(CheckCoseCommon(cose_key));
  SCITT_ASSIGN_OR_RETURN(int64_t kty, CoseInt(cose_key, key_param::kKty, "kty"));
  switch (kty) {
    case static_cast<int64_t>(KeyType::kOkp): {
      SCITT_ASSIGN_OR_RETURN(int64_t crv, CoseInt(cose_key, key_param::kCrv, "crv"));
      if (crv == kCoseCrvEd448) {
        return MakeError(ErrorCode::kUnsupported,
                         "Ed448 keys are not supported: EdDSA here means Ed25519 only");
      }
      if (crv == kCoseCrvX25519 || crv == kCoseCrvX448) {
        return MakeError(ErrorCode::kUnsupported,
                         "X25519/X448 are key-agreement curves, not signature keys");
      }
      if (crv != static_cast<int64_t>(Curve::kEd25519)) {
        return MakeError(ErrorCode::kUnsupported,
                         "unsupported OKP curve " + std::to_string(crv) + ": only Ed25519 (6)");
      }
      SCITT_ASSIGN_OR_RETURN(const Bytes* x, CoseBytes(cose_key, key_param::kX, "x"));
      return PublicKey::FromEd25519(*x);
    }
    case static_cast<int64_t>(KeyType::kEc2): {
      SCITT_ASSIGN_OR_RETURN(int64_t crv, CoseInt(cose_key, key_param::kCrv, "crv"));
      // crypto::Curve's values are the COSE crv identifiers.
      if (crv != static_cast<int64_t>(Curve::kP256) && crv != static_cast<int64_t>(Curve::kP384) &&
          crv != static_cast<int64_t>(Curve::kP521)) {
        return MakeError(ErrorCode::kUnsupported,
                         "unsupported EC2 curve " + std::to_string(crv) +
                             ": use P-256 (1), P-384 (2) or P-521 (3)");
      }
      SCITT_ASSIGN_OR_RETURN(const Bytes* x, CoseBytes(cose_key, key_param::kX, "x"));
      // RFC 9053 §7.1.1 lets y be a bool (point compression); we take only
      // the uncompressed form.
      if (const cbor::Value* y = cose_key.Find(key_param::kY); y != nullptr && y->is_bool()) {
        return MakeError(ErrorCode::kUnsupported,
                         "compressed EC2 points (y as a bool) are not supported; give y as bytes");
      }
      SCITT_ASSIGN_OR_RETURN(const Bytes* y, CoseBytes(cose_key, key_param::kY, "y"));
      return PublicKey::FromEc2(static_cast<Curve>(crv), *x, *y);
    }
    case static_cast<int64_t>(KeyType::kRsa): {
      SCITT_ASSIGN_OR_RETURN(const Bytes* n, CoseBytes(cose_key, key_param::kN, "n"));
      SCITT_ASSIGN_OR_RETURN(const Bytes* e, CoseBytes(cose_key, key_param::kE, "e"));
      auto key = PublicKey::FromRsa(*n, *e);
      if (!key.ok()) return MakeError(key.error().code, "COSE_Key " + key.error().message);
      return key;
    }
    default:
      return MakeError(ErrorCode::kUnsupported,
                       "unsupported COSE_Key kty " + std::to_string(kty) +
                           ": use OKP (1), EC2 (2) or RSA (3)");
  }
}

cbor::Value ToCoseKey(const PublicKey& key, std::optional<ByteView> kid,
                      std::optional<Algorithm> alg) {
  if (!key.valid()) return cbor::Value::FromMap({});
  crypto::PublicComponents c = key.Components();
  // The required members, RFC 9053 §7.1 and RFC 8230 §4; exactly the RFC
  // 9679 thumbprint input.
  cbor::Map map = {cbor::Entry(key_param::kKty, cbor::Value::Int(static_cast<int64_t>(c.type)))};
  if (c.type == KeyType::kRsa) {
    map.push_back(cbor::Entry(key_param::kN, cbor::Value::ByteString(std::move(c.n))));
    map.push_back(cbor::Entry(key_param::kE, cbor::Value::ByteString(std::move(c.e))));
  } else {
    map.push_back(cbor::Entry(key_param::kCrv, cbor::Value::Int(static_cast<int64_t>(c.curve))));
    map.push_back(cbor::Entry(key_param::kX, cbor::Value::ByteString(std::move(c.x))));
    if (c.type == KeyType::kEc2) map.push_back(cbor::Entry(key_param::kY, cbor::Value::ByteString(std::move(c.y))));
  }
  if (kid) map.push_back(cbor::Entry(key_param::kKid, cbor::Value::ByteString(*kid)));
  if (alg) map.push_back(cbor::Entry(key_param::kAlg, cbor::Value::Int(crypto::CoseId(*alg))));
  return cbor::Value::FromMap(std::move(map));
}

}  // namespace scitt::cose

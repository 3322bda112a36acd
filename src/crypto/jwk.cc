// JWK (RFC 7517, RFC 7518 §6, RFC 8037 §2): import and export of public
// keys, and import of private keys.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto/key.h"
#include "crypto/key_internal.h"
#include "crypto/openssl_util.h"

namespace scitt::crypto {
using namespace internal;

namespace {

using json = nlohmann::json;

Result<std::string> JwkString(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end()) {
    return MakeError(ErrorCode::kMalformed, std::string("JWK is missing \"") + name + "\"");
  }
  if (!it->is_string()) {
    return MakeError(ErrorCode::kMalformed, std::string("JWK \"") + name + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<Bytes> JwkBytes(const json& jwk, const char* name) {
  SCITT_ASSIGN_OR_RETURN(std::string text, JwkString(jwk, name));
  std::optional<Bytes> bytes = Base64UrlDecode(text);
  if (!bytes) {
    return MakeError(ErrorCode::kMalformed, std::string("JWK \"") + name + "\" is not base64url");
  }
  return std::move(*bytes);
}

Result<Bytes> JwkUInt(const json& jwk, const char* name) {
  SCITT_ASSIGN_OR_RETURN(Bytes v, JwkBytes(jwk, name));
  std::string what = std::string("JWK \"") + name + "\"";
  SCITT_RETURN_IF_ERROR(CheckMinimal(v, what.c_str()));
  return v;
}

Result<const EcCurveInfo*> JwkEcCurve(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string crv, JwkString(jwk, "crv"));
  for (const auto& info : kEcCurves) {
    if (crv == info.jose_name) return &info;
  }
  return MakeError(ErrorCode::kUnsupported,
                   "unsupported JWK EC curve \"" + crv + "\": use P-256, P-384 or P-521");
}

Status JwkOkpCurve(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string crv, JwkString(jwk, "crv"));
  if (crv == "Ed25519") return Status::Ok();
  if (crv == "Ed448") {
    return MakeError(ErrorCode::kUnsupported,
                     "Ed448 keys are not supported: EdDSA here means Ed25519 only");
  }
  return MakeError(ErrorCode::kUnsupported,
                   "unsupported JWK OKP curve \"" + crv + "\": only Ed25519 is supported");
}

Result<std::string> JwkKty(const json& jwk) {
  if (!jwk.is_object()) return MakeError(ErrorCode::kMalformed, "a JWK must be a JSON object");
  SCITT_ASSIGN_OR_RETURN(std::string kty, JwkString(jwk, "kty"));
  if (kty != "EC" && kty != "OKP" && kty != "RSA") {
    return MakeError(ErrorCode::kUnsupported,
                     "unsupported JWK kty \"" + kty + "\": use EC, OKP or RSA");
  }
  return kty;
}

Result<PublicKey> PublicFromJwk(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string kty, JwkKty(jwk));
  if (kty == "EC") {
    SCITT_ASSIGN_OR_RETURN(const EcCurveInfo* info, JwkEcCurve(jwk));
    SCITT_ASSIGN_OR_RETURN(Bytes x, JwkBytes(jwk, "x"));
    SCITT_ASSIGN_OR_RETURN(Bytes y, JwkBytes(jwk, "y"));
    return PublicKey::FromEc2(info->curve, x, y);
  }
  if (kty == "OKP") {
    SCITT_RETURN_IF_ERROR(JwkOkpCurve(jwk));
    SCITT_ASSIGN_OR_RETURN(Bytes x, JwkBytes(jwk, "x"));
    return PublicKey::FromEd25519(x);
  }
  SCITT_ASSIGN_OR_RETURN(Bytes n, JwkUInt(jwk, "n"));
  SCITT_ASSIGN_OR_RETURN(Bytes e, JwkUInt(jwk, "e"));
  SCITT_ASSIGN_OR_RETURN(auto pkey, RsaPublic(n, e));
  return PublicKey(std::move(pkey));
}

// A private JWK may repeat the public members; when it does they must belong
// to the private key, or the file is corrupt.
Status CheckJwkPublicMatches(const json& jwk, const PublicKey& derived) {
  bool has_public = jwk.contains("x") || jwk.contains("n");
  if (!has_public) return Status::Ok();
  auto stated = PublicFromJwk(jwk);
  if (!stated.ok()) return stated.error();
  if (!(*stated == derived)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "JWK public members do not match its private key \"d\"");
  }
  return Status::Ok();
}

Result<std::shared_ptr<EVP_PKEY>> RsaPrivateFromJwk(const json& jwk) {
  if (jwk.contains("oth")) {
    return MakeError(ErrorCode::kUnsupported, "multi-prime RSA JWKs (\"oth\") are not supported");
  }
  for (const char* member : {"p", "q", "dp", "dq", "qi"}) {
    if (!jwk.contains(member)) {
      return MakeError(ErrorCode::kUnsupported,
                       std::string("RSA private JWK without \"") + member +
                           "\" is not supported: all CRT members (p, q, dp, dq, qi) are required");
    }
  }
  static constexpr std::pair<const char*, const char*> kMembers[] = {
      {"n", OSSL_PKEY_PARAM_RSA_N},
      {"e", OSSL_PKEY_PARAM_RSA_E},
      {"d", OSSL_PKEY_PARAM_RSA_D},
      {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  };
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  std::vector<SecretBnPtr> bns;
  for (const auto& [member, param] : kMembers) {
    SCITT_ASSIGN_OR_RETURN(Bytes v, JwkUInt(jwk, member));
    bns.emplace_back(BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr));
    OPENSSL_cleanse(v.data(), v.size());
    OSSL_PARAM_BLD_push_BN(bld.get(), param, bns.back().get());
  }
  SCITT_ASSIGN_OR_RETURN(auto pkey,
                         FromParams("RSA", bld.get(), EVP_PKEY_KEYPAIR, "invalid RSA private JWK"));
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return OpensslError(ErrorCode::kInvalidArgument,
                        "RSA private JWK members are inconsistent or use an unusual exponent");
  }
  return pkey;
}

Result<std::shared_ptr<EVP_PKEY>> PrivateFromJwk(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(std::string kty, JwkKty(jwk));
  if (!jwk.contains("d")) {
    return MakeError(ErrorCode::kInvalidArgument, "JWK has no private member \"d\"");
  }
  if (kty == "RSA") return RsaPrivateFromJwk(jwk);
  auto from_d = [&](ByteView d) -> Result<std::shared_ptr<EVP_PKEY>> {
    if (kty == "EC") {
      SCITT_ASSIGN_OR_RETURN(const EcCurveInfo* info, JwkEcCurve(jwk));
      return EcPrivate(info->curve, d);
    }
    SCITT_RETURN_IF_ERROR(JwkOkpCurve(jwk));
    return Ed25519Private(d);
  };
  SCITT_ASSIGN_OR_RETURN(Bytes d, JwkBytes(jwk, "d"));
  auto made = from_d(d);
  OPENSSL_cleanse(d.data(), d.size());
  SCITT_ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> pkey, std::move(made));
  // Compare against a public-only copy so that EVP_PKEY_eq looks at the
  // public components only.
  auto derived = PublicKey::FromSpkiDer(SpkiDer(pkey.get()));
  if (!derived.ok()) return derived.error();
  SCITT_RETURN_IF_ERROR(CheckJwkPublicMatches(jwk, *derived));
  return pkey;
}

}  // namespace

Result<KeyWithId> internal::KeyWithIdFromJwk(const json& jwk) {
  SCITT_ASSIGN_OR_RETURN(PublicKey key, PublicKey::FromJwk(jwk));
  Bytes kid;
  if (auto it = jwk.find("kid"); it != jwk.end()) {
    if (!it->is_string()) return MakeError(ErrorCode::kMalformed, "JWK \"kid\" must be a string");
    kid = ToBytes(it->get<std::string>());
  }
  std::optional<Algorithm> alg;
  if (auto it = jwk.find("alg"); it != jwk.end()) {
    if (!it->is_string()) return MakeError(ErrorCode::kMalformed, "JWK \"alg\" must be a string");
    alg = AlgorithmFromName(it->get<std::string>());
    if (!alg) {
      return MakeError(ErrorCode::kUnsupported, "JWK alg \"" + it->get<std::string>() +
                                                    "\" is not a supported signature algorithm");
    }
  }
  return KeyWithId{std::move(key), std::move(kid), alg};
}

Result<PublicKey> PublicKey::FromJwk(const nlohmann::json& jwk) {
  try {
    return PublicFromJwk(jwk);
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kMalformed, std::string("invalid JWK: ") + e.what());
  }
}

nlohmann::json PublicKey::ToJwk(std::optional<std::string_view> kid,
                                std::optional<Algorithm> alg) const {
  json jwk = json::object();
  if (!valid()) return jwk;
  if (const EcCurveInfo* info = EcCurveOf(pkey_.get())) {
    EcPoint point = EcPublicPoint(pkey_.get());
    jwk["kty"] = "EC";
    jwk["crv"] = info->jose_name;
    jwk["x"] = Base64UrlEncode(point.x);
    jwk["y"] = Base64UrlEncode(point.y);
  } else if (EVP_PKEY_is_a(pkey_.get(), "ED25519")) {
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = Base64UrlEncode(Ed25519PublicBytes(pkey_.get()));
  } else {
    jwk["kty"] = "RSA";
    jwk["n"] = Base64UrlEncode(GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, 0));
    jwk["e"] = Base64UrlEncode(GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, 0));
  }
  if (kid) jwk["kid"] = std::string(*kid);
  if (alg) jwk["alg"] = std::string(AlgorithmName(*alg));
  return jwk;
}

Result<PrivateKey> PrivateKey::FromJwk(const nlohmann::json& jwk) {
  try {
    SCITT_ASSIGN_OR_RETURN(auto pkey, PrivateFromJwk(jwk));
    return PrivateKey(std::move(pkey));
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kMalformed, std::string("invalid JWK: ") + e.what());
  }
}

}  // namespace scitt::crypto

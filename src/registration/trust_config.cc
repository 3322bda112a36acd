#include <algorithm>
#include <nlohmann/json.hpp>

#include "registration/registrar.h"

namespace scitt::registration {

// {"allow_self_asserted": bool, "issuer_keys": [JWK…], "trust_anchors":
// [base64 DER…]}, keys sorted, lists in configuration order (the first key
// whose kid matches wins, so order is part of the meaning).
std::string TrustConfig::CanonicalJson() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : issuer_keys) {
    // A JWK kid is a string that stands for its UTF-8 bytes; a kid that is not
    // printable ASCII (a binary COSE kid) is written as hex under "kid_hex",
    // a member JWK consumers ignore (RFC 7517 §4).
    bool text =
        std::all_of(k.kid.begin(), k.kid.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
    nlohmann::json jwk = text && !k.kid.empty() ? k.key.ToJwk(ToString(k.kid), k.alg)
                                                : k.key.ToJwk(std::nullopt, k.alg);
    if (!text) jwk["kid_hex"] = HexEncode(k.kid);
    keys.push_back(std::move(jwk));
  }
  nlohmann::json anchors = nlohmann::json::array();
  for (const auto& anchor : trust_anchors) anchors.push_back(Base64Encode(anchor.der()));
  nlohmann::json document = {
      {"allow_self_asserted", allow_self_asserted},
      {"issuer_keys", std::move(keys)},
      {"trust_anchors", std::move(anchors)},
  };
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace scitt::registration

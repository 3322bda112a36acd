// TrustConfig::CanonicalJson: what gets registered as the trust statement.
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "cose/cose_key.h"
#include "registration/registrar.h"
#include "support/test_pki.h"

namespace scitt::registration {
namespace {

using crypto::Algorithm;
using crypto::PrivateKey;

TEST(TrustConfigTest, EmptyConfig) {
  EXPECT_EQ(TrustConfig{}.CanonicalJson(),
            R"({"allow_self_asserted":false,"issuer_keys":[],"trust_anchors":[]})");
}

TEST(TrustConfigTest, SortedStableAndReloadable) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  PrivateKey root_key = *PrivateKey::Generate(Algorithm::kES256);
  auto root = testing::IssueCertificate({{{"CN", "Root"}}, true, now, now + 3600}, root_key,
                                        nullptr, root_key);
  PrivateKey ed = *PrivateKey::Generate(Algorithm::kEdDSA);
  PrivateKey ec = *PrivateKey::Generate(Algorithm::kES384);
  TrustConfig trust;
  trust.allow_self_asserted = true;
  trust.trust_anchors = {root};
  trust.issuer_keys.push_back({ed.public_key(), ToBytes("issuer-1"), std::nullopt});
  trust.issuer_keys.push_back({ec.public_key(), {}, Algorithm::kES384});
  trust.issuer_keys.push_back({ec.public_key(), Bytes{0x00, 0xfe}, std::nullopt});

  std::string text = trust.CanonicalJson();
  EXPECT_EQ(text, trust.CanonicalJson());
  nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc.dump(), text);  // keys already sorted, no whitespace
  EXPECT_EQ(text.rfind(R"({"allow_self_asserted":true,"issuer_keys":[)", 0), 0u);
  EXPECT_EQ(doc["trust_anchors"], nlohmann::json::array({Base64Encode(root.der())}));
  ASSERT_EQ(doc["issuer_keys"].size(), 3u);
  EXPECT_EQ(doc["issuer_keys"][0]["kid"], "issuer-1");
  EXPECT_EQ(doc["issuer_keys"][0]["kty"], "OKP");
  EXPECT_FALSE(doc["issuer_keys"][1].contains("kid"));
  EXPECT_FALSE(doc["issuer_keys"][1].contains("kid_hex"));
  EXPECT_EQ(doc["issuer_keys"][1]["alg"], "ES384");
  EXPECT_EQ(doc["issuer_keys"][2]["kid_hex"], "00fe");

  // The keys load back as a JWKS with the same keys, text kids and algs.
  auto keys = cose::ParseKeySet(AsBytes(nlohmann::json{{"keys", doc["issuer_keys"]}}.dump()));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_TRUE((*keys)[0].key == ed.public_key());
  EXPECT_EQ((*keys)[0].kid, ToBytes("issuer-1"));
  EXPECT_EQ((*keys)[1].alg, Algorithm::kES384);
  EXPECT_TRUE((*keys)[2].key == ec.public_key());
}

}  // namespace
}  // namespace scitt::registration

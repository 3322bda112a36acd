// The EAR parser (draft-ietf-rats-ear) against the attestation results of
// shared/vectors/evidence/ear and its facts.json, as JSON claims-sets (both
// claim dialects), JWT, CBOR claims-sets and CWT, and against broken input.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "cbor/value.h"
#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "support/vectors.h"
#include "vector_checks.h"

namespace scitt::evidence {
namespace {

using nlohmann::json;

// The content types a vector's encoding may come as.
std::vector<std::string_view> ContentTypesOf(const std::string& encoding) {
  if (encoding.starts_with("JWT")) return {kEatJwt};
  if (encoding.starts_with("JSON")) return {kEatUcsJson, kGenericJson};
  return {kEatUcsCbor, kEatCwt};
}

// The policy fact (a string, an array of strings, or null) as the edge's
// "policy" attribute.
std::string PolicyText(const json& policy) {
  if (policy.is_null()) return "<absent>";
  if (policy.is_string()) return policy;
  std::string joined;
  for (const json& id : policy) joined += (joined.empty() ? "" : ",") + id.get<std::string>();
  return joined;
}

std::string EdgeAttribute(const Edge* edge, const std::string& key) {
  if (edge == nullptr) return "<no edge>";
  const auto it = edge->attributes.find(key);
  return it == edge->attributes.end() ? "<absent>" : it->second;
}

void CheckEar(const EvidenceDocument& document, const json& facts) {
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  EXPECT_EQ(document.format, DocumentFormat::kEar);
  EXPECT_EQ(document.spec_version, facts["spec_version"]);
  EXPECT_EQ(document.spec_version, facts["eat_profile"]);

  const json& verifier_id = facts["verifier_id"];
  ASSERT_EQ(facts["subject"]["verifier"], verifier_id);
  const std::string verifier = verifier_id["developer"];
  ASSERT_NE(graph.Find(verifier), nullptr);
  EXPECT_EQ(graph.Find(verifier)->kind, NodeKind::kIssuer);
  EXPECT_EQ(graph.Attribute(verifier, "developer"), verifier_id["developer"]);
  EXPECT_EQ(graph.Attribute(verifier, "build"), verifier_id["build"]);

  const json& counts = facts["counts"];
  EXPECT_EQ(graph.Declared("submods"), counts["submods"]);
  EXPECT_EQ(graph.Edges(EdgeKind::kAttestedBy).size(), counts["submods"]);
  EXPECT_EQ(graph.Sources(EdgeKind::kAttestedBy, verifier).size(),
            facts["subject"]["submods"].size());
  std::map<std::string, uint64_t> by_status;
  for (const Edge* edge : graph.Edges(EdgeKind::kAttestedBy))
    ++by_status[edge->attributes.at("status")];
  EXPECT_EQ(json(by_status), counts["submods_by_status"]);

  for (const auto& [name, submod] : facts["submods"].items()) {
    SCOPED_TRACE("submod " + name);
    const std::string id = "ear:" + name;
    ASSERT_NE(graph.Find(id), nullptr);
    EXPECT_EQ(graph.Find(id)->kind, NodeKind::kArtifact);
    EXPECT_EQ(graph.Attribute(id, "submod"), name);
    const Edge* edge = graph.FindEdge(EdgeKind::kAttestedBy, id, verifier);
    ASSERT_NE(edge, nullptr);
    EXPECT_EQ(EdgeAttribute(edge, "status"), submod["status"]);
    EXPECT_EQ(EdgeAttribute(edge, "submod"), name);
    EXPECT_EQ(EdgeAttribute(edge, "policy"), PolicyText(submod["appraisal_policy"]));
    EXPECT_EQ(EdgeAttribute(edge, "iat"), std::to_string(facts["iat"].get<int64_t>()));
    EXPECT_EQ(EdgeAttribute(edge, "verifier_build"), verifier_id["build"]);
    size_t trust = 0;
    for (const auto& [key, value] : edge->attributes) trust += key.starts_with("trust.");
    const json& vector = submod["trustworthiness_vector"];
    EXPECT_EQ(trust, vector.is_null() ? 0 : vector.size());
    if (vector.is_object()) {
      for (const auto& [claim, value] : vector.items()) {
        EXPECT_EQ(EdgeAttribute(edge, "trust." + claim), std::to_string(value.get<int>()));
      }
    }
  }

  for (const json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    const std::string kind = check["check"];
    if (kind == "ear_status") {
      const Edge* edge = graph.FindEdge(EdgeKind::kAttestedBy,
                                        "ear:" + check["submod"].get<std::string>(), verifier);
      EXPECT_EQ(EdgeAttribute(edge, "status") == check["status"], check["expected"]);
    } else if (kind == "ear_trust_claim") {
      const Edge* edge = graph.FindEdge(EdgeKind::kAttestedBy,
                                        "ear:" + check["submod"].get<std::string>(), verifier);
      EXPECT_EQ(EdgeAttribute(edge, "trust." + check["claim"].get<std::string>()) ==
                    std::to_string(check["value"].get<int>()),
                check["expected"]);
    } else if (kind == "ear_verifier") {
      EXPECT_EQ(graph.Attribute(check["developer"], "build") == check["build"], check["expected"]);
    } else {
      ADD_FAILURE() << "unknown check " << kind;
    }
  }
}

TEST(EvidenceEar, EveryResultMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/ear/facts.json");
  size_t checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    if (fact["format"] != "EAR") continue;
    for (const std::string_view type : ContentTypesOf(fact["encoding"])) {
      SCOPED_TRACE("ear/" + file + " as " + std::string(type));
      auto parsed = ParseVector("ear", file, type);
      ASSERT_TRUE(parsed.ok()) << parsed.error().message;
      CheckEar(*parsed, fact);
      const bool jwt = type == kEatJwt;
      EXPECT_EQ(parsed->container, jwt ? "jws" : "");
      if (jwt) {
        const std::string developer = fact["verifier_id"]["developer"];
        EXPECT_EQ(GraphView(*parsed).Attribute(developer, "signature.alg"),
                  fact["jws_header"]["alg"]);
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 6u);
}

// Nodes and edges of two graphs, but for the signature attributes.
void ExpectSameGraph(const EvidenceDocument& a, const EvidenceDocument& b) {
  const auto unsigned_nodes = [](const EvidenceDocument& document) {
    std::vector<Node> nodes = document.nodes;
    for (Node& node : nodes)
      std::erase_if(node.attributes,
                    [](const auto& entry) { return entry.first.starts_with("signature."); });
    return nodes;
  };
  const std::vector<Node> a_nodes = unsigned_nodes(a), b_nodes = unsigned_nodes(b);
  ASSERT_EQ(a_nodes.size(), b_nodes.size());
  for (size_t i = 0; i < a_nodes.size(); ++i) {
    EXPECT_EQ(a_nodes[i].id, b_nodes[i].id);
    EXPECT_EQ(a_nodes[i].kind, b_nodes[i].kind);
    EXPECT_EQ(a_nodes[i].attributes, b_nodes[i].attributes);
  }
  ASSERT_EQ(a.edges.size(), b.edges.size());
  for (size_t i = 0; i < a.edges.size(); ++i) {
    EXPECT_EQ(a.edges[i].kind, b.edges[i].kind);
    EXPECT_EQ(a.edges[i].from, b.edges[i].from);
    EXPECT_EQ(a.edges[i].to, b.edges[i].to);
    EXPECT_EQ(a.edges[i].attributes, b.edges[i].attributes);
  }
  EXPECT_EQ(a.declared, b.declared);
  EXPECT_EQ(a.spec_version, b.spec_version);
}

TEST(EvidenceEar, JwtAndItsClaimsFileGiveTheSameGraph) {
  auto jwt = ParseVector("ear", "veraison-arc-test.jwt", kEatJwt);
  auto claims = ParseVector("ear", "veraison-ear-claims-tv-ok.json", kEatUcsJson);
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  ExpectSameGraph(*jwt, *claims);
  // The claims the JWT signs are exactly the claims file's.
  const std::string token = ToString(testing::ReadVector("evidence/ear/veraison-arc-test.jwt"));
  const size_t first = token.find('.'), second = token.find('.', first + 1);
  const auto payload = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(json::parse(*payload),
            testing::ReadJsonVector("evidence/ear/veraison-ear-claims-tv-ok.json"));
  const auto signature = Base64UrlDecode(token.substr(second + 1));
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(signature->size(),
            testing::ReadJsonVector(
                "evidence/ear/facts.json")["veraison-arc-test.jwt"]["signature_bytes"]);
}

// The draft's JSON and CBOR examples are the same appraisal.
TEST(EvidenceEar, DraftJsonAndCborGiveTheSameGraph) {
  auto from_json = ParseVector("ear", "draft-ear-json-1.json", kEatUcsJson);
  auto from_cbor = ParseVector("ear", "draft-ear-cbor-1.cbor", kEatUcsCbor);
  ASSERT_TRUE(from_json.ok()) << from_json.error().message;
  ASSERT_TRUE(from_cbor.ok()) << from_cbor.error().message;
  ExpectSameGraph(*from_json, *from_cbor);
}

// [<< {1: -7} >>, {4: h'6b31'}, payload, 64 zero bytes]
Bytes Sign1(const Bytes& payload) {
  const Bytes protected_header = testing::Hex("a10126");
  const Bytes unprotected_header = testing::Hex("a104426b31");
  return Concat({Head(4, 4), Head(2, protected_header.size()), protected_header, unprotected_header,
                 Head(2, payload.size()), payload, Head(2, 64), Bytes(64, 0)});
}

TEST(EvidenceEar, CwtAndUccsGiveTheClaimsGraph) {
  const Bytes claims = testing::ReadVector("evidence/ear/draft-ear-cbor-1.cbor");
  auto bare = Parse(kEatUcsCbor, claims);
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  const json facts = testing::ReadJsonVector("evidence/ear/facts.json")["draft-ear-cbor-1.cbor"];
  EXPECT_EQ(bare->container, "");
  const Bytes uccs = Concat({Head(6, 601), claims});
  const Bytes cwt = Sign1(claims);
  for (const Bytes& form : {uccs, cwt, Concat({Head(6, 18), cwt}),
                            Concat({Head(6, 61), Head(6, 18), cwt}), Concat({Head(6, 61), cwt})}) {
    auto parsed = Parse(kEatCwt, form);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    CheckEar(*parsed, facts);
    ExpectSameGraph(*parsed, *bare);
    const bool is_signed = form.size() > uccs.size();
    EXPECT_EQ(parsed->container, is_signed ? "cose-sign1" : "");
    const GraphView graph(*parsed);
    EXPECT_EQ(graph.Attribute("https://veraison-project.org", "signature.alg"),
              is_signed ? "-7" : "<absent>");
    EXPECT_EQ(graph.Attribute("https://veraison-project.org", "signature.kid"),
              is_signed ? "6b31" : "<absent>");
  }
}

TEST(EvidenceEar, ShapeNeedsProfileAndSubmods) {
  json claims = testing::ReadJsonVector("evidence/ear/veraison-ear-claims-tv-ok.json");
  claims.erase("eat_profile");
  auto parsed = Parse(kGenericJson, AsBytes(claims.dump()));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(parsed.error().message.find("no known evidence format"), std::string::npos);
  parsed = Parse(kGenericJson, AsBytes(R"({"ear.status": "affirming"})"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported);
}

// --- bad input --------------------------------------------------------------

void ExpectRefused(std::string_view type, ByteView document, ErrorCode code,
                   const std::string& mention) {
  auto parsed = Parse(type, document);
  ASSERT_FALSE(parsed.ok()) << ToString(document.first(std::min<size_t>(200, document.size())));
  EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(mention), std::string::npos) << parsed.error().message;
}

std::string Jws(const std::string& header, const std::string& payload,
                const std::string& signature) {
  return Base64UrlEncode(AsBytes(header)) + "." + Base64UrlEncode(AsBytes(payload)) + "." +
         Base64UrlEncode(AsBytes(signature));
}

TEST(EvidenceEarBadInput, Jwt) {
  const std::string token = ToString(testing::ReadVector("evidence/ear/veraison-arc-test.jwt"));
  const std::string claims =
      ToString(testing::ReadVector("evidence/ear/veraison-ear-claims-tv-ok.json"));
  const std::string two_parts = token.substr(0, token.rfind('.'));
  ExpectRefused(kEatJwt, AsBytes(two_parts), ErrorCode::kMalformed,
                "3 parts separated by '.', not 2");
  ExpectRefused(kEatJwt, AsBytes(token + ".x.y"), ErrorCode::kUnsupported, "JWE");
  ExpectRefused(kEatJwt, AsBytes(token + ".x.y.z.w"), ErrorCode::kMalformed, "not more than 5");
  ExpectRefused(kEatJwt, AsBytes(""), ErrorCode::kMalformed, "not 1");
  ExpectRefused(kEatJwt, AsBytes("e!J." + token.substr(token.find('.') + 1)), ErrorCode::kMalformed,
                "JWS header is not base64url");
  ExpectRefused(kEatJwt, AsBytes(token.substr(0, token.rfind('.')) + ".@@"), ErrorCode::kMalformed,
                "JWS signature is not base64url");
  ExpectRefused(kEatJwt, AsBytes(Jws("{\"alg\":", claims, "s")), ErrorCode::kMalformed,
                "EAR: JWS header");
  ExpectRefused(kEatJwt, AsBytes(Jws("[]", claims, "s")), ErrorCode::kInvalidArgument,
                "JWS header must be an object");
  ExpectRefused(kEatJwt, AsBytes(Jws("{}", claims, "s")), ErrorCode::kInvalidArgument,
                "alg is missing");
  ExpectRefused(kEatJwt, AsBytes(Jws(R"({"alg":"none"})", claims, "")), ErrorCode::kUnsupported,
                "alg \"none\"");
  ExpectRefused(kEatJwt, AsBytes(Jws(R"({"alg":"NONE"})", claims, "")), ErrorCode::kUnsupported,
                "alg \"none\"");
  ExpectRefused(kEatJwt, AsBytes(Jws(R"({"alg":"ES256","b64":false})", claims, "s")),
                ErrorCode::kUnsupported, "b64");
  ExpectRefused(kEatJwt, AsBytes(Jws(R"({"alg":"ES256"})", claims, "")),
                ErrorCode::kInvalidArgument, "signature is empty");
  ExpectRefused(kEatJwt, AsBytes(Jws(R"({"alg":"ES256"})", claims.substr(0, 100), "s")),
                ErrorCode::kMalformed, "EAR: JWS payload");
  ExpectRefused(kEatJwt, AsBytes(Jws(R"({"alg":"ES256","kid":7})", claims, "s")),
                ErrorCode::kInvalidArgument, "kid must be a string");
  // A signed JWT with a newline after it, as files have, is read.
  EXPECT_TRUE(Parse(kEatJwt, AsBytes(token + "\n")).ok());
}

// The tv-ok claims with `edit` applied.
std::string ClaimsWith(const std::function<void(json&)>& edit) {
  json claims = testing::ReadJsonVector("evidence/ear/veraison-ear-claims-tv-ok.json");
  edit(claims);
  return claims.dump();
}

TEST(EvidenceEarBadInput, JsonClaims) {
  const auto refused = [](const std::function<void(json&)>& edit, ErrorCode code,
                          const std::string& mention) {
    ExpectRefused(kEatUcsJson, AsBytes(ClaimsWith(edit)), code, mention);
  };
  const Bytes bytes = testing::ReadVector("evidence/ear/veraison-ear-claims-tv-ok.json");
  ExpectRefused(kEatUcsJson, ByteView(bytes).first(bytes.size() / 2), ErrorCode::kMalformed,
                "not valid JSON");
  ExpectRefused(kEatUcsJson, AsBytes("[]"), ErrorCode::kInvalidArgument,
                "claims-set must be an object");
  refused([](json& c) { c["eat_profile"] = "tag:example.com,2024:other"; }, ErrorCode::kUnsupported,
          "is not an EAR profile");
  refused([](json& c) { c["eat_profile"] = 3; }, ErrorCode::kInvalidArgument,
          "EAR.eat_profile must be a string");
  refused([](json& c) { c["iat"] = 1666091373.5; }, ErrorCode::kInvalidArgument,
          "iat must be an integer");
  refused([](json& c) { c.erase("iat"); }, ErrorCode::kInvalidArgument, "iat is missing");
  refused([](json& c) { c.erase("ear.verifier-id"); }, ErrorCode::kInvalidArgument,
          "ear_verifier_id is missing");
  refused([](json& c) { c["ear.verifier-id"].erase("build"); }, ErrorCode::kInvalidArgument,
          "ear_verifier_id.build is missing");
  refused([](json& c) { c["ear_verifier_id"] = c["ear.verifier-id"]; }, ErrorCode::kInvalidArgument,
          "has both ear_verifier_id and ear.verifier-id");
  refused([](json& c) { c["submods"] = json::object(); }, ErrorCode::kInvalidArgument,
          "submods is missing or empty");
  refused([](json& c) { c["submods"] = json::array(); }, ErrorCode::kInvalidArgument,
          "submods must be an object");
  refused([](json& c) { c["submods"]["test"]["ear.status"] = "good"; }, ErrorCode::kInvalidArgument,
          "submods.test.ear_status must be none, affirming, warning or contraindicated");
  refused([](json& c) { c["submods"]["test"].erase("ear.status"); }, ErrorCode::kInvalidArgument,
          "submods.test.ear_status is missing");
  refused([](json& c) { c["submods"]["test"]["ear_status"] = "none"; }, ErrorCode::kInvalidArgument,
          "submods.test has both ear_status and ear.status");
  refused([](json& c) { c["submods"]["test"]["ear.appraisal-policy-id"] = 1; },
          ErrorCode::kInvalidArgument,
          "ear_appraisal_policy_ids must be a string or an array of strings");
  refused(
      [](json& c) {
        c["submods"]["test"]["ear.appraisal-policy-id"] = json::array({"a", 1});
      },
      ErrorCode::kInvalidArgument, "ear_appraisal_policy_ids[1] must be a string");
  refused([](json& c) { c["submods"]["test"]["ear.trustworthiness-vector"]["hardware"] = 200; },
          ErrorCode::kInvalidArgument,
          "ear_trustworthiness_vector.hardware must be an integer from -128 to 127");
  refused([](json& c) { c["submods"]["test"]["ear.trustworthiness-vector"] = "good"; },
          ErrorCode::kInvalidArgument, "ear_trustworthiness_vector must be an object");
  refused([](json& c) { c["submods"]["test"] = 2; }, ErrorCode::kInvalidArgument,
          "submods.test must be an object");
  // Status as the tier value, a policy id array in the dotted dialect: read.
  auto parsed = Parse(kEatUcsJson, AsBytes(ClaimsWith([](json& c) {
                        c["submods"]["test"]["ear.status"] = 32;
                        c["submods"]["test"]["ear.appraisal-policy-id"] = json::array({"p1", "p2"});
                      })));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Edge* edge = GraphView(*parsed).FindEdge(EdgeKind::kAttestedBy, "ear:test", "Acme Inc.");
  EXPECT_EQ(EdgeAttribute(edge, "status"), "warning");
  EXPECT_EQ(EdgeAttribute(edge, "policy"), "p1,p2");
}

// The draft's CBOR claims with `edit` applied to the decoded map.
Bytes CborClaimsWith(const std::function<void(cbor::Map&)>& edit) {
  static const Bytes bytes = testing::ReadVector("evidence/ear/draft-ear-cbor-1.cbor");
  auto claims = cbor::Decode(bytes);
  EXPECT_TRUE(claims.ok());
  edit(claims->map());
  return cbor::Encode(*claims);
}
// The value of `label` in `map`, added as null when absent.
cbor::Value& At(cbor::Map& map, int64_t label) {
  for (auto& [key, value] : map) {
    if (key.AsInt64() == label) return value;
  }
  map.emplace_back(cbor::Value::Int(label), cbor::Value());
  return map.back().second;
}
cbor::Map& Psa(cbor::Map& claims) {
  return At(claims, 266).map().front().second.map();
}

TEST(EvidenceEarBadInput, CborClaims) {
  using cbor::Value;
  const auto refused = [](const std::function<void(cbor::Map&)>& edit, ErrorCode code,
                          const std::string& mention) {
    ExpectRefused(kEatUcsCbor, CborClaimsWith(edit), code, mention);
  };
  const Bytes bytes = testing::ReadVector("evidence/ear/draft-ear-cbor-1.cbor");
  for (size_t size = 0; size < bytes.size(); size += 5) {
    ExpectRefused(kEatCwt, ByteView(bytes).first(size), ErrorCode::kMalformed, "EAR: CBOR");
  }
  ExpectRefused(kEatCwt, AsBytes(R"({"eat_profile": "x"})"), ErrorCode::kMalformed, "EAR: CBOR");
  Bytes deep(70, 0x81);
  deep.push_back(0);
  ExpectRefused(kEatCwt, deep, ErrorCode::kMalformed, "max_depth");
  ExpectRefused(kEatCwt, Concat({Head(2, uint64_t{1} << 40), Bytes(8, 0)}), ErrorCode::kMalformed,
                "CBOR");
  ExpectRefused(kEatCwt, cbor::Encode(Value::Text("ear")), ErrorCode::kInvalidArgument,
                "must be a claims-set map or a COSE_Sign1, not a text string");
  ExpectRefused(kEatCwt, Concat({Head(6, 17), Sign1(bytes)}), ErrorCode::kUnsupported, "tag 17");
  ExpectRefused(kEatCwt, Sign1(Sign1(bytes)), ErrorCode::kInvalidArgument,
                "the claims-set must be a map");
  refused([](cbor::Map& c) { c.emplace_back(Value::ByteString(Bytes{1}), Value::Int(1)); },
          ErrorCode::kInvalidArgument,
          "EAR: the claims-set: a map key must be an integer or a text string");
  refused([](cbor::Map& c) { At(c, 265) = Value::Text("tag:example.com,2024:x"); },
          ErrorCode::kUnsupported, "is not an EAR profile");
  refused(
      [](cbor::Map& c) {
        At(c, 265) = Value::ByteString(Bytes{0x2b, 6});
      },
      ErrorCode::kInvalidArgument, "eat_profile (265) must be a text string");
  refused([](cbor::Map& c) { At(c, 6) = Value::Float(1.5); }, ErrorCode::kInvalidArgument,
          "iat (6) must be a 64-bit integer, not a float");
  refused([](cbor::Map& c) { At(c, 1004) = Value::FromMap({}); }, ErrorCode::kInvalidArgument,
          "developer (0) is missing");
  refused([](cbor::Map& c) { At(c, 266) = Value::FromMap({}); }, ErrorCode::kInvalidArgument,
          "submods (266) is empty");
  refused([](cbor::Map& c) { At(c, 266) = Value::FromMap({cbor::Entry(1, Value::FromMap({}))}); },
          ErrorCode::kInvalidArgument, "a submod name must be a text string");
  refused([](cbor::Map& c) { At(Psa(c), 1000) = Value::Int(5); }, ErrorCode::kInvalidArgument,
          "submods.PSA.ear_status (1000) must be 0, 2, 32 or 96");
  refused([](cbor::Map& c) { At(Psa(c), 1000) = Value::Text("affirming"); },
          ErrorCode::kInvalidArgument, "submods.PSA.ear_status (1000) must be a 64-bit integer");
  refused([](cbor::Map& c) { At(At(Psa(c), 1001).map(), 2) = Value::Int(-129); },
          ErrorCode::kInvalidArgument,
          "ear_trustworthiness_vector (1001).executables must be an integer from -128");
  refused([](cbor::Map& c) { At(Psa(c), 1003) = Value::FromArray({Value::Int(1)}); },
          ErrorCode::kInvalidArgument,
          "ear_appraisal_policy_ids (1003) must be a text string or an array");
  // A policy id as one text string (veraison) is read as a list of one.
  auto parsed =
      Parse(kEatUcsCbor,
            CborClaimsWith([](cbor::Map& c) { At(Psa(c), 1003) = Value::Text("policy://one"); }));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(EdgeAttribute(GraphView(*parsed).FindEdge(EdgeKind::kAttestedBy, "ear:PSA",
                                                      "https://veraison-project.org"),
                          "policy"),
            "policy://one");
}

}  // namespace
}  // namespace scitt::evidence

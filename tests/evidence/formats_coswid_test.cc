// The CoSWID parser (RFC 9393) against the tags of shared/vectors/evidence/
// coswid and its facts.json, in every accepted form (bare, tagged, file
// form, COSE_Sign1), and against broken input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/text.h"
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

// The entities' roles once each, in order (uSWID lists maintainer twice).
std::string Roles(const json& roles) {
  std::vector<std::string> once;
  for (const json& role : roles) {
    if (std::find(once.begin(), once.end(), role.get<std::string>()) == once.end()) {
      once.push_back(role.get<std::string>());
    }
  }
  std::string joined;
  for (const std::string& role : once) joined += (joined.empty() ? "" : ",") + role;
  return joined;
}

// A subject fact as the attribute text: null = absent, true/false, numbers
// in decimal, strings as written.
std::string AttributeText(const json& fact) {
  if (fact.is_null()) return "<absent>";
  if (fact.is_boolean()) return fact.get<bool>() ? "true" : "false";
  if (fact.is_number_integer()) return std::to_string(fact.get<int64_t>());
  return fact.get<std::string>();
}

const Node* FileNamed(const EvidenceDocument& document, const std::string& name) {
  for (const Node& node : document.nodes) {
    if (node.kind == NodeKind::kFile && node.attributes.at("name") == name) return &node;
  }
  return nullptr;
}

// The edge a link must give, as SWID XML gives it for the same link
// (formats_swid_test.cc): component and parent contain, requires and
// patches depend, supplemental describes, anything else links to.
const Edge* LinkEdge(const GraphView& graph, const std::string& software, const std::string& rel,
                     const std::string& href) {
  if (rel == "component") return graph.FindEdge(EdgeKind::kContains, software, href);
  if (rel == "parent") return graph.FindEdge(EdgeKind::kContains, href, software);
  if (rel == "requires" || rel == "patches") return graph.FindEdge(EdgeKind::kDependsOn, software, href);
  if (rel == "supplemental") return graph.FindEdge(EdgeKind::kDescribes, std::string(kThisDocument), href);
  return graph.FindEdge(EdgeKind::kLinksTo, software, href);
}

void CheckCoSwid(const EvidenceDocument& document, const json& facts) {
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  EXPECT_EQ(document.format, DocumentFormat::kCoSwid);
  EXPECT_EQ(document.spec_version, facts["spec_version"]);

  const json& subject = facts["subject"];
  const std::string software = "swid:" + subject["tag_id"].get<std::string>();
  EXPECT_EQ(graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument)),
            std::set<std::string>{software});
  ASSERT_NE(graph.Find(software), nullptr);
  EXPECT_EQ(graph.Find(software)->kind, NodeKind::kPackage);
  EXPECT_EQ(graph.Attribute(software, "tag_id"), subject["tag_id"]);
  EXPECT_EQ(graph.Attribute(software, "name"), subject["software_name"]);
  EXPECT_EQ(graph.Attribute(software, "version"), AttributeText(subject["software_version"]));
  EXPECT_EQ(graph.Attribute(software, "tag_version"), AttributeText(subject["tag_version"]));
  EXPECT_EQ(graph.Attribute(software, "version_scheme"), AttributeText(subject["version_scheme"]));
  EXPECT_EQ(graph.Attribute(software, "lang"), AttributeText(subject["lang"]));
  for (const char* flag : {"corpus", "patch", "supplemental"}) {
    EXPECT_EQ(graph.Attribute(software, flag), AttributeText(subject[flag])) << flag;
  }

  const json& counts = facts["counts"];
  EXPECT_EQ(graph.Declared("entities"), counts["entities"]);
  EXPECT_EQ(graph.Declared("links"), counts["links"]);
  EXPECT_EQ(graph.Declared("software_meta"), counts["software_meta"]);
  EXPECT_EQ(graph.Declared("files"), counts["files"]);

  for (const json& entity : facts["entities"]) {
    const std::string id = entity["regid"].is_string() ? entity["regid"] : entity["name"];
    SCOPED_TRACE("entity " + id);
    ASSERT_NE(graph.Find(id), nullptr);
    EXPECT_EQ(graph.Find(id)->kind, NodeKind::kIssuer);
    EXPECT_EQ(graph.Attribute(id, "name"), AttributeText(entity["name"]));
    EXPECT_EQ(graph.Attribute(id, "regid"), AttributeText(entity["regid"]));
    EXPECT_EQ(graph.Attribute(id, "roles"), Roles(entity["roles"]));
  }

  size_t link_edges = 0;
  for (const Edge& edge : document.edges) link_edges += edge.attributes.contains("rel");
  EXPECT_EQ(link_edges, facts["links"].size());
  for (const json& link : facts["links"]) {
    const std::string rel = link["rel"], href = link["href"];
    const Edge* edge = LinkEdge(graph, software, rel, href);
    ASSERT_NE(edge, nullptr) << rel << " " << href;
    EXPECT_EQ(edge->attributes.at("rel"), rel);
    EXPECT_EQ(edge->attributes.at("href"), href);
  }

  for (const json& meta : facts["software_meta"]) {
    for (const auto& [item, value] : meta.items()) {
      std::string attribute = "meta." + item;
      std::replace(attribute.begin(), attribute.end(), '-', '_');
      EXPECT_EQ(graph.Attribute(software, attribute), value.get<std::string>());
    }
  }

  const auto contained = graph.Targets(EdgeKind::kContains, software);
  size_t file_nodes = 0;
  for (const Node& node : document.nodes) file_nodes += node.kind == NodeKind::kFile;
  EXPECT_EQ(file_nodes, facts["files"].size());
  for (const json& file : facts["files"]) {
    const Node* found = FileNamed(document, file["name"]);
    ASSERT_NE(found, nullptr) << file["name"];
    EXPECT_TRUE(contained.contains(found->id));
    EXPECT_EQ(graph.Attribute(found->id, "size"), AttributeText(file["size"]));
    if (file.contains("hash")) {
      ASSERT_EQ(file["hash"]["alg"], "sha-256");
      EXPECT_EQ(graph.Attribute(found->id, "digest.sha256"), file["hash"]["value"]);
    }
  }

  if (facts.contains("evidence")) {
    const json& evidence = facts["evidence"];
    EXPECT_EQ(graph.Attribute(software, "evidence.device_id"), evidence["device-id"]);
    EXPECT_EQ(graph.Attribute(software, "evidence.date"),
              FormatUtc(static_cast<int64_t>(std::floor(evidence["date"].get<double>()))));
  }

  // The spot checks restate the facts above; each is met by the graph.
  for (const json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    const std::string kind = check["check"];
    if (kind == "coswid_identity") {
      EXPECT_EQ(graph.Attribute("swid:" + check["tag_id"].get<std::string>(), "name"),
                check["software_name"]);
    } else if (kind == "entity_role") {
      EXPECT_EQ(graph.Attribute(check["regid"], "roles"), Roles(check["roles"]));
    } else if (kind == "link") {
      EXPECT_NE(LinkEdge(graph, software, check["rel"], check["href"]), nullptr);
    } else if (kind == "file_hash") {
      const Node* file = FileNamed(document, check["file"]);
      ASSERT_NE(file, nullptr);
      EXPECT_TRUE(contained.contains(file->id));
      EXPECT_EQ(graph.Attribute(file->id, "size"), AttributeText(check["size"]));
      EXPECT_EQ(graph.Attribute(file->id, "digest.sha256"), check["hash"]["value"]);
    } else {
      ADD_FAILURE() << "unknown check " << kind;
    }
  }
}

constexpr const char* kRimFile = "hirs-coswid_rim_1.coswid";

TEST(EvidenceCoSwid, EveryTagMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/coswid/facts.json");
  ASSERT_EQ(facts.size(), 4u);
  for (const auto& [file, fact] : facts.items()) {
    if (file == kRimFile) continue;  // DuplicateKeysAreRefused
    SCOPED_TRACE("coswid/" + file);
    ASSERT_TRUE(fact["outer_tags"].empty());
    auto parsed = ParseVector("coswid", file, kCoSwidCbor);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->container, "");
    CheckCoSwid(*parsed, fact);
  }
}

// The HIRS RIM repeats two map keys (patch: true then false; persistent-id
// twice), which makes it invalid CBOR (RFC 8949 §5.6: "a map with duplicate
// keys … is not valid"); like a JSON object repeating a key, it is refused,
// since two readers could take different values. The facts (computed with
// cbor2, where the last value wins) are met by the tag without the first of
// each pair: its file form, indefinite-length maps, text tag-version and
// file hash are then read as the facts say.
Bytes WithoutFirstOfDuplicates(Bytes bytes) {
  const auto erase = [&bytes](const Bytes& pattern, size_t count) {
    const auto at = std::search(bytes.begin(), bytes.end(), pattern.begin(), pattern.end());
    EXPECT_NE(at, bytes.end());
    if (at != bytes.end()) bytes.erase(at, at + count);
  };
  erase({0x09, 0xf5, 0x09, 0xf4}, 2);         // patch: true, before patch: false
  erase({0x18, 0x33, 0x78, 0x29}, 4 + 0x29);  // persistent-id: "https://…/info"
  // The byte string's head: 0x59 0x01a3 (419 bytes) is now 47 bytes shorter.
  EXPECT_EQ(bytes[5], 0x59);
  EXPECT_EQ((bytes[6] << 8) | bytes[7], 0x1a3);
  bytes[6] = (0x1a3 - 47) >> 8;
  bytes[7] = (0x1a3 - 47) & 0xff;
  return bytes;
}

TEST(EvidenceCoSwid, DuplicateKeysAreRefused) {
  auto parsed = ParseVector("coswid", kRimFile, kCoSwidCbor);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kMalformed);
  EXPECT_NE(parsed.error().message.find("duplicate map key"), std::string::npos)
      << parsed.error().message;
}

TEST(EvidenceCoSwid, FileFormWithoutDuplicatesMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/coswid/facts.json")[kRimFile];
  ASSERT_EQ(facts["outer_tags"], json::parse(R"([1398229316, "bstr"])"));
  const Bytes bytes =
      WithoutFirstOfDuplicates(testing::ReadVector("evidence/coswid/" + std::string(kRimFile)));
  auto parsed = Parse(kCoSwidCbor, bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  CheckCoSwid(*parsed, facts);
}

// --- every accepted form gives the same graph ------------------------------

// COSE_Sign1 [<< {1: -7, 4: h'6b31'} >>, {}, payload, 64 zero bytes].
Bytes Sign1(const Bytes& payload, bool tagged) {
  const Bytes protected_header = testing::Hex(
      "a201260442"
      "6b31");
  return Concat({tagged ? Head(6, 18) : Bytes{}, Head(4, 4), Head(2, protected_header.size()),
                 protected_header, Head(5, 0), Head(2, payload.size()), payload, Head(2, 64),
                 Bytes(64, 0)});
}

TEST(EvidenceCoSwid, EveryFormGivesTheSameGraph) {
  const std::string file = "uswid-dell-xps13-AhciRecovery.coswid";
  const json facts = testing::ReadJsonVector("evidence/coswid/facts.json")[file];
  const Bytes map = testing::ReadVector("evidence/coswid/" + file);
  const Bytes tagged = Concat({Head(6, 1398229316), map});
  const Bytes file_form = Concat({Head(6, 1398229316), Head(2, map.size()), map});
  const auto bare = Parse(kCoSwidCbor, map);
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  for (const Bytes& form : {tagged, file_form, Sign1(map, true), Sign1(file_form, false)}) {
    auto parsed = Parse(kCoSwidCbor, form);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    CheckCoSwid(*parsed, facts);
    EXPECT_EQ(parsed->nodes.size(), bare->nodes.size());
    EXPECT_EQ(parsed->edges.size(), bare->edges.size());
    const std::string software = "swid:0546a8bc-f0d3-59c1-a9fe-5ec84b0210f7";
    const GraphView graph(*parsed);
    const bool is_signed = form.size() > file_form.size();
    EXPECT_EQ(parsed->container, is_signed ? "cose-sign1" : "");
    EXPECT_EQ(graph.Attribute(software, "signature.alg"), is_signed ? "-7" : "<absent>");
    EXPECT_EQ(graph.Attribute(software, "signature.kid"), is_signed ? "6b31" : "<absent>");
  }
}

// A tag with a directory holding path-elements, files at both levels, a
// "swid:" link and links of each edge kind.
TEST(EvidenceCoSwid, DirectoriesPathElementsAndLinks) {
  using cbor::Entry;
  using cbor::Value;
  const Value hash = Value::FromArray({Value::Int(1), Value::ByteString(Bytes(32, 0xab))});
  const Value inner = Value::FromMap(
      {Entry(24, Value::Text("lib")),
       Entry(26, Value::FromMap({Entry(
                     17, Value::FromMap({Entry(24, Value::Text("a.so")), Entry(7, hash)}))}))});
  const Value tag = Value::FromMap({
      Entry(0, Value::Text("example.com-app-1.0")),
      Entry(1, Value::Text("app")),
      Entry(12, Value::Int(3)),
      Entry(2, Value::FromMap({Entry(31, Value::Text("Example")), Entry(33, Value::Int(1))})),
      Entry(4, Value::FromArray({
                   Value::FromMap({Entry(38, Value::Text("swid:example.com-lib-2.0")),
                                   Entry(40, Value::Int(2))}),
                   Value::FromMap({Entry(38, Value::Text("swid:example.com-rt-3.0")),
                                   Entry(40, Value::Int(8))}),
                   Value::FromMap({Entry(38, Value::Text("https://example.com/old")),
                                   Entry(40, Value::Text("supersedes"))}),
               })),
      Entry(6,
            Value::FromMap({Entry(16, Value::FromMap({
                                          Entry(24, Value::Text("opt")),
                                          Entry(17, Value::FromMap({Entry(24, Value::Text("app")),
                                                                    Entry(20, Value::Int(10))})),
                                          Entry(26, Value::FromMap({Entry(16, inner)})),
                                      }))})),
  });
  auto parsed = Parse(kCoSwidCbor, cbor::Encode(tag));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ExpectEdgesJoinNodes(*parsed);
  const GraphView graph(*parsed);
  const std::string software = "swid:example.com-app-1.0";
  EXPECT_EQ(graph.Attribute(software, "tag_version"), "3");
  EXPECT_EQ(graph.Attribute("Example", "roles"), "tag-creator");
  EXPECT_EQ(graph.Targets(EdgeKind::kContains, software),
            (std::set<std::string>{"swid:example.com-lib-2.0", "ref:opt/app", "ref:opt/lib/a.so"}));
  std::string ab;
  for (int i = 0; i < 32; ++i) ab += "ab";
  EXPECT_EQ(graph.Attribute("ref:opt/lib/a.so", "digest.sha256"), ab);
  EXPECT_EQ(graph.Attribute("ref:opt/lib/a.so", "path"),
            "payload.directory[0].path-elements.directory[0].path-elements.file[0]");
  EXPECT_EQ(graph.Attribute("ref:opt/app", "size"), "10");
  EXPECT_EQ(graph.Targets(EdgeKind::kDependsOn, software),
            std::set<std::string>{"swid:example.com-rt-3.0"});
  EXPECT_EQ(graph.Find("swid:example.com-rt-3.0")->kind, NodeKind::kPackage);
  const Edge* supersedes = graph.FindEdge(EdgeKind::kLinksTo, software, "https://example.com/old");
  ASSERT_NE(supersedes, nullptr);
  EXPECT_EQ(supersedes->attributes.at("rel"), "supersedes");
  EXPECT_EQ(graph.Find("https://example.com/old")->kind, NodeKind::kArtifact);
  EXPECT_EQ(graph.Declared("files"), 2u);
}

// --- bad input --------------------------------------------------------------

void ExpectRefused(const Bytes& document, ErrorCode code, const std::string& mention) {
  auto parsed = Parse(kCoSwidCbor, document);
  ASSERT_FALSE(parsed.ok()) << HexEncode(
      ByteView(document).first(std::min<size_t>(64, document.size())));
  EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(mention), std::string::npos) << parsed.error().message;
}

// The roadrunner tag with entry `key` set to `value`.
Bytes RoadrunnerWith(int64_t key, cbor::Value value) {
  const Bytes bytes = testing::ReadVector("evidence/coswid/veraison-swid-roadrunner.coswid");
  auto tag = cbor::Decode(bytes);
  EXPECT_TRUE(tag.ok());
  cbor::Map entries;
  for (auto& [k, v] : tag->map()) {
    if (k.AsInt64() != key) entries.emplace_back(k, v);
  }
  entries.emplace_back(cbor::Value::Int(key), std::move(value));
  return cbor::Encode(cbor::Value::FromMap(std::move(entries)));
}

TEST(EvidenceCoSwidBadInput, NotCborOrTruncated) {
  ExpectRefused({}, ErrorCode::kMalformed, "CoSWID: CBOR");
  ExpectRefused(ToBytes(R"({"tag-id": "x"})"), ErrorCode::kMalformed, "CoSWID: CBOR");
  for (const char* file : {"hirs-LVFS_sbom.coswid", "uswid-dell-xps13-AhciRecovery.coswid",
                           "veraison-swid-roadrunner.coswid", kRimFile}) {
    const Bytes bytes = testing::ReadVector("evidence/coswid/" + std::string(file));
    for (size_t size = 0; size < bytes.size(); size += 7) {
      auto parsed = Parse(kCoSwidCbor, ByteView(bytes).first(size));
      ASSERT_FALSE(parsed.ok()) << file << " cut at " << size;
      EXPECT_EQ(parsed.error().code, ErrorCode::kMalformed) << parsed.error().message;
    }
  }
}

TEST(EvidenceCoSwidBadInput, LimitsOfSizeItemsAndDepth) {
  // A byte string claiming 2^40 bytes, a million-and-one items, 65 levels.
  ExpectRefused(Concat({Head(2, uint64_t{1} << 40), Bytes(16, 0)}), ErrorCode::kMalformed, "CBOR");
  ExpectRefused(Concat({Head(4, (1u << 20) + 1), Bytes((1u << 20) + 1, 0)}), ErrorCode::kMalformed,
                "max_items");
  Bytes deep(65, 0x81);
  deep.push_back(0x00);
  ExpectRefused(deep, ErrorCode::kMalformed, "max_depth");
  ExpectRefused(RoadrunnerWith(5, cbor::Value::Encoded(Concat({Bytes(64, 0x81), Bytes{0x00}}))),
                ErrorCode::kMalformed, "max_depth");
  ExpectRefused(Bytes(kMaxDocumentBytes + 1, 0), ErrorCode::kMalformed, "larger than");
}

TEST(EvidenceCoSwidBadInput, WrongTypes) {
  using cbor::Entry;
  using cbor::Value;
  const Bytes bytes = testing::ReadVector("evidence/coswid/veraison-swid-roadrunner.coswid");
  // A map key that is a byte string.
  Bytes bad_key = bytes;
  bad_key[0] = 0xa7;
  Bytes key_and_value = Concat({Head(2, 1), Bytes{0x01}, Head(0, 1)});
  bad_key.insert(bad_key.end(), key_and_value.begin(), key_and_value.end());
  ExpectRefused(bad_key, ErrorCode::kInvalidArgument, "CoSWID: the tag: a map key must be");

  ExpectRefused(
      RoadrunnerWith(
          2, Value::FromArray(
                 {Value::FromMap({Entry(31, Value::Text("a")), Entry(33, Value::Int(1))}),
                  Value::FromMap({Entry(31, Value::Text("b")), Entry(33, Value::FromMap({}))})})),
      ErrorCode::kInvalidArgument, "CoSWID: entity[1].role must be an integer");
  ExpectRefused(RoadrunnerWith(2, Value::FromMap({Entry(33, Value::Int(1))})),
                ErrorCode::kInvalidArgument, "entity[0] has neither entity-name nor reg-id");
  ExpectRefused(RoadrunnerWith(0, Value::ByteString(Bytes(5, 1))), ErrorCode::kInvalidArgument,
                "tag-id must be");
  ExpectRefused(RoadrunnerWith(1, Value::Int(1)), ErrorCode::kInvalidArgument,
                "CoSWID.software-name must be a text string");
  ExpectRefused(RoadrunnerWith(8, Value::Int(1)), ErrorCode::kInvalidArgument,
                "CoSWID.corpus must be true or false");
  ExpectRefused(RoadrunnerWith(12, Value::Float(1.5)), ErrorCode::kInvalidArgument,
                "tag-version must be an integer or a text string");
  ExpectRefused(RoadrunnerWith(4, Value::FromMap({Entry(38, Value::Text("x"))})),
                ErrorCode::kInvalidArgument, "link[0].rel is missing");
  ExpectRefused(
      RoadrunnerWith(
          6,
          Value::FromMap({Entry(
              17, Value::FromMap({Entry(24, Value::Text("f")),
                                  Entry(7, Value::FromArray({Value::Int(1), Value::ByteString(Bytes(
                                                                                31, 0))}))}))})),
      ErrorCode::kInvalidArgument, "payload.file[0].hash: a sha256 digest has 32 bytes, not 31");
  ExpectRefused(
      RoadrunnerWith(6, Value::FromMap({Entry(17, Value::FromMap({Entry(7, Value::Int(1))}))})),
      ErrorCode::kInvalidArgument, "payload.file[0].fs-name is missing");
  ExpectRefused(RoadrunnerWith(3, Value::FromMap({Entry(35, Value::Text("2023-10-18"))})),
                ErrorCode::kInvalidArgument, "evidence.date must be an epoch time");
  ExpectRefused(RoadrunnerWith(3, Value::FromMap({Entry(35, Value::Float(NAN))})),
                ErrorCode::kInvalidArgument, "evidence.date is not a time");
  ExpectRefused(RoadrunnerWith(6, Value::Int(1)), ErrorCode::kInvalidArgument,
                "CoSWID: payload must be a map");
  ExpectRefused(cbor::Encode(Value::Text("tag")), ErrorCode::kInvalidArgument,
                "CoSWID: the tag must be a map");
}

TEST(EvidenceCoSwidBadInput, OtherEnvelopes) {
  const Bytes map = testing::ReadVector("evidence/coswid/veraison-swid-roadrunner.coswid");
  ExpectRefused(Concat({Head(6, 98), Head(4, 4), Head(2, 0), Head(5, 0), Head(2, 0), Head(4, 0)}),
                ErrorCode::kUnsupported, "COSE_Sign (tag 98)");
  ExpectRefused(Concat({Head(6, 99), map}), ErrorCode::kUnsupported, "tag 99");
  ExpectRefused(Concat({Head(6, 1398229316), Head(2, 2), Bytes{0xa1, 0x00}}), ErrorCode::kMalformed,
                "the tagged byte string");
  // Detached payload, a protected header that is not a map, three items.
  ExpectRefused(Concat({Head(4, 4), Head(2, 0), Head(5, 0), Bytes{0xf6}, Head(2, 0)}),
                ErrorCode::kInvalidArgument, "detached");
  ExpectRefused(Concat({Head(4, 4), Head(2, 1), Bytes{0x01}, Head(5, 0), Head(2, map.size()), map,
                        Head(2, 0)}),
                ErrorCode::kInvalidArgument, "protected header must be a map");
  ExpectRefused(Concat({Head(4, 3), Head(2, 0), Head(5, 0), Head(2, 0)}),
                ErrorCode::kInvalidArgument, "array of 4 items");
  // A COSE_Sign1 inside a COSE_Sign1.
  ExpectRefused(Sign1(Sign1(map, true), true), ErrorCode::kUnsupported,
                "a COSE_Sign1 inside a COSE_Sign1");
}

}  // namespace
}  // namespace scitt::evidence

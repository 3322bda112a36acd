// The SPDX 3.0 JSON-LD parser: the SPDX 3 documents of
// shared/vectors/evidence/spdx against their facts (README "SPDX 3.0"), the
// twins of SPDX 2 documents, the security profile, and bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <tuple>

#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "spdx_facts.h"
#include "support/vectors.h"
#include "vector_checks.h"

namespace scitt::evidence {
namespace {

using nlohmann::json;

uint64_t PairsOf(const json& counts, const char* type) {
  return counts["relationship_pairs_distinct_by_type"].value(type, uint64_t{0});
}

void CheckSpdx3(const std::string& file, const json& facts) {
  SCOPED_TRACE("spdx/" + file);
  auto parsed = ParseVector("spdx", file, kJsonLd);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const EvidenceDocument& document = *parsed;
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  ExpectSameByShape("spdx", file, document);
  // application/spdx+json with an @context is SPDX 3 too.
  auto as_spdx_json = ParseVector("spdx", file, kSpdxJson);
  ASSERT_TRUE(as_spdx_json.ok()) << as_spdx_json.error().message;
  EXPECT_EQ(as_spdx_json->edges.size(), document.edges.size());
  EXPECT_EQ(document.format, DocumentFormat::kSpdx);
  EXPECT_EQ(document.spec_version, "SPDX-" + facts["spec_version"].get<std::string>());

  const json& counts = facts["counts"];
  EXPECT_EQ(graph.Declared("packages"), Count(counts, "packages"));
  EXPECT_EQ(graph.Declared("files"), Count(counts, "files"));
  EXPECT_EQ(graph.Declared("relationships"), Count(counts, "relationship_objects"));
  ExpectPackagePurls(document, counts);
  const auto depends_on = AssertedAs({"dependsOn"});
  EXPECT_EQ(CountEdges(graph, EdgeKind::kDependsOn, depends_on),
            Count(counts, "dependsOn_pairs_distinct"));
  EXPECT_EQ(graph.Edges(EdgeKind::kContains).size(), Count(counts, "contains_pairs_distinct"));
  EXPECT_EQ(
      CountEdges(graph, EdgeKind::kDependsOn, AssertedAs({"hasStaticLink", "hasDynamicLink"})),
      PairsOf(counts, "hasStaticLink") + PairsOf(counts, "hasDynamicLink"));
  EXPECT_EQ(graph.Edges(EdgeKind::kBuiltFrom).size(), PairsOf(counts, "generates"));

  // The subject: the roots of the document, or of its Sbom when the
  // document's root is that Sbom, and what it `describes`.
  const json& subject = facts["subject"];
  std::set<std::string> described;
  for (const char* key : {"software_Sbom_rootElement", "describes_targets"}) {
    for (const json& element : subject[key]) described.insert(Id(graph, element));
  }
  if (subject["software_Sbom_rootElement"].empty()) {
    for (const json& element : subject["SpdxDocument_rootElement"]) {
      described.insert(Id(graph, element));
    }
  }
  EXPECT_EQ(graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument)), described);

  CheckSpdxSpotChecks(graph, facts, depends_on);
}

TEST(EvidenceSpdx3, EveryDocumentMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/spdx/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    if (fact["encoding"] != "json-ld") continue;
    CheckSpdx3(file, fact);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

// An edge between elements as both SPDX versions can name them: by purl,
// else by name, else (elements of other documents) by node id.
using NamedEdge = std::tuple<EdgeKind, std::string, std::string>;

std::set<NamedEdge> NamedEdges(const EvidenceDocument& document) {
  const GraphView graph(document);
  const auto name = [&](const std::string& id) {
    for (const char* key : {"purl", "name"}) {
      if (graph.Attribute(id, key) != "<absent>") return graph.Attribute(id, key);
    }
    return id;
  };
  std::set<NamedEdge> out;
  for (const Edge& edge : document.edges) {
    out.emplace(edge.kind, edge.from == kThisDocument ? "" : name(edge.from), name(edge.to));
  }
  return out;
}

// The same SBOM in SPDX 2 and SPDX 3: the same packages, purls and
// dependencies, the same subjects, the same build source, the same
// licences (the parentheses the two write differ).
TEST(EvidenceSpdx3, SameGraphAsTheSpdx2Twins) {
  const std::tuple<const char*, std::string_view, const char*> twins[] = {
      {"example11-sbom.spdx.json", kSpdxJson, "example11-sbom.spdx3.json"},
      {"example6-bin.spdx", kSpdxTagValue, "example6-bin.spdx3.json"},
  };
  for (const auto& [spdx2, type, spdx3] : twins) {
    SCOPED_TRACE(spdx3);
    auto version2 = ParseVector("spdx", spdx2, type);
    auto version3 = ParseVector("spdx", spdx3, kJsonLd);
    ASSERT_TRUE(version2.ok()) << version2.error().message;
    ASSERT_TRUE(version3.ok()) << version3.error().message;
    auto edges3 = NamedEdges(*version3);
    // Where example11's SPDX 2 package states no licence, its SPDX 3
    // conversion says NONE ("there is no licence"), which the graph keeps.
    edges3.erase({EdgeKind::kLicensedUnder, "hello-server", "license:NONE"});
    EXPECT_EQ(NamedEdges(*version2), edges3);
    EXPECT_EQ(GraphView(*version2).Declared("packages"), GraphView(*version3).Declared("packages"));
  }
  // example11: the four packages are the same nodes (by purl).
  auto version2 = ParseVector("spdx", "example11-sbom.spdx.json", kSpdxJson);
  auto version3 = ParseVector("spdx", "example11-sbom.spdx3.json", kJsonLd);
  ASSERT_TRUE(version2.ok() && version3.ok());
  std::set<std::string> packages2, packages3;
  for (const Node& node : version2->nodes) {
    if (node.id.starts_with("pkg:")) packages2.insert(node.id);
  }
  for (const Node& node : version3->nodes) {
    if (node.id.starts_with("pkg:")) packages3.insert(node.id);
  }
  EXPECT_EQ(packages2.size(), 4u);
  EXPECT_EQ(packages2, packages3);
}

// A document with a prefix, @id for spdxId, scoped and linked dependencies,
// hashes, and the security profile.
const char* const kSecurityDocument = R"({
  "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
  "@graph": [
    {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1", "created": "2024-01-01T00:00:00Z"},
    {"type": "SpdxDocument", "spdxId": "urn:doc", "rootElement": ["urn:app"],
     "namespaceMap": [{"type": "NamespaceMap", "prefix": "lib", "namespace": "https://example.com/lib#"}],
     "import": [{"type": "ExternalMap", "externalSpdxId": "https://example.com/lib#zlib"}]},
    {"type": "software_Package", "@id": "urn:app", "name": "app",
     "externalIdentifier": [{"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl",
                             "identifier": "pkg:NPM/app@1"}],
     "verifiedUsing": [{"type": "Hash", "algorithm": "sha3_256", "hashValue": "aa"},
                       {"type": "Hash", "algorithm": "blake2b384", "hashValue": "bb"},
                       {"type": "PackageVerificationCode", "algorithm": "sha1", "hashValue": "cc"}]},
    {"type": "software_Package", "spdxId": "urn:tool", "name": "tool"},
    {"type": "LifecycleScopedRelationship", "spdxId": "urn:r1", "relationshipType": "dependsOn",
     "scope": "build", "from": "urn:app", "to": ["urn:tool", "NoAssertionElement"]},
    {"type": "Relationship", "spdxId": "urn:r2", "relationshipType": "hasDynamicLink",
     "from": "urn:app", "to": ["lib:zlib", "urn:elsewhere"]},
    {"type": "Relationship", "spdxId": "urn:r3", "relationshipType": "contains",
     "from": "urn:app", "to": ["urn:doc"]},
    {"type": "security_Vulnerability", "spdxId": "urn:v",
     "externalIdentifier": [{"type": "ExternalIdentifier", "externalIdentifierType": "securityOther",
                             "identifier": "GHSA-xxxx"},
                            {"type": "ExternalIdentifier", "externalIdentifierType": "cve",
                             "identifier": "CVE-2024-1"}]},
    {"type": "Relationship", "spdxId": "urn:r4", "relationshipType": "hasAssociatedVulnerability",
     "from": "urn:app", "to": ["urn:v"]},
    {"type": "security_CvssV3VulnAssessmentRelationship", "spdxId": "urn:r5",
     "relationshipType": "hasAssessmentFor", "from": "urn:v", "to": ["urn:app"],
     "security_score": 7.5, "security_severity": "high"},
    {"type": "security_VexNotAffectedVulnAssessmentRelationship", "spdxId": "urn:r6",
     "relationshipType": "doesNotAffect", "from": "urn:v", "to": ["urn:tool"],
     "security_justificationType": "vulnerableCodeNotInExecutePath"},
    {"type": "security_VexFixedVulnAssessmentRelationship", "spdxId": "urn:r7",
     "relationshipType": "fixedIn", "from": "urn:v", "to": ["urn:app"],
     "security_publishedTime": "2024-03-01T00:00:00Z"},
    {"type": "security_VexAffectedVulnAssessmentRelationship", "spdxId": "urn:r8",
     "relationshipType": "affects", "from": "urn:v", "to": ["urn:app"],
     "security_publishedTime": "2024-02-01T00:00:00Z"}
  ]})";

TEST(EvidenceSpdx3, SecurityProfileAndRelationshipKinds) {
  auto parsed = Parse(kJsonLd, AsBytes(kSecurityDocument));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ExpectEdgesJoinNodes(*parsed);
  const GraphView graph(*parsed);
  const std::string app = "pkg:npm/app@1";
  EXPECT_EQ(parsed->spec_version, "SPDX-3.0.1");
  EXPECT_EQ(graph.Attribute(app, "purl"), "pkg:NPM/app@1");
  EXPECT_EQ(graph.Attribute(app, "local_id"), "urn:app");
  EXPECT_EQ(graph.Attribute(app, "digest.sha3-256"), "aa");
  EXPECT_EQ(graph.Attribute(app, "digest.blake2b-384"), "bb");
  EXPECT_EQ(graph.Attribute(app, "digest.sha1"), "<absent>");
  EXPECT_EQ(graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument)),
            std::set<std::string>{app});
  // No element, and the document itself, are no edge ends.
  EXPECT_TRUE(graph.Edges(EdgeKind::kContains).empty());
  const Edge* build = graph.FindEdge(EdgeKind::kDependsOn, app, "ref:urn:tool");
  ASSERT_NE(build, nullptr);
  EXPECT_EQ(build->attributes.at("scope"), "build");
  // An imported element (written with its prefix) is named by its IRI,
  // another unknown one is local to this document.
  EXPECT_EQ(graph.Targets(EdgeKind::kDependsOn, app, AssertedAs({"hasDynamicLink"})),
            (std::set<std::string>{"https://example.com/lib#zlib", "ref:urn:elsewhere"}));
  EXPECT_EQ(graph.FindEdge(EdgeKind::kDependsOn, app, "ref:urn:elsewhere")->attributes.at("link"),
            "dynamic");

  ASSERT_NE(graph.Find("CVE-2024-1"), nullptr);
  EXPECT_EQ(graph.Find("CVE-2024-1")->kind, NodeKind::kVulnerability);
  EXPECT_EQ(graph.Attribute("CVE-2024-1", "aliases"), "GHSA-xxxx");
  const Edge* finding = graph.FindEdge(EdgeKind::kVulnerableTo, app, "CVE-2024-1");
  ASSERT_NE(finding, nullptr);
  EXPECT_EQ(finding->attributes.at("severity"), "high");
  EXPECT_EQ(graph.Edges(EdgeKind::kVulnerableTo).size(), 1u);
  const Edge* not_affected = graph.FindEdge(EdgeKind::kVexStatus, "ref:urn:tool", "CVE-2024-1");
  ASSERT_NE(not_affected, nullptr);
  EXPECT_EQ(not_affected->attributes.at("status"), "not_affected");
  EXPECT_EQ(not_affected->attributes.at("justification"), "vulnerable_code_not_in_execute_path");
  // Of two assessments of one pair the later stands, wherever it is in @graph.
  EXPECT_EQ(graph.FindEdge(EdgeKind::kVexStatus, app, "CVE-2024-1")->attributes.at("status"),
            "fixed");
  EXPECT_EQ(graph.Declared("vulnerabilities"), 1u);
  EXPECT_EQ(graph.Declared("relationships"), 8u);
}

void ExpectRefused(std::string_view type, const std::string& document, ErrorCode code,
                   const std::string& mention) {
  SCOPED_TRACE(document.substr(0, 200));
  auto parsed = Parse(type, AsBytes(document));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(mention), std::string::npos) << parsed.error().message;
}

void ExpectInvalid(const std::string& graph, const std::string& mention) {
  ExpectRefused(
      kJsonLd,
      R"({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": )" + graph + "}",
      ErrorCode::kInvalidArgument, mention);
}

// Licences: an expression element, a listed licence as an element and by
// its IRI alone, a custom licence by name; a licence set is not read.
TEST(EvidenceSpdx3, Licences) {
  const std::string document = R"({
  "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
  "@graph": [
    {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1", "created": "2024-01-01T00:00:00Z"},
    {"type": "SpdxDocument", "spdxId": "urn:doc", "rootElement": ["urn:app"]},
    {"type": "software_Package", "spdxId": "urn:app", "name": "app", "software_packageUrl": "pkg:npm/app@1"},
    {"type": "software_File", "spdxId": "urn:file", "name": "index.js"},
    {"type": "simplelicensing_LicenseExpression", "spdxId": "urn:expr",
     "simplelicensing_licenseExpression": "((Apache-2.0)) or MIT"},
    {"type": "expandedlicensing_ListedLicense", "spdxId": "https://spdx.org/licenses/BSD-3-Clause"},
    {"type": "expandedlicensing_CustomLicense", "spdxId": "urn:custom", "name": "ACME Licence"},
    {"type": "expandedlicensing_ConjunctiveLicenseSet", "spdxId": "urn:set"},
    {"type": "Relationship", "spdxId": "urn:r1", "from": "urn:app", "relationshipType": "hasConcludedLicense",
     "to": ["urn:expr"]},
    {"type": "Relationship", "spdxId": "urn:r2", "from": "urn:app", "relationshipType": "hasDeclaredLicense",
     "to": ["https://spdx.org/licenses/BSD-3-Clause", "https://spdx.org/licenses/ISC", "urn:set"]},
    {"type": "Relationship", "spdxId": "urn:r3", "from": "urn:file", "relationshipType": "hasConcludedLicense",
     "to": ["urn:custom"]}]})";
  auto parsed = Parse(kJsonLd, AsBytes(document));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ExpectEdgesJoinNodes(*parsed);
  const GraphView graph(*parsed);
  EXPECT_EQ(graph.Targets(EdgeKind::kLicensedUnder, "pkg:npm/app@1"),
            (std::set<std::string>{"license:Apache-2.0 OR MIT", "license:BSD-3-Clause", "license:ISC"}));
  EXPECT_EQ(graph.FindEdge(EdgeKind::kLicensedUnder, "pkg:npm/app@1", "license:Apache-2.0 OR MIT")->attributes,
            (Attributes{{"expression", "Apache-2.0 OR MIT"}, {"source", "concluded"}}));
  EXPECT_EQ(graph.FindEdge(EdgeKind::kLicensedUnder, "pkg:npm/app@1", "license:ISC")->attributes.at("source"),
            "declared");
  EXPECT_EQ(graph.FindEdge(EdgeKind::kLicensedUnder, "ref:urn:file", "license:ACME Licence")->attributes,
            (Attributes{{"name", "ACME Licence"}, {"source", "concluded"}}));
}

TEST(EvidenceSpdx3, BadInput) {
  const Bytes example = testing::ReadVector("evidence/spdx/example13.spdx3.json");
  ExpectRefused(kJsonLd, std::string(example.begin(), example.begin() + example.size() / 2),
                ErrorCode::kMalformed, "SPDX 3: not valid JSON");
  ExpectRefused(kJsonLd, std::string(100, '[') + std::string(100, ']'), ErrorCode::kMalformed,
                "nested deeper than 64");
  ExpectRefused(kJsonLd, "[]", ErrorCode::kInvalidArgument,
                "SPDX 3: the document must be an object");
  ExpectRefused(kJsonLd, R"({"@graph": []})", ErrorCode::kUnsupported, "names no SPDX 3 context");
  ExpectRefused(kJsonLd, R"({"@context": "https://spdx.org/rdf/2.3/x", "@graph": []})",
                ErrorCode::kUnsupported, "names no SPDX 3 context");
  ExpectRefused(kJsonLd, R"({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
                             "@graph": [{"type": "CreationInfo", "specVersion": "2.3"}]})",
                ErrorCode::kUnsupported, "specVersion \"2.3\" is not read");
  ExpectRefused(kJsonLd, R"({"@context": ["https://spdx.org/rdf/3.0.1/spdx-context.jsonld"]})",
                ErrorCode::kInvalidArgument, "SPDX 3: @graph is missing");
  ExpectInvalid(R"({})", "SPDX 3.@graph must be an array");
  ExpectInvalid(R"([3])", "@graph[0] must be an object");
  ExpectInvalid(R"([{"spdxId": "urn:a"}])", "@graph[0].type is missing");
  ExpectInvalid(R"([{"type": 7}])", "@graph[0].type must be a string");
  ExpectInvalid(R"([{"type": "software_Package", "name": "a"}])", "@graph[0].spdxId is missing");
  ExpectInvalid(R"([{"type": "software_File", "spdxId": ["urn:a"]}])",
                "@graph[0].spdxId must be a string");
  ExpectInvalid(R"([{"type": "software_Package", "spdxId": "urn:a", "software_packageUrl": 1}])",
                "@graph[0].software_packageUrl must be a string");
  ExpectInvalid(R"([{"type": "software_Package", "spdxId": "urn:a",
                     "verifiedUsing": [{"type": "Hash", "algorithm": "sha256"}]}])",
                "@graph[0].verifiedUsing[0].hashValue is missing");
  ExpectInvalid(R"([{"type": "software_Package", "spdxId": "urn:a",
                     "externalIdentifier": [{"externalIdentifierType": "packageUrl"}]}])",
                "@graph[0].externalIdentifier[0].identifier is missing");
  ExpectInvalid(R"([{"type": "SpdxDocument", "spdxId": "urn:d", "rootElement": "urn:a"}])",
                "@graph[0].rootElement must be an array");
  ExpectInvalid(R"([{"type": "SpdxDocument", "spdxId": "urn:d", "import": [{}]}])",
                "@graph[0].import[0].externalSpdxId is missing");
  ExpectInvalid(R"([{"type": "Relationship", "relationshipType": "dependsOn", "to": ["urn:b"]}])",
                "@graph[0].from is missing");
  ExpectInvalid(R"([{"type": "Relationship", "relationshipType": "dependsOn", "from": "urn:a"}])",
                "@graph[0].to is missing");
  ExpectInvalid(R"([{"type": "Relationship", "relationshipType": "dependsOn", "from": "urn:a",
                     "to": "urn:b"}])",
                "@graph[0].to must be an array");
  ExpectInvalid(R"([{"type": "Relationship", "relationshipType": "dependsOn", "from": "urn:a",
                     "to": [{"spdxId": "urn:b"}]}])",
                "@graph[0].to[0] must be a string");
  ExpectInvalid(R"([{"type": "LifecycleScopedRelationship", "relationshipType": "dependsOn",
                     "from": "urn:a", "to": [], "scope": 1}])",
                "@graph[0].scope must be a string");
  // A relationship may name an element of no document here: it is a node
  // of its own, local to this document.
  auto parsed =
      Parse(kJsonLd, AsBytes(R"({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
      "@graph": [{"type": "Relationship", "relationshipType": "dependsOn", "from": "urn:a",
                  "to": ["urn:b"]}]})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(GraphView(*parsed).Targets(EdgeKind::kDependsOn, "ref:urn:a"),
            std::set<std::string>{"ref:urn:b"});
}

}  // namespace
}  // namespace scitt::evidence

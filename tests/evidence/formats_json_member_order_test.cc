// The CycloneDX and SPDX 2 JSON readers read the top-level arrays an element
// at a time and in a fixed order (CycloneDX: components, metadata, services,
// dependencies, vulnerabilities) whatever their order in the document: the
// graph and the first error must not depend on that order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evidence/formats/parse.h"

namespace scitt::evidence {
namespace {

const std::string kHead = R"("bomFormat": "CycloneDX", "specVersion": "1.4")";
const std::string kMetadata =
    R"("metadata": {"authors": [{"name": "Alice"}], "supplier": {"name": "ACME"},
                    "component": {"type": "application", "bom-ref": "app", "name": "app",
                                  "purl": "pkg:npm/a@1"}})";
const std::string kComponents =
    R"("components": [{"type": "library", "bom-ref": "lib-a", "name": "a", "purl": "pkg:npm/a@1",
                       "components": [{"name": "inner"}]},
                      {"bom-ref": "lib-b", "name": "b"}, 7.5e0])";
const std::string kServices = R"("services": [{"name": "s", "services": [{"name": "t"}]}])";
const std::string kDependencies =
    R"("dependencies": [{"ref": "app", "dependsOn": ["lib-a", "lib-b"]}, {"ref": "lib-b"}])";
const std::string kVulnerabilities =
    R"("vulnerabilities": [{"id": "CVE-2024-0001", "ratings": [{"severity": "low"}],
                            "affects": [{"ref": "lib-b"}, {"ref": "app"}]}])";

std::string Bom(const std::vector<std::string>& members) {
  std::string out = "{";
  for (const std::string& member : members) out += (out.size() > 1 ? ", " : "") + member;
  return out + "}";
}

void ExpectSameDocument(const EvidenceDocument& a, const EvidenceDocument& b) {
  EXPECT_EQ(a.spec_version, b.spec_version);
  EXPECT_EQ(a.declared, b.declared);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].kind, b.nodes[i].kind) << i;
    EXPECT_EQ(a.nodes[i].id, b.nodes[i].id) << i;
    EXPECT_EQ(a.nodes[i].attributes, b.nodes[i].attributes) << i;
  }
  ASSERT_EQ(a.edges.size(), b.edges.size());
  for (size_t i = 0; i < a.edges.size(); ++i) {
    EXPECT_EQ(a.edges[i].kind, b.edges[i].kind) << i;
    EXPECT_EQ(a.edges[i].from, b.edges[i].from) << i;
    EXPECT_EQ(a.edges[i].to, b.edges[i].to) << i;
    EXPECT_EQ(a.edges[i].attributes, b.edges[i].attributes) << i;
  }
}

TEST(EvidenceCycloneDxJson, MemberOrderDoesNotChangeTheGraph) {
  const std::string components =  // no number in components: a well-formed BOM
      R"("components": [{"type": "library", "bom-ref": "lib-a", "name": "a", "purl": "pkg:npm/a@1",
                         "components": [{"name": "inner"}]}, {"bom-ref": "lib-b", "name": "b"}])";
  const std::string canonical =
      Bom({kHead, components, kMetadata, kServices, kDependencies, kVulnerabilities});
  auto expected = Parse(kCycloneDxJson, AsBytes(canonical));
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  // app is listed as pkg:npm/a@1 too: the listing's path wins; the
  // dependencies and the finding name the bom-refs' nodes.
  EXPECT_EQ(expected->nodes.front().attributes.at("path"), "components[0]");
  EXPECT_EQ(expected->edges.size(), 6u);
  for (const auto& members : std::vector<std::vector<std::string>>{
           {kVulnerabilities, kDependencies, kServices, kMetadata, components, kHead},
           {kDependencies, kMetadata, kVulnerabilities, components, kServices, kHead},
           {kHead, kMetadata, components, kDependencies, kServices, kVulnerabilities},
           // Arrays of members it does not read are skipped.
           {kHead, R"("extra": [[1], {"components": [7]}], "compositions": [])", components,
            kMetadata, kServices, kDependencies, kVulnerabilities}}) {
    const std::string document = Bom(members);
    SCOPED_TRACE(document);
    for (const std::string_view type : {kCycloneDxJson, kGenericJson}) {
      auto parsed = Parse(type, AsBytes(document));
      ASSERT_TRUE(parsed.ok()) << parsed.error().message;
      ExpectSameDocument(*parsed, *expected);
    }
  }
}

// The error is the one the first member in reading order gives, wherever
// the members are.
TEST(EvidenceCycloneDxJson, FirstErrorInReadingOrder) {
  const std::string bad_dependency = R"("dependencies": [{"dependsOn": []}])";
  for (const auto& members : std::vector<std::vector<std::string>>{
           {kHead, bad_dependency, kComponents},
           {bad_dependency, kComponents, kHead},
           {kComponents, bad_dependency, kHead}}) {
    auto parsed = Parse(kCycloneDxJson, AsBytes(Bom(members)));
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().message, "CycloneDX: components[2] must be an object");
  }
  // The format's fields come before any member, and bytes that are not
  // JSON before the format.
  auto unnamed = Parse(kCycloneDxJson, AsBytes(Bom({kComponents, R"("specVersion": "1.4")"})));
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.error().message, "CycloneDX.bomFormat is missing");
  auto broken = Parse(kCycloneDxJson, AsBytes(Bom({kHead, kComponents}) + ","));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kMalformed);
  EXPECT_EQ(broken.error().message, "CycloneDX: not valid JSON");
}

TEST(EvidenceSpdxJson, MemberOrderDoesNotChangeTheGraph) {
  const std::string head = R"("spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT")";
  const std::string creation = R"("creationInfo": {"creators": ["Tool: x", "Organization: ACME"]})";
  const std::string packages =
      R"("packages": [{"SPDXID": "SPDXRef-app", "name": "app", "hasFiles": ["SPDXRef-f"],
                       "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:npm/app@1"}]},
                      {"SPDXID": "SPDXRef-lib", "name": "lib", "versionInfo": "2",
                       "checksums": [{"algorithm": "SHA256", "checksumValue": "ab"}]}])";
  const std::string files = R"("files": [{"SPDXID": "SPDXRef-f", "fileName": "a.js"}])";
  const std::string snippets = R"("snippets": [{}, {}])";
  const std::string describes = R"("documentDescribes": ["SPDXRef-app"])";
  const std::string relationships =
      R"("relationships": [{"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON",
                            "relatedSpdxElement": "SPDXRef-lib"},
                           {"spdxElementId": "SPDXRef-lib", "relationshipType": "DEPENDENCY_OF",
                            "relatedSpdxElement": "SPDXRef-app"}])";
  auto expected = Parse(kSpdxJson, AsBytes(Bom({head, creation, packages, files, snippets, describes,
                                                relationships})));
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  EXPECT_EQ(expected->declared.at("snippets"), 2u);
  for (const auto& members : std::vector<std::vector<std::string>>{
           {relationships, describes, snippets, files, packages, creation, head},
           {files, relationships, head, packages, describes, creation, snippets}}) {
    const std::string document = Bom(members);
    SCOPED_TRACE(document);
    for (const std::string_view type : {kSpdxJson, kGenericJson}) {
      auto parsed = Parse(type, AsBytes(document));
      ASSERT_TRUE(parsed.ok()) << parsed.error().message;
      ExpectSameDocument(*parsed, *expected);
    }
  }
  // The first error in reading order: packages before relationships.
  auto broken = Parse(kSpdxJson, AsBytes(Bom({R"("relationships": [{}])", R"("packages": [{}])", head})));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message, "SPDX: packages[0].SPDXID is missing");
}

}  // namespace
}  // namespace scitt::evidence

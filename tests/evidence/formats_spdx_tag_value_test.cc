// The SPDX 2 tag-value parser: the tag-value documents of
// shared/vectors/evidence/spdx against their facts, the tag-value example
// against its JSON twin, and bad input.
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

TEST(EvidenceSpdxTagValue, EveryDocumentMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/spdx/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    if (fact["encoding"] != "tag-value") continue;
    CheckSpdx2(file, fact, kSpdxTagValue);
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

// A node as the parity check compares it: where the document lists the
// element ("path") depends on the serialisation, the rest must not.
using NodeFacts = std::tuple<NodeKind, std::string, Attributes>;
using EdgeFacts = std::tuple<EdgeKind, std::string, std::string, Attributes>;

std::set<NodeFacts> NodesOf(const EvidenceDocument& document) {
  std::set<NodeFacts> out;
  for (const Node& node : document.nodes) {
    Attributes attributes = node.attributes;
    attributes.erase("path");
    out.emplace(node.kind, node.id, std::move(attributes));
  }
  return out;
}

std::set<EdgeFacts> EdgesOf(const EvidenceDocument& document) {
  std::set<EdgeFacts> out;
  for (const Edge& edge : document.edges) {
    Attributes attributes = edge.attributes;
    // The JSON names its subjects in documentDescribes, the tag-value file
    // in DESCRIBES relationships (README "Traps").
    if (edge.kind == EdgeKind::kDescribes) attributes.erase("relationship");
    out.emplace(edge.kind, edge.from, edge.to, std::move(attributes));
  }
  return out;
}

// The same example in both serialisations gives the same graph. The
// tag-value file's one more relationship (SPDXRef-Package CONTAINS
// SPDXRef-JenaLib) is a file the package lists anyway: one edge.
TEST(EvidenceSpdxTagValue, SameGraphAsTheJsonTwin) {
  auto tag_value = ParseVector("spdx", "SPDXTagExample-v2.3.spdx", kSpdxTagValue);
  auto json_twin = ParseVector("spdx", "SPDXJSONExample-v2.3.spdx.json", kSpdxJson);
  ASSERT_TRUE(tag_value.ok()) << tag_value.error().message;
  ASSERT_TRUE(json_twin.ok()) << json_twin.error().message;
  EXPECT_EQ(tag_value->spec_version, json_twin->spec_version);
  EXPECT_EQ(NodesOf(*tag_value), NodesOf(*json_twin));
  EXPECT_EQ(EdgesOf(*tag_value), EdgesOf(*json_twin));
  EXPECT_EQ(tag_value->declared.at("packages"), json_twin->declared.at("packages"));
  EXPECT_EQ(tag_value->declared.at("files"), json_twin->declared.at("files"));
  EXPECT_EQ(tag_value->declared.at("snippets"), json_twin->declared.at("snippets"));

  const GraphView graph(*tag_value);
  // Checksums, a multi-line <text> value around them, the purl.
  EXPECT_EQ(graph.Attribute("ref:SPDXRef-Package", "digest.blake2b-384"),
            "aaabd89c926ab525c242e6621f2f5fa73aa4afe3d9e24aed727faaadd6af38b620bdb623dd2b4788b1c808"
            "6984af8706");
  EXPECT_EQ(graph.Attribute("ref:SPDXRef-File", "digest.md5"), "624c1abb3664f4b35547e7c73864ad24");
  EXPECT_EQ(graph.Attribute("pkg:maven/org.apache.jena/apache-jena@3.12.0", "local_id"),
            "SPDXRef-fromDoap-0");
  EXPECT_EQ(graph.Attribute("ref:SPDXRef-Saxon", "version"), "8.8");
  // People and organisations among the creators issue the document.
  EXPECT_EQ(graph.Find("Person: Jane Doe ()")->kind, NodeKind::kIssuer);
  EXPECT_EQ(graph.Find("Tool: LicenseFind-1.0"), nullptr);
  // DYNAMIC_LINK is a dependency by link; GENERATED_FROM a build source;
  // "GENERATED_FROM NOASSERTION" says nothing.
  const Edge* link =
      graph.FindEdge(EdgeKind::kDependsOn, "ref:SPDXRef-Package", "ref:SPDXRef-Saxon");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->attributes.at("link"), "dynamic");
  EXPECT_EQ(graph.Targets(EdgeKind::kBuiltFrom, "ref:SPDXRef-File"),
            std::set<std::string>{"pkg:maven/org.apache.jena/apache-jena@3.12.0"});
  EXPECT_TRUE(graph.Targets(EdgeKind::kBuiltFrom, "ref:SPDXRef-CommonsLangSrc").empty());
  // Licences: a package's concluded and declared expressions, a file's
  // concluded one; NOASSERTION says nothing.
  const Edge* concluded =
      graph.FindEdge(EdgeKind::kLicensedUnder, "ref:SPDXRef-Package", "license:LGPL-2.0-only OR LicenseRef-3");
  ASSERT_NE(concluded, nullptr);
  EXPECT_EQ(concluded->attributes,
            (Attributes{{"expression", "LGPL-2.0-only OR LicenseRef-3"}, {"source", "concluded"}}));
  EXPECT_EQ(graph.FindEdge(EdgeKind::kLicensedUnder, "ref:SPDXRef-Package", "license:LGPL-2.0-only AND LicenseRef-3")
                ->attributes.at("source"),
            "declared");
  EXPECT_EQ(graph.Targets(EdgeKind::kLicensedUnder, "ref:SPDXRef-File"),
            std::set<std::string>{"license:LGPL-2.0-only OR LicenseRef-2"});
  EXPECT_TRUE(graph.Targets(EdgeKind::kLicensedUnder, "ref:SPDXRef-fromDoap-1").empty());
  EXPECT_EQ(graph.Find("license:MPL-1.0")->kind, NodeKind::kLicense);
}

// Relationships into other documents name the element by the document's
// namespace: the same node as the SPDX 3 twin's imported element.
TEST(EvidenceSpdxTagValue, ExternalDocumentReferences) {
  auto parsed = ParseVector("spdx", "example6-bin.spdx", kSpdxTagValue);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const GraphView graph(*parsed);
  const std::string go_lib = "https://swinslow.net/spdx-examples/example6/go-lib-v2#";
  const std::string binary = "ref:SPDXRef-Package-hello-go-bin";
  // "go.fmt RUNTIME_DEPENDENCY_OF hello-go-bin": hello-go-bin depends on it at run time.
  const Edge* runtime =
      graph.FindEdge(EdgeKind::kDependsOn, binary, go_lib + "SPDXRef-Package-go.fmt");
  ASSERT_NE(runtime, nullptr);
  EXPECT_EQ(runtime->attributes.at("scope"), "runtime");
  EXPECT_EQ(runtime->attributes.at("relationship"), "RUNTIME_DEPENDENCY_OF");
  // "X STATIC_LINK hello-go-bin", as written: X statically links to it.
  for (const char* library : {"go.fmt", "go.reflect", "go.strconv"}) {
    const Edge* link =
        graph.FindEdge(EdgeKind::kDependsOn, go_lib + "SPDXRef-Package-" + library, binary);
    ASSERT_NE(link, nullptr) << library;
    EXPECT_EQ(link->attributes.at("link"), "static");
  }
  EXPECT_EQ(graph.Targets(EdgeKind::kBuiltFrom, "ref:SPDXRef-hello-go-binary"),
            (std::set<std::string>{
                "https://swinslow.net/spdx-examples/example6/hello-go-src-v2#SPDXRef-hello-go-src",
                "https://swinslow.net/spdx-examples/example6/hello-go-src-v2#SPDXRef-Makefile"}));
}

const std::string kHeader = "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n";

Result<EvidenceDocument> ParseTagValue(const std::string& document) {
  return Parse(kSpdxTagValue, AsBytes(document));
}

// Files belong to the package listed last before them; comments, blank
// lines, CRLF and multi-line <text> values are no elements.
TEST(EvidenceSpdxTagValue, FilesBelongToThePackageBeforeThem) {
  const std::string document = kHeader +
                               "# Relationship: SPDXRef-a CONTAINS SPDXRef-x\r\n"
                               "FileName: ./loose\r\nSPDXID: SPDXRef-loose\r\n"
                               "FileComment: <text>one\nPackageName: not a package\n</text>\n"
                               "PackageName: a\nSPDXID: SPDXRef-a\n\n"
                               "FileName: ./a1\nSPDXID: SPDXRef-a1\n"
                               "SnippetSPDXID: SPDXRef-s\n"
                               "FileName: ./a2\nSPDXID: SPDXRef-a2\n"
                               "PackageName: b\nSPDXID: SPDXRef-b\n"
                               "FileName: ./b1\nSPDXID: SPDXRef-b1\n"
                               "LicenseID: LicenseRef-x\nExtractedText: <text></text>\n";
  auto parsed = ParseTagValue(document);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const GraphView graph(*parsed);
  EXPECT_EQ(graph.Declared("packages"), 2u);
  EXPECT_EQ(graph.Declared("files"), 4u);
  EXPECT_EQ(graph.Declared("snippets"), 1u);
  EXPECT_EQ(graph.Targets(EdgeKind::kContains, "ref:SPDXRef-a"),
            (std::set<std::string>{"ref:SPDXRef-a1", "ref:SPDXRef-a2"}));
  EXPECT_EQ(graph.Targets(EdgeKind::kContains, "ref:SPDXRef-b"),
            std::set<std::string>{"ref:SPDXRef-b1"});
  EXPECT_TRUE(graph.Sources(EdgeKind::kContains, "ref:SPDXRef-loose").empty());
  EXPECT_EQ(graph.Attribute("ref:SPDXRef-loose", "path"), "files[0]");
  EXPECT_EQ(graph.Attribute("ref:SPDXRef-b", "path"), "packages[1]");
}

TEST(EvidenceSpdxTagValue, RelationshipEnds) {
  const std::string document = kHeader +
                               "ExternalDocumentRef:DocumentRef-x http://example.com/x SHA1: 00\n"
                               "PackageName: a\nSPDXID: SPDXRef-a\n"
                               "ExternalRef: PACKAGE_MANAGER purl pkg:NPM/a@1\n"
                               "ExternalRef: PACKAGE-MANAGER purl pkg:npm/other@1\n"
                               "Relationship: SPDXRef-a DEPENDS_ON NONE\n"
                               "Relationship: NOASSERTION DEPENDENCY_OF SPDXRef-a\n"
                               "Relationship: SPDXRef-a DEPENDS_ON DocumentRef-x:SPDXRef-y\n"
                               "Relationship: SPDXRef-a DEPENDS_ON SPDXRef-nowhere\n"
                               "Relationship: SPDXRef-a DESCRIBED_BY SPDXRef-DOCUMENT\n"
                               "Relationship: SPDXRef-a CONTAINS SPDXRef-DOCUMENT\n";
  auto parsed = ParseTagValue(document);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const GraphView graph(*parsed);
  // The first purl names the package, normalised.
  ASSERT_NE(graph.Find("pkg:npm/a@1"), nullptr);
  EXPECT_EQ(graph.Attribute("pkg:npm/a@1", "purl"), "pkg:NPM/a@1");
  // NONE and NOASSERTION are no element; an element of another document
  // is named by that document's namespace; one the document does not list
  // (syft writes such) is a node of its own.
  EXPECT_EQ(graph.Targets(EdgeKind::kDependsOn, "pkg:npm/a@1"),
            (std::set<std::string>{"http://example.com/x#SPDXRef-y", "ref:SPDXRef-nowhere"}));
  EXPECT_EQ(graph.Attribute("ref:SPDXRef-nowhere", "local_id"), "SPDXRef-nowhere");
  // Reversed: the document describes the package; nothing contains the document.
  EXPECT_EQ(graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument)),
            std::set<std::string>{"pkg:npm/a@1"});
  EXPECT_TRUE(graph.Edges(EdgeKind::kContains).empty());
  ExpectEdgesJoinNodes(*parsed);
}

void ExpectRefused(const std::string& document, ErrorCode code, const std::string& mention) {
  SCOPED_TRACE(document.substr(0, 200));
  auto parsed = ParseTagValue(document);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(mention), std::string::npos) << parsed.error().message;
}

TEST(EvidenceSpdxTagValue, BadInput) {
  // Not tag-value, or cut short.
  ExpectRefused("{\"spdxVersion\": \"SPDX-2.3\"}", ErrorCode::kMalformed,
                "line 1 is not a \"Tag: value\" line");
  ExpectRefused("\xff\xfe", ErrorCode::kMalformed, "not a \"Tag: value\" line");
  ExpectRefused(kHeader + "PackageNa", ErrorCode::kMalformed, "line 3 is not");
  ExpectRefused(kHeader + "PackageComment: <text>cut", ErrorCode::kMalformed,
                "line 3 opens a <text> that is never closed");
  ExpectRefused(kHeader + "PackageName: a\n", ErrorCode::kInvalidArgument,
                "packages[0] (\"a\") has no SPDXID");
  ExpectRefused(kHeader + "FileComment: <text>a\nb</text> c\n", ErrorCode::kMalformed,
                "line 3 has more after </text>");
  // The example cut inside a <text> value and inside a tag. (Tag-value has
  // no end marker: cut at the end of a line, at its half, it is a shorter
  // document.)
  const Bytes example = testing::ReadVector("evidence/spdx/SPDXTagExample-v2.3.spdx");
  const auto cut = [&](size_t size) {
    return std::string(example.begin(), example.begin() + size);
  };
  ExpectRefused(cut(3000), ErrorCode::kMalformed, "line 53 opens a <text> that is never closed");
  ExpectRefused(cut(4200), ErrorCode::kMalformed, "line 77 is not a \"Tag: value\" line");
  EXPECT_TRUE(ParseTagValue(cut(example.size() / 2)).ok());
  // Bounds.
  ExpectRefused(kHeader + "PackageComment: " + std::string(size_t{1} << 20, 'x') + "\n",
                ErrorCode::kMalformed, "line 3 is longer than 1048576 bytes");
  ExpectRefused(std::string(kMaxDocumentBytes + 1, '\n'), ErrorCode::kMalformed, "larger than");
  // Tags, versions and values that break the format.
  ExpectRefused(kHeader + "PackageColour: red\n", ErrorCode::kInvalidArgument,
                "line 3: unknown tag \"PackageColour\"");
  ExpectRefused("DocumentName: x\n", ErrorCode::kInvalidArgument, "SPDXVersion is missing");
  ExpectRefused("SPDXVersion: SPDX-2.1\n", ErrorCode::kUnsupported, "\"SPDX-2.1\" is not read");
  ExpectRefused(kHeader + "PackageVersion: 1\n", ErrorCode::kInvalidArgument,
                "PackageVersion outside a package section");
  ExpectRefused(kHeader + "PackageName: a\nSPDXID: SPDXRef-a\nFileChecksum: SHA1: 00\n",
                ErrorCode::kInvalidArgument, "FileChecksum outside a file section");
  ExpectRefused(kHeader + "FileName: f\nSPDXID: SPDXRef-f\nFileChecksum: 00\n",
                ErrorCode::kInvalidArgument, "FileChecksum is not \"ALGORITHM: value\"");
  ExpectRefused(kHeader + "PackageName: a\nSPDXID: SPDXRef-a\nSPDXID: SPDXRef-b\n",
                ErrorCode::kInvalidArgument, "a second SPDXID for packages[0]");
  ExpectRefused(kHeader + "LicenseID: LicenseRef-a\nSPDXID: SPDXRef-b\n",
                ErrorCode::kInvalidArgument, "SPDXID outside a document, package or file");
  ExpectRefused(kHeader + "PackageName: a\nSPDXID: SPDXRef-a\nExternalRef: purl pkg:npm/a@1\n",
                ErrorCode::kInvalidArgument, "ExternalRef is not \"category type locator\"");
  ExpectRefused(kHeader + "ExternalDocumentRef: DocumentRef-x\n", ErrorCode::kInvalidArgument,
                "ExternalDocumentRef names no document URI");
  ExpectRefused(kHeader + "Relationship: SPDXRef-a DEPENDS_ON\n", ErrorCode::kInvalidArgument,
                "line 3: Relationship is not \"element TYPE related\"");
}

}  // namespace
}  // namespace scitt::evidence

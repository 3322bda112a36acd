// The CycloneDX XML reader: every XML document of shared/vectors/evidence
// against its facts (the same checks as the JSON documents), the same graph
// as its JSON twin (README "Same content in more than one file"), and bad
// input refused with the right error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "support/vectors.h"
#include "vector_facts.h"

namespace scitt::evidence {
namespace {

using facts::ParseVector;
using nlohmann::json;

TEST(EvidenceCycloneDxXml, EveryXmlDocumentMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/cyclonedx/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    if (fact["encoding"] != "xml") continue;
    SCOPED_TRACE("cyclonedx/" + file);
    auto parsed = ParseVector("cyclonedx", file, kCycloneDxXml);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    facts::CheckCycloneDxGraph(*parsed, fact);
    // Generic XML is recognised by its root element.
    auto generic = ParseVector("cyclonedx", file, kGenericXml);
    ASSERT_TRUE(generic.ok()) << generic.error().message;
    EXPECT_EQ(generic->nodes.size(), parsed->nodes.size());
    EXPECT_EQ(generic->edges.size(), parsed->edges.size());
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

// The XML and JSON encodings of one BOM give the same graph: the same nodes
// with the same attributes, the same edges, in the same order, and the same
// declared counts.
void ExpectSameGraph(const Result<EvidenceDocument>& xml, const Result<EvidenceDocument>& json) {
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(xml->format, json->format);
  EXPECT_EQ(xml->spec_version, json->spec_version);
  EXPECT_EQ(xml->declared, json->declared);
  ASSERT_EQ(xml->nodes.size(), json->nodes.size());
  for (size_t i = 0; i < xml->nodes.size(); ++i) {
    EXPECT_EQ(xml->nodes[i].id, json->nodes[i].id);
    EXPECT_EQ(xml->nodes[i].kind, json->nodes[i].kind) << xml->nodes[i].id;
    EXPECT_EQ(xml->nodes[i].attributes, json->nodes[i].attributes) << xml->nodes[i].id;
  }
  ASSERT_EQ(xml->edges.size(), json->edges.size());
  for (size_t i = 0; i < xml->edges.size(); ++i) {
    const std::string what = xml->edges[i].from + " -> " + xml->edges[i].to;
    EXPECT_EQ(xml->edges[i].kind, json->edges[i].kind) << what;
    EXPECT_EQ(xml->edges[i].from, json->edges[i].from) << what;
    EXPECT_EQ(xml->edges[i].to, json->edges[i].to) << what;
    EXPECT_EQ(xml->edges[i].attributes, json->edges[i].attributes) << what;
  }
}

TEST(EvidenceCycloneDxXml, SameGraphAsTheJsonTwin) {
  for (const auto& [xml, json] :
       {std::pair{"laravel-7.12.0.bom.1.4.xml", "laravel-7.12.0.bom.1.4.json"},
        {"spec-valid-dependency-1.6.xml", "spec-valid-dependency-1.6.json"}}) {
    SCOPED_TRACE(std::string(xml) + " and " + json);
    ExpectSameGraph(ParseVector("cyclonedx", xml, kCycloneDxXml),
                    ParseVector("cyclonedx", json, kCycloneDxJson));
  }
}

// dropwizard's two encodings differ upstream in one place: the JSON gives
// osgi-resource-locator a licence expression, the XML no licence. Without
// that edge and its licence node the graphs are equal, 165 licences of
// components (ids, names) included.
TEST(EvidenceCycloneDxXml, SameGraphAsTheJsonTwinButOneLicence) {
  auto xml = ParseVector("cyclonedx", "dropwizard-1.3.15.bom.xml", kCycloneDxXml);
  auto json = ParseVector("cyclonedx", "dropwizard-1.3.15.bom.json", kCycloneDxJson);
  ASSERT_TRUE(json.ok()) << json.error().message;
  const std::string locator = "pkg:maven/org.glassfish.hk2/osgi-resource-locator@1.0.1?type=jar";
  const std::string license = "license:CDDL-1.0 OR GPL-2.0-with-classpath-exception";
  const auto edge = std::find_if(json->edges.begin(), json->edges.end(), [&](const Edge& e) {
    return e.kind == EdgeKind::kLicensedUnder && e.from == locator;
  });
  ASSERT_NE(edge, json->edges.end());
  EXPECT_EQ(edge->to, license);
  EXPECT_EQ(edge->attributes, (Attributes{{"expression", "CDDL-1.0 OR GPL-2.0-with-classpath-exception"}}));
  json->edges.erase(edge);
  const auto node = std::find_if(json->nodes.begin(), json->nodes.end(), [&](const Node& n) { return n.id == license; });
  ASSERT_NE(node, json->nodes.end());
  json->nodes.erase(node);
  ExpectSameGraph(xml, json);

  const GraphView graph(*xml);
  // An id is an expression; a name stays a name, however it reads.
  const Edge* mit = graph.FindEdge(EdgeKind::kLicensedUnder, "pkg:maven/org.checkerframework/checker-compat-qual@2.0.0?type=jar",
                                   "license:MIT");
  ASSERT_NE(mit, nullptr);
  EXPECT_EQ(mit->attributes, (Attributes{{"expression", "MIT"}}));
  const Edge* named = graph.FindEdge(
      EdgeKind::kLicensedUnder, "pkg:maven/org.checkerframework/checker-compat-qual@2.0.0?type=jar",
      "license:GNU General Public License, version 2 (GPL2), with the classpath exception");
  ASSERT_NE(named, nullptr);
  EXPECT_EQ(named->attributes.at("name"), "GNU General Public License, version 2 (GPL2), with the classpath exception");
  EXPECT_EQ(graph.Find("license:MIT")->kind, NodeKind::kLicense);
}

// What the vectors do not show, written both ways: nested components and
// services, metadata authors and supplier, a prefixed namespace, CDATA
// and white space around text, extension elements (skipped), a dependency
// nested two deep (an edge per level), a finding with ratings, references
// and a 1.4 tool, a VEX statement, and a 1.5 tool list.
TEST(EvidenceCycloneDxXml, SameGraphAsJsonForEveryFeature) {
  const std::string xml = R"(<?xml version="1.0"?>
<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.4" xmlns:x="urn:example:ext" version="1">
  <c:metadata>
    <c:authors><c:author><c:name>Alice</c:name></c:author><c:author><c:name/></c:author></c:authors>
    <c:component type="application" bom-ref="app">
      <c:name>
        <![CDATA[app]]>
      </c:name>
      <c:version>1.0</c:version>
    </c:component>
    <c:supplier><c:name> ACME </c:name></c:supplier>
  </c:metadata>
  <c:components>
    <c:component type="library" bom-ref="lib-a">
      <c:name>a</c:name><c:purl>pkg:npm/a@1</c:purl>
      <c:licenses>
        <c:license acknowledgement="declared"><c:id>MIT</c:id></c:license>
        <x:license><c:id>not a licence</c:id></x:license>
        <c:license><c:name> Custom Licence </c:name></c:license>
      </c:licenses>
      <x:components><c:component><c:name>not a component</c:name></c:component></x:components>
      <c:components>
        <c:component type="library"><c:name>inner</c:name></c:component>
      </c:components>
    </c:component>
    <x:note>an extension</x:note>
    <c:component type="library" bom-ref="lib-b"><c:name>b</c:name>
      <c:licenses><c:expression acknowledgement="concluded">Apache-2.0 or  MIT</c:expression></c:licenses>
    </c:component>
  </c:components>
  <c:services>
    <c:service><c:name>s</c:name><c:services><c:service><c:name>t</c:name></c:service></c:services></c:service>
  </c:services>
  <c:dependencies>
    <c:dependency ref="app">
      <c:dependency ref="lib-a"><c:dependency ref="lib-b"/></c:dependency>
    </c:dependency>
    <c:dependency ref="lib-b"><c:dependency ref="undeclared"/></c:dependency>
  </c:dependencies>
  <c:vulnerabilities>
    <c:vulnerability>
      <c:id>CVE-2024-0001</c:id>
      <c:references><c:reference><c:id>GHSA-aaaa-bbbb-cccc</c:id></c:reference></c:references>
      <c:ratings><c:rating><c:severity>medium</c:severity></c:rating><c:rating><c:severity>high</c:severity></c:rating></c:ratings>
      <c:tools><c:tool><c:name>scanner</c:name></c:tool></c:tools>
      <c:affects><c:target><c:ref>lib-a</c:ref></c:target></c:affects>
    </c:vulnerability>
    <c:vulnerability>
      <c:id>CVE-2024-0002</c:id>
      <c:tools><c:components><c:component><c:name>grype</c:name></c:component></c:components></c:tools>
      <c:analysis><c:state>not_affected</c:state><c:justification>code_not_present</c:justification></c:analysis>
      <c:affects><c:target><c:ref>urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#x</c:ref></c:target></c:affects>
    </c:vulnerability>
    <c:vulnerability>
      <c:source><c:name>NVD</c:name></c:source>
      <c:affects><c:target><c:ref>pkg:npm/a@1</c:ref></c:target></c:affects>
    </c:vulnerability>
  </c:vulnerabilities>
</c:bom>)";
  const std::string json = R"({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
    "metadata": {"authors": [{"name": "Alice"}, {"name": ""}],
                 "component": {"type": "application", "bom-ref": "app", "name": "app", "version": "1.0"},
                 "supplier": {"name": "ACME"}},
    "components": [
      {"type": "library", "bom-ref": "lib-a", "name": "a", "purl": "pkg:npm/a@1",
       "licenses": [{"license": {"id": "MIT", "acknowledgement": "declared"}}, {"license": {"name": "Custom Licence"}}],
       "components": [{"type": "library", "name": "inner"}]},
      {"type": "library", "bom-ref": "lib-b", "name": "b",
       "licenses": [{"expression": "Apache-2.0 or  MIT", "acknowledgement": "concluded"}]}],
    "services": [{"name": "s", "services": [{"name": "t"}]}],
    "dependencies": [{"ref": "app", "dependsOn": ["lib-a"]}, {"ref": "lib-b", "dependsOn": ["undeclared"]}],
    "vulnerabilities": [
      {"id": "CVE-2024-0001", "references": [{"id": "GHSA-aaaa-bbbb-cccc"}],
       "ratings": [{"severity": "medium"}, {"severity": "high"}], "tools": [{"name": "scanner"}],
       "affects": [{"ref": "lib-a"}]},
      {"id": "CVE-2024-0002", "tools": {"components": [{"name": "grype"}]},
       "analysis": {"state": "not_affected", "justification": "code_not_present"},
       "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#x"}]},
      {"source": {"name": "NVD"}, "affects": [{"ref": "pkg:npm/a@1"}]}]})";
  auto from_xml = Parse(kCycloneDxXml, AsBytes(xml));
  auto from_json = Parse(kCycloneDxJson, AsBytes(json));
  ASSERT_TRUE(from_xml.ok()) << from_xml.error().message;
  const GraphView graph(*from_xml);
  // The one thing JSON cannot say: lib-a's nested dependency lib-b. Apart
  // from that edge the graphs are equal.
  const Edge* nested = graph.FindEdge(EdgeKind::kDependsOn, "pkg:npm/a@1", "ref:lib-b");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->attributes.at("direct"), "true");
  auto& edges = from_xml->edges;
  edges.erase(std::find_if(edges.begin(), edges.end(), [&](const Edge& edge) { return &edge == nested; }));
  ExpectSameGraph(from_xml, from_json);

  EXPECT_EQ(graph.Declared("components"), 3u);
  EXPECT_EQ(graph.Declared("services"), 2u);
  EXPECT_EQ(graph.Attribute("ref:app", "name"), "app");  // CDATA and white space trimmed
  EXPECT_NE(graph.Find("ACME"), nullptr);
  EXPECT_TRUE(graph.Targets(EdgeKind::kContains, "pkg:npm/a@1")
                  .contains("ref:#components[0].components[0]"));
  const Edge* finding = graph.FindEdge(EdgeKind::kVulnerableTo, "pkg:npm/a@1", "CVE-2024-0001");
  ASSERT_NE(finding, nullptr);
  EXPECT_EQ(finding->attributes.at("severity"), "high");
  EXPECT_EQ(finding->attributes.at("scanner"), "scanner");
  EXPECT_EQ(graph.Attribute("CVE-2024-0001", "aliases"), "GHSA-aaaa-bbbb-cccc");
  const Edge* vex = graph.FindEdge(
      EdgeKind::kVexStatus, "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#x", "CVE-2024-0002");
  ASSERT_NE(vex, nullptr);
  EXPECT_EQ(vex->attributes.at("status"), "not_affected");
  EXPECT_EQ(vex->attributes.at("justification"), "code_not_present");
  const Edge* sourced =
      graph.FindEdge(EdgeKind::kVulnerableTo, "pkg:npm/a@1", "ref:#vulnerabilities[2]");
  ASSERT_NE(sourced, nullptr);
  EXPECT_EQ(sourced->attributes.at("scanner"), "NVD");
  // Licences: an id, a name (trimmed), an expression in canonical spacing.
  EXPECT_EQ(graph.Targets(EdgeKind::kLicensedUnder, "pkg:npm/a@1"),
            (std::set<std::string>{"license:MIT", "license:Custom Licence"}));
  EXPECT_EQ(graph.FindEdge(EdgeKind::kLicensedUnder, "pkg:npm/a@1", "license:MIT")->attributes,
            (Attributes{{"expression", "MIT"}, {"source", "declared"}}));
  EXPECT_EQ(graph.FindEdge(EdgeKind::kLicensedUnder, "pkg:npm/a@1", "license:Custom Licence")->attributes,
            (Attributes{{"name", "Custom Licence"}}));
  EXPECT_EQ(graph.FindEdge(EdgeKind::kLicensedUnder, "ref:lib-b", "license:Apache-2.0 OR MIT")->attributes,
            (Attributes{{"expression", "Apache-2.0 OR MIT"}, {"source", "concluded"}}));
}

// --- bad input ---------------------------------------------------------------

void ExpectRefused(const std::string& document, ErrorCode code, const std::string& mention) {
  SCOPED_TRACE(document.substr(0, 200));
  auto parsed = Parse(kCycloneDxXml, AsBytes(document));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(mention), std::string::npos) << parsed.error().message;
  EXPECT_LT(parsed.error().message.size(), 400u) << "messages quote at most 100 bytes of input";
}

std::string Bom(const std::string& content) {
  return R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">)" + content + "</bom>";
}

TEST(EvidenceCycloneDxXml, NotXmlOrTruncated) {
  ExpectRefused("", ErrorCode::kMalformed, "not well-formed XML");
  ExpectRefused("{\"bomFormat\": \"CycloneDX\"}", ErrorCode::kMalformed, "not well-formed XML");
  ExpectRefused(Bom("<components>"), ErrorCode::kMalformed,
                "not well-formed XML (Opening and ending tag mismatch: components line 1 and bom");
  ExpectRefused(R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>)",
                ErrorCode::kMalformed,
                "not well-formed XML (the document ends inside <components>, line 1, column");
  ExpectRefused(Bom("") + "<bom/>", ErrorCode::kMalformed,
                "not well-formed XML (content after the root element");
  ExpectRefused(Bom("<metadata a=\"1\" a=\"2\"/>"), ErrorCode::kMalformed,
                "not well-formed XML (Attribute a redefined");
  ExpectRefused("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><c:components/></bom>",
                ErrorCode::kMalformed, "Namespace prefix c on components is not defined");
  ExpectRefused(Bom("<components><component><name>\xff</name></component></components>"),
                ErrorCode::kMalformed, "not UTF-8");
  for (const std::string file : {"laravel-7.12.0.bom.1.4.xml", "guac-vex.1.5.xml",
                                 "dropwizard-1.3.15.bom.xml", "spec-valid-dependency-1.6.xml"}) {
    const Bytes bytes = testing::ReadVector("evidence/cyclonedx/" + file);
    for (const size_t cut : {bytes.size() / 2, bytes.size() - 3}) {
      ExpectRefused(std::string(bytes.begin(), bytes.begin() + cut), ErrorCode::kMalformed,
                    "not well-formed XML");
    }
  }
}

TEST(EvidenceCycloneDxXml, WrongRootOrVersion) {
  ExpectRefused("<html/>", ErrorCode::kInvalidArgument, "the root element is <html>, not <bom>");
  ExpectRefused(R"(<SoftwareIdentity xmlns="http://cyclonedx.org/schema/bom/1.5"/>)",
                ErrorCode::kInvalidArgument, "not <bom>");
  ExpectRefused("<bom/>", ErrorCode::kUnsupported, "namespace \"\" is not CycloneDX 1.2 to 1.6");
  for (const std::string version : {"1.0", "1.1", "1.7", "2.0", ""}) {
    ExpectRefused(R"(<bom xmlns="http://cyclonedx.org/schema/bom/)" + version + R"("/>)",
                  ErrorCode::kUnsupported, "is not CycloneDX 1.2 to 1.6");
  }
  // The prefix is the document's choice; the namespace is what counts.
  ExpectRefused(R"(<c:bom xmlns="http://cyclonedx.org/schema/bom/1.5" xmlns:c="urn:other"/>)",
                ErrorCode::kUnsupported, "urn:other");
  auto prefixed =
      Parse(kCycloneDxXml, AsBytes(R"(<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.6"/>)"));
  ASSERT_TRUE(prefixed.ok()) << prefixed.error().message;
  EXPECT_EQ(prefixed->spec_version, "1.6");
  // A namespace of a megabyte is quoted in part.
  ExpectRefused(
      R"(<bom xmlns="http://cyclonedx.org/schema/bom/)" + std::string(1 << 20, '9') + R"("/>)",
      ErrorCode::kUnsupported, "is not CycloneDX");
}

TEST(EvidenceCycloneDxXml, DoctypeIsRefused) {
  // The "billion laughs": libxml2 would stop the expansion, but no BOM
  // needs a DTD.
  std::string laughs = R"(<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY lol "lol">)";
  for (int i = 1; i < 10; ++i) {
    laughs += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j)
      laughs += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    laughs += "\">";
  }
  laughs += "]>" + Bom("<components><component><name>&lol9;</name></component></components>");
  ExpectRefused(laughs, ErrorCode::kMalformed, "document type declaration");
  ExpectRefused("<!DOCTYPE bom SYSTEM \"file:///etc/passwd\">" + Bom(""), ErrorCode::kMalformed,
                "document type declaration");
}

TEST(EvidenceCycloneDxXml, DeepNestingIsRefused) {
  // 64 levels of elements, the root included, are fine; 65 are not.
  const auto nested = [](int levels) {
    std::string inner;
    for (int i = 1; i < levels; ++i) inner += "<x:e xmlns:x=\"urn:x\">";
    for (int i = 1; i < levels; ++i) inner += "</x:e>";
    return Bom(inner);
  };
  EXPECT_TRUE(Parse(kCycloneDxXml, AsBytes(nested(64))).ok());
  ExpectRefused(nested(65), ErrorCode::kMalformed, "nested deeper than 64");
  // Components in components, a million deep: no recursion that deep. The
  // first fault in document order is the one reported.
  std::string deep;
  for (int i = 0; i < 1'000'000; ++i) deep += "<components><component>";
  ExpectRefused(Bom(deep), ErrorCode::kMalformed, "nested deeper than 64");
  for (int i = 0; i < 1'000'000; ++i) deep += "</component></components>";
  ExpectRefused(Bom(deep), ErrorCode::kMalformed, "nested deeper than 64");
}

TEST(EvidenceCycloneDxXml, OversizedDocument) {
  const std::string huge(kMaxDocumentBytes + 1, ' ');
  ExpectRefused(huge, ErrorCode::kMalformed, "larger than");
}

// The document is read as a stream in the order the schema gives <bom>'s
// children; metadata, which comes first, is added once the components are.
TEST(EvidenceCycloneDxXml, SchemaOrder) {
  const std::string a = "<component type=\"library\" bom-ref=\"a\"><name>a</name></component>";
  ExpectRefused(Bom("<dependencies/><components>" + a + "</components>"),
                ErrorCode::kInvalidArgument,
                "/bom/components comes after /bom/dependencies: the schema orders them");
  ExpectRefused(Bom("<components/><metadata/>"), ErrorCode::kInvalidArgument,
                "/bom/metadata comes after /bom/components");
  ExpectRefused(Bom("<vulnerabilities/><services/>"), ErrorCode::kInvalidArgument,
                "/bom/services comes after /bom/vulnerabilities");
  // Elements the reader skips (schema or extension) may sit anywhere.
  auto parsed = Parse(kCycloneDxXml, AsBytes(Bom(
      "<metadata><component type=\"application\" bom-ref=\"a\"><name>a</name></component>"
      "</metadata><externalReferences/><components>" + a + "</components><x:y xmlns:x=\"urn:x\"/>"
      "<compositions/><dependencies><dependency ref=\"a\"/></dependencies><properties/>")));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const GraphView graph(*parsed);
  // The listed component keeps its listing's path though metadata came first.
  EXPECT_EQ(graph.Attribute("ref:a", "path"), "components[0]");
  EXPECT_NE(graph.FindEdge(EdgeKind::kDescribes, std::string(kThisDocument), "ref:a"), nullptr);
}

// libxml2 reads the encodings XML 1.0 names; the graph is UTF-8.
TEST(EvidenceCycloneDxXml, DeclaredEncodings) {
  const std::string latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" +
                             Bom("<components><component><name>caf\xe9</name></component></components>");
  auto parsed = Parse(kCycloneDxXml, AsBytes(latin1));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(GraphView(*parsed).Attribute("ref:#components[0]", "name"), "caf\xc3\xa9");
  std::string utf16 = "\xff\xfe";  // UTF-16LE with its byte order mark
  for (const char c : Bom("<components><component><name>x</name></component></components>")) {
    utf16 += c;
    utf16 += '\0';
  }
  parsed = Parse(kCycloneDxXml, AsBytes(utf16));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(GraphView(*parsed).Attribute("ref:#components[0]", "name"), "x");
}

TEST(EvidenceCycloneDxXml, BreaksTheFormat) {
  const std::string a = "<component type=\"library\"><name>a</name></component>";
  ExpectRefused(
      Bom("<components>" + a + "<component type=\"library\" bom-ref=\"x\"/></components>"),
      ErrorCode::kInvalidArgument, "/bom/components/component[2] has no name");
  ExpectRefused(
      Bom("<metadata><component type=\"application\"><version>1</version></component></metadata>"),
      ErrorCode::kInvalidArgument, "/bom/metadata/component has no name");
  ExpectRefused(Bom("<metadata/><metadata/>"), ErrorCode::kInvalidArgument,
                "/bom has more than one <metadata>");
  ExpectRefused(Bom("<components><component><name>a</name><name>b</name></component></components>"),
                ErrorCode::kInvalidArgument, "component[1] has more than one <name>");
  ExpectRefused(Bom("<components><component><name><b>a</b></name></component></components>"),
                ErrorCode::kInvalidArgument, "component[1]/name must hold text, not elements");
  ExpectRefused(Bom("<components>" + a + "</components><dependencies><dependency/></dependencies>"),
                ErrorCode::kInvalidArgument,
                "/bom/dependencies/dependency[1] has no ref attribute");
  ExpectRefused(Bom("<dependencies><dependency ref=\"a\"><dependency ref=\"b\"><dependency/>"
                    "</dependency></dependency></dependencies>"),
                ErrorCode::kInvalidArgument,
                "dependency[1]/dependency[1]/dependency[1] has no ref");
  ExpectRefused(Bom("<vulnerabilities><vulnerability><id>CVE-1</id><affects><target/></affects>"
                    "</vulnerability></vulnerabilities>"),
                ErrorCode::kInvalidArgument, "affects/target[1] has no <ref>");
  ExpectRefused(Bom("<vulnerabilities><vulnerability><id>CVE-1</id><references><reference/>"
                    "</references></vulnerability></vulnerabilities>"),
                ErrorCode::kInvalidArgument, "references/reference[1] has no <id>");
  ExpectRefused(Bom("<vulnerabilities><vulnerability><id>CVE-1</id><analysis><state>maybe</state>"
                    "</analysis></vulnerability></vulnerabilities>"),
                ErrorCode::kInvalidArgument, "\"maybe\" is not a CycloneDX impact analysis state");
  // A huge attribute is read as written; a huge value in a message is cut.
  const std::string ref(4 << 20, 'r');
  auto parsed = Parse(kCycloneDxXml, AsBytes(Bom("<components><component bom-ref=\"" + ref +
                                                 "\"><name>a</name></component></components>")));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->nodes[0].id, "ref:" + ref);
  ExpectRefused(Bom("<vulnerabilities><vulnerability><analysis><state>" + ref +
                    "</state></analysis></vulnerability></vulnerabilities>"),
                ErrorCode::kInvalidArgument, "is not a CycloneDX impact analysis state");
}

}  // namespace
}  // namespace scitt::evidence

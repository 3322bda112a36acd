// The SWID tag reader (ISO/IEC 19770-2:2015 XML): every tag of
// shared/vectors/evidence/swid against the facts the graph can express
// (subject, entities, links, Meta, file counts and hashes, signature), the
// supplemental tag's link joining the distribution's tag, and bad input
// refused with the right error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <map>
#include <string>

#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "support/vectors.h"
#include "vector_facts.h"

namespace scitt::evidence {
namespace {

using facts::Count;
using facts::ParseVector;
using nlohmann::json;

// The space-separated tokens of `list`.
std::set<std::string> Tokens(const std::string& list) {
  std::set<std::string> out;
  for (size_t start = 0; start < list.size();) {
    const size_t end = std::min(list.find(' ', start), list.size());
    out.insert(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string NodeOfHref(const std::string& href) {
  return href.starts_with("swid:") ? href : "ref:" + href;
}

// Whether the graph says `rel` `href`: an edge with that "rel".
bool HasLink(const EvidenceDocument& document, const std::string& software, const std::string& rel,
             const std::string& href) {
  for (const Edge& edge : document.edges) {
    const auto it = edge.attributes.find("rel");
    if (it != edge.attributes.end() && it->second == rel &&
        (edge.to == NodeOfHref(href) || edge.from == NodeOfHref(href))) {
      return true;
    }
  }
  return false;
}

// Entity `name` (`regid`) holds `roles`: each is in the software's
// "entity.<role>"; the tag creator is also an issuer node.
void ExpectEntity(const GraphView& graph, const std::string& software, const json& entity) {
  const std::string name = entity["name"], regid = entity["regid"];
  SCOPED_TRACE("entity " + name + " (" + regid + ")");
  std::string roles;
  for (const json& role : entity["role"]) {
    EXPECT_TRUE(
        Tokens(graph.Attribute(software, "entity." + role.get<std::string>())).contains(regid))
        << role;
    if (!roles.empty()) roles += ' ';
    roles += role.get<std::string>();
  }
  if (Tokens(roles).contains("tagCreator")) {
    const std::string issuer = name.empty() ? regid : name;
    ASSERT_NE(graph.Find(issuer), nullptr);
    EXPECT_EQ(graph.Find(issuer)->kind, NodeKind::kIssuer);
    EXPECT_EQ(graph.Attribute(issuer, "name"), name);
    EXPECT_EQ(graph.Attribute(issuer, "regid"), regid);
    EXPECT_EQ(graph.Attribute(issuer, "role"), roles);
  }
}

void CheckSwid(const std::string& file, const json& facts) {
  SCOPED_TRACE("swid/" + file);
  auto parsed = ParseVector("swid", file, kSwidXml);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const EvidenceDocument& document = *parsed;
  const GraphView graph(document);
  facts::ExpectEdgesJoinNodes(document);
  EXPECT_EQ(document.format, DocumentFormat::kSwid);
  EXPECT_EQ(document.spec_version, "ISO/IEC 19770-2:2015");
  EXPECT_TRUE(facts["spec_version"].get<std::string>().starts_with(document.spec_version));
  auto generic = ParseVector("swid", file, kGenericXml);
  ASSERT_TRUE(generic.ok()) << generic.error().message;
  EXPECT_EQ(generic->nodes.size(), document.nodes.size());
  EXPECT_EQ(generic->edges.size(), document.edges.size());

  // The subject: the software, by tagId, with the tag's attributes as written.
  const json& subject = facts["subject"];
  const std::string software = "swid:" + subject["tagId"].get<std::string>();
  EXPECT_TRUE(graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument)).contains(software));
  EXPECT_EQ(graph.Resolve(subject["tagId"]), software);
  // The facts name them as the XML does; the graph as CoSWID does.
  const std::map<std::string, std::string> kGraphNames = {
      {"tagId", "tag_id"}, {"versionScheme", "version_scheme"}, {"tagVersion", "tag_version"},
      {"xml:lang", "lang"}};
  for (const auto& [key, value] : subject.items()) {
    const auto renamed = kGraphNames.find(key);
    EXPECT_EQ(graph.Attribute(software, renamed == kGraphNames.end() ? key : renamed->second),
              value.is_null() ? "<absent>" : value.get<std::string>())
        << key;
  }

  for (const auto& [key, value] : facts["counts"].items()) {
    EXPECT_EQ(graph.Declared(key), value.get<uint64_t>()) << key;
  }
  EXPECT_EQ(graph.Declared("signatures"), facts["signature_present"] ? 1u : 0u);
  for (const json& entity : facts["entities"]) ExpectEntity(graph, software, entity);
  for (const json& link : facts["links"]) {
    EXPECT_TRUE(HasLink(document, software, link["rel"], link["href"])) << link.dump();
  }
  for (const json& meta : facts["meta"]) {
    for (const auto& [key, value] : meta.items()) {
      EXPECT_EQ(graph.Attribute(software, "meta." + key), value) << key;
    }
  }

  // Files: one node each (the names here are distinct), contained in the
  // software; those with a hash have it as a digest (all SHA-256 here,
  // whatever the prefix: "SHA256:" or "sha256:").
  const json& counts = facts["counts"];
  uint64_t files = 0, hashed = 0;
  for (const Node& node : document.nodes) {
    if (node.kind != NodeKind::kFile) continue;
    ++files;
    if (node.attributes.contains("digest.sha256")) ++hashed;
    EXPECT_TRUE(graph.Sources(EdgeKind::kContains, node.id).contains(software)) << node.id;
  }
  EXPECT_EQ(files, counts.value("payload_files", uint64_t{0}) +
                       counts.value("evidence_files", uint64_t{0}));
  EXPECT_EQ(hashed, counts.value("payload_files_with_hash", uint64_t{0}) +
                        counts.value("evidence_files_with_hash", uint64_t{0}));
  const json hash_namespaces = facts.value("hash_attribute_namespaces", json::object());
  for (const auto& [block, namespaces] : hash_namespaces.items()) {
    EXPECT_EQ(namespaces, json::array({"http://www.w3.org/2001/04/xmlenc#sha256"})) << block;
  }

  for (const json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    EXPECT_EQ(check["tagId"], subject["tagId"]);
    const std::string kind = check["check"];
    if (kind == "entity_role") {
      ExpectEntity(
          graph, software,
          {{"name", check["entity"]}, {"regid", check["regid"]}, {"role", check["roles"]}});
    } else if (kind == "link") {
      EXPECT_EQ(HasLink(document, software, check["rel"], check["href"]), check["expected"]);
    } else if (kind == "file_hash") {
      bool found = false;
      for (const Node& node : document.nodes) {
        if (node.kind == NodeKind::kFile && graph.Attribute(node.id, "name") == check["file"] &&
            graph.Attribute(node.id, "path").starts_with(check["block"].get<std::string>() + "[")) {
          found = graph.Attribute(node.id, "digest.sha256") == check["hash"];
        }
      }
      EXPECT_EQ(found, check["expected"]);
    } else {
      ADD_FAILURE() << "spot check kind not handled: " << kind;
    }
  }
}

TEST(EvidenceSwid, EveryTagMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/swid/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    CheckSwid(file, fact);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

// README trap: the supplemental tag's rel="component" link says that the
// distribution (another tag) contains the package, and joins that tag's graph.
TEST(EvidenceSwid, SupplementalTagAddsToTheTagItSupplements) {
  auto supplemental =
      ParseVector("swid", "rpm2swidtag-pkg1-1.3.0-component-of-distro.swidtag", kSwidXml);
  auto distro = ParseVector("swid", "rpm2swidtag-distro.swidtag", kSwidXml);
  ASSERT_TRUE(supplemental.ok()) << supplemental.error().message;
  ASSERT_TRUE(distro.ok()) << distro.error().message;
  const GraphView graph(*supplemental);
  const std::string distribution = "swid:test.a.Example-OS-Distro-3.x86_64";
  const std::string package = "swid:unavailable.invalid.pkg1-1.3.0-1.fc28.x86_64";
  const Edge* contains = graph.FindEdge(EdgeKind::kContains, distribution, package);
  ASSERT_NE(contains, nullptr);
  EXPECT_EQ(contains->attributes.at("rel"), "component");
  const Edge* describes =
      graph.FindEdge(EdgeKind::kDescribes, std::string(kThisDocument), distribution);
  ASSERT_NE(describes, nullptr);
  EXPECT_EQ(describes->attributes.at("rel"), "supplemental");
  EXPECT_TRUE(graph
                  .Targets(EdgeKind::kContains,
                           "swid:unavailable.invalid.pkg1-1.3.0-1.fc28.x86_64-component-of-test.a."
                           "Example-OS-Distro-3.x86_64")
                  .empty());
  // The distribution's own tag names the same node.
  EXPECT_EQ(GraphView(*distro).Targets(EdgeKind::kDescribes, std::string(kThisDocument)),
            (std::set<std::string>{distribution}));
}

TEST(EvidenceSwid, FilesArePathsWithTheirHashes) {
  auto rpm = ParseVector("swid", "rpm2swidtag-pkg1-1.2.0-1.fc28.x86_64.swidtag", kSwidXml);
  ASSERT_TRUE(rpm.ok()) << rpm.error().message;
  const GraphView graph(*rpm);
  EXPECT_EQ(graph.Attribute("ref:/etc/testconfig.conf", "digest.sha256"),
            "a11e9e5746f775b735b09d18d7edb13eb7774534146ed3e61d23ba11ce4ce396");
  EXPECT_EQ(graph.Attribute("ref:/usr/share/testdir/testutf8-křížala", "path"),
            "Evidence[0].Directory[0].File[9]");
  EXPECT_EQ(graph.Attribute("ref:/usr/share/testdir/ghostfile", "digest.sha256"), "<absent>");
  EXPECT_EQ(graph.Attribute("ref:/usr/share/testdir/ghostfile", "size"), "0");
  auto hirs = ParseVector("swid", "hirs-laptop.default.1.swidtag", kSwidXml);
  ASSERT_TRUE(hirs.ok()) << hirs.error().message;
  EXPECT_EQ(GraphView(*hirs).Attribute("ref:/boot/tcg/rim/support/laptop.default.1.rimel",
                                       "digest.sha256"),
            "bc120b2d8752bc6eb228b5b433825d766183985cf02d7ab678210901a9730932");
}

std::string Tag(const std::string& attributes, const std::string& content) {
  return R"(<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd" )" +
         attributes + ">" + content + "</SoftwareIdentity>";
}

TEST(EvidenceSwid, LinksBecomeEdges) {
  const std::string tag = Tag(R"(tagId="p" name="patch" patch="true")", R"(
      <Entity name="Vendor" regid="vendor.example" role="softwareCreator licensor"/>
      <Entity name="Tagger" role="tagCreator"/>
      <Link rel="patches" href="swid:app"/>
      <Link rel="requires" href="swid:runtime"/>
      <Link rel="parent" href="swid:suite"/>
      <Link rel="component" href="swidpath://SoftwareIdentity[@name='x']"/>
      <Link rel="see-also" href="https://example.com/a"/>
      <Link rel="see-also" href="https://example.com/b"/>
      <Payload><File name="a.dll" root="%programfiles%" location="app"
        xmlns:h="http://www.w3.org/2001/04/xmlenc#sha512" h:hash="00ff"/></Payload>)");
  auto parsed = Parse(kSwidXml, AsBytes(tag));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const GraphView graph(*parsed);
  EXPECT_EQ(graph.FindEdge(EdgeKind::kDependsOn, "swid:p", "swid:app")->attributes.at("rel"),
            "patches");
  EXPECT_EQ(graph.FindEdge(EdgeKind::kDependsOn, "swid:p", "swid:runtime")->attributes.at("direct"),
            "true");
  EXPECT_EQ(graph.FindEdge(EdgeKind::kContains, "swid:suite", "swid:p")->attributes.at("rel"),
            "parent");
  const std::string query = "ref:swidpath://SoftwareIdentity[@name='x']";
  ASSERT_NE(graph.FindEdge(EdgeKind::kContains, "swid:p", query), nullptr);
  EXPECT_EQ(graph.Attribute(query, "uri"), "swidpath://SoftwareIdentity[@name='x']");
  // Relations with no kind of their own link to their targets.
  for (const char* target : {"ref:https://example.com/a", "ref:https://example.com/b"}) {
    ASSERT_NE(graph.FindEdge(EdgeKind::kLinksTo, "swid:p", target), nullptr) << target;
    EXPECT_EQ(graph.FindEdge(EdgeKind::kLinksTo, "swid:p", target)->attributes.at("rel"), "see-also");
  }
  EXPECT_EQ(graph.Attribute("swid:p", "entity.licensor"), "vendor.example");
  // An entity without regid has the schema's default.
  EXPECT_EQ(graph.Attribute("Tagger", "regid"), "http://invalid.unavailable");
  EXPECT_EQ(graph.Find("Vendor"), nullptr) << "only the tag creator is an issuer";
  EXPECT_EQ(graph.Attribute("ref:%programfiles%/app/a.dll", "digest.sha512"), "00ff");
  EXPECT_EQ(graph.Attribute("swid:p", "patch"), "true");
}

// --- bad input ---------------------------------------------------------------

void ExpectRefused(const std::string& document, ErrorCode code, const std::string& mention) {
  SCOPED_TRACE(document.substr(0, 200));
  auto parsed = Parse(kSwidXml, AsBytes(document));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(mention), std::string::npos) << parsed.error().message;
  EXPECT_LT(parsed.error().message.size(), 400u) << "messages quote at most 100 bytes of input";
}

TEST(EvidenceSwid, NotXmlOrTruncated) {
  ExpectRefused("", ErrorCode::kMalformed, "SWID: not well-formed XML");
  ExpectRefused(Tag(R"(tagId="a" name="b")", "<Entity"), ErrorCode::kMalformed,
                "not well-formed XML");
  ExpectRefused(Tag(R"(tagId="a" tagId="b" name="b")", ""), ErrorCode::kMalformed,
                "not well-formed XML (Attribute tagId redefined");
  for (const std::string file : {"hirs-laptop.default.1.swidtag", "rpm2swidtag-distro.swidtag",
                                 "rpm2swidtag-pkg1-1.2.0-1.fc28.x86_64.swidtag"}) {
    const Bytes bytes = testing::ReadVector("evidence/swid/" + file);
    ExpectRefused(std::string(bytes.begin(), bytes.begin() + bytes.size() / 2),
                  ErrorCode::kMalformed, "not well-formed XML");
  }
  ExpectRefused(std::string(kMaxDocumentBytes + 1, ' '), ErrorCode::kMalformed, "larger than");
}

TEST(EvidenceSwid, WrongRootOrNamespace) {
  ExpectRefused(R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>)",
                ErrorCode::kInvalidArgument, "the root element is <bom>, not <SoftwareIdentity>");
  ExpectRefused(R"(<SoftwareIdentity tagId="a" name="b"/>)", ErrorCode::kUnsupported,
                "namespace \"\" is not ISO/IEC 19770-2:2015");
  ExpectRefused(
      R"(<swid:SoftwareIdentity xmlns:swid="http://standards.iso.org/iso/19770/-2/2009/schema.xsd"/>)",
      ErrorCode::kUnsupported, "2009/schema.xsd\" is not ISO/IEC 19770-2:2015");
}

TEST(EvidenceSwid, DoctypeIsRefused) {
  ExpectRefused(
      R"(<!DOCTYPE SoftwareIdentity [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>)" +
          Tag(R"(tagId="a" name="&b;")", ""),
      ErrorCode::kMalformed, "document type declaration");
}

TEST(EvidenceSwid, DeepNestingIsRefused) {
  std::string deep;
  for (int i = 0; i < 1'000'000; ++i) deep += "<Directory name=\"d\">";
  for (int i = 0; i < 1'000'000; ++i) deep += "</Directory>";
  ExpectRefused(Tag(R"(tagId="a" name="b")", "<Payload>" + deep + "</Payload>"),
                ErrorCode::kMalformed, "nested deeper than 64");
  // 62 directories under Payload, the root counted, are fine and nest the path.
  std::string fine;
  for (int i = 0; i < 62; ++i) fine += "<Directory name=\"d\">";
  fine += "<File name=\"f\"/>";
  for (int i = 0; i < 62; ++i) fine += "</Directory>";
  ExpectRefused(Tag(R"(tagId="a" name="b")", "<Payload>" + fine + "</Payload>"),
                ErrorCode::kMalformed, "nested deeper than 64");
  fine = fine.substr(std::string("<Directory name=\"d\">").size());
  fine.resize(fine.size() - std::string("</Directory>").size());
  auto parsed =
      Parse(kSwidXml, AsBytes(Tag(R"(tagId="a" name="b")", "<Payload>" + fine + "</Payload>")));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(GraphView(*parsed).Declared("payload_directories"), 61u);
}

TEST(EvidenceSwid, BreaksTheFormat) {
  ExpectRefused(Tag(R"(name="b")", ""), ErrorCode::kInvalidArgument,
                "SWID: /SoftwareIdentity has no tagId attribute");
  ExpectRefused(Tag(R"(tagId="" name="b")", ""), ErrorCode::kInvalidArgument, "empty tagId");
  ExpectRefused(Tag(R"(tagId="a")", ""), ErrorCode::kInvalidArgument, "has no name attribute");
  ExpectRefused(Tag(R"(tagId="a" name="b")", R"(<Entity name="x"/>)"), ErrorCode::kInvalidArgument,
                "/SoftwareIdentity/Entity[1] has no role attribute");
  ExpectRefused(Tag(R"(tagId="a" name="b")", R"(<Link rel="x" href="y"/><Link rel="requires"/>)"),
                ErrorCode::kInvalidArgument, "/SoftwareIdentity/Link[2] has no href attribute");
  ExpectRefused(Tag(R"(tagId="a" name="b")",
                    R"(<Evidence><Directory name="d"><File size="1"/></Directory></Evidence>)"),
                ErrorCode::kInvalidArgument,
                "/SoftwareIdentity/Evidence[1]/Directory[1]/File[1] has no name");
  // A huge attribute is read as written.
  const std::string id(4 << 20, 'i');
  auto parsed = Parse(kSwidXml, AsBytes(Tag("tagId=\"" + id + "\" name=\"b\"", "")));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->nodes[0].id, "swid:" + id);
  // A huge value in a message is cut.
  ExpectRefused("<SoftwareIdentity xmlns=\"" + id + "\"/>", ErrorCode::kUnsupported,
                "is not ISO/IEC 19770-2:2015");
}

}  // namespace
}  // namespace scitt::evidence

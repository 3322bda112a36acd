// The format parsers against the real documents of shared/vectors/evidence:
// for every JSON document a folder's facts.json lists, the graph must give
// the facts' counts and pass every spot check (README "facts.json",
// "Counting rules").
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>

#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "spdx_facts.h"
#include "support/vectors.h"
#include "vector_checks.h"
#include "vector_facts.h"

namespace scitt::evidence {
namespace {

using nlohmann::json;

using namespace facts;  // NOLINT: the checks shared with the other format tests

// --- CycloneDX -------------------------------------------------------------

void CheckCycloneDx(const std::string& file, const json& facts) {
  SCOPED_TRACE("cyclonedx/" + file);
  auto parsed = ParseVector("cyclonedx", file, kCycloneDxJson);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ExpectSameByShape("cyclonedx", file, *parsed);
  CheckCycloneDxGraph(*parsed, facts);
}

TEST(EvidenceCycloneDx, EveryJsonDocumentMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/cyclonedx/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    // CycloneDX XML is not in this slice.
    if (fact["encoding"] != "json") continue;
    CheckCycloneDx(file, fact);
    ++checked;
  }
  EXPECT_EQ(checked, 19);
}

// --- SPDX 2 ----------------------------------------------------------------

TEST(EvidenceSpdx, EveryJsonDocumentMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/spdx/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    // Tag-value and SPDX 3 JSON-LD have tests of their own
    // (formats_spdx_tag_value_test.cc, formats_spdx3_test.cc).
    if (fact["encoding"] != "json") continue;
    CheckSpdx2(file, fact, kSpdxJson);
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

// --- OpenVEX ---------------------------------------------------------------

void CheckOpenVex(const std::string& file, const json& facts) {
  SCOPED_TRACE("openvex/" + file);
  auto parsed = ParseVector("openvex", file, kOpenVexJson);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const EvidenceDocument& document = *parsed;
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  ExpectSameByShape("openvex", file, document);
  EXPECT_EQ(document.format, DocumentFormat::kOpenVex);
  EXPECT_EQ(document.spec_version, facts["spec_version"]);
  const json& counts = facts["counts"];
  EXPECT_EQ(graph.Declared("statements"), Count(counts, "statements"));
  std::set<std::string> vulnerabilities, products, subcomponents;
  uint64_t pairs = 0;
  for (const Edge* edge : graph.Edges(EdgeKind::kVexStatus)) {
    vulnerabilities.insert(edge->to);
    if (edge->attributes.contains("product")) {
      subcomponents.insert(edge->from);
    } else {
      products.insert(edge->from);
      ++pairs;
    }
  }
  EXPECT_EQ(vulnerabilities.size(), Count(counts, "distinct_vulnerabilities"));
  EXPECT_EQ(products.size(), Count(counts, "distinct_products"));
  EXPECT_EQ(subcomponents.size(), Count(counts, "distinct_subcomponents"));
  EXPECT_EQ(pairs, Count(counts, "distinct_vuln_product_pairs"));
  std::set<std::string> subject_products;
  for (const json& product : facts["subject"]["products"]) {
    subject_products.insert(Id(graph, product));
  }
  EXPECT_EQ(products, subject_products);

  for (const json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    const std::string kind = check["check"];
    const std::string product = Id(graph, check["product"]);
    if (kind == "vex_status") {
      const Edge* edge = graph.FindEdge(EdgeKind::kVexStatus, product, check["vulnerability"]);
      ASSERT_NE(edge, nullptr);
      EXPECT_EQ(edge->attributes.at("status") == check["status"], check["expected"]);
      if (check["justification"].is_string()) {
        EXPECT_EQ(edge->attributes.at("justification"), check["justification"]);
      } else {
        EXPECT_FALSE(edge->attributes.contains("justification"));
      }
    } else if (kind == "vex_status_subcomponent") {
      const std::string subcomponent = Id(graph, check["subcomponent"]);
      EXPECT_TRUE(graph.Targets(EdgeKind::kContains, product).contains(subcomponent));
      bool found = false;
      for (const Edge* edge : graph.Edges(EdgeKind::kVexStatus)) {
        if (edge->from == subcomponent && edge->to == check["vulnerability"] &&
            edge->attributes.contains("product") && edge->attributes.at("product") == product) {
          found = true;
          EXPECT_EQ(edge->attributes.at("status") == check["status"], check["expected"]);
        }
      }
      EXPECT_TRUE(found);
    } else {
      ADD_FAILURE() << "spot check kind not handled: " << kind;
    }
  }
}

TEST(EvidenceOpenVex, EveryDocumentMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/openvex/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    CheckOpenVex(file, fact);
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

// A later statement about the same vulnerability and product wins.
TEST(EvidenceOpenVex, LatestStatementWins) {
  const std::string document = R"({
    "@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
    "timestamp": "2023-01-01T00:00:00Z", "version": 1,
    "statements": [
      {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:apk/a@1"}],
       "status": "fixed", "timestamp": "2023-01-02T00:00:00-06:00"},
      {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:apk/a@1"}],
       "status": "affected", "timestamp": "2023-01-02T03:00:00Z"},
      {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:apk/a@1"}],
       "status": "under_investigation"},
      {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:apk/a@1"}],
       "status": "not_affected", "justification": "component_not_present"}
    ]})";
  auto parsed = Parse(kOpenVexJson, AsBytes(document));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const GraphView graph(*parsed);
  // 03:00Z is before 00:00-06:00 (06:00Z): the first statement is the latest.
  EXPECT_EQ(graph.FindEdge(EdgeKind::kVexStatus, "pkg:apk/a@1", "CVE-1")->attributes.at("status"),
            "fixed");
  // Equal (document) times: the later in the array wins.
  EXPECT_EQ(graph.FindEdge(EdgeKind::kVexStatus, "pkg:apk/a@1", "CVE-2")->attributes.at("status"),
            "not_affected");
}

// --- in-toto / DSSE / Sigstore / SLSA ----------------------------------------

std::string_view ContentTypeOfContainer(const std::string& container) {
  if (container == "dsse") return kDsseEnvelopeJson;
  if (container == "sigstore-bundle") return "application/vnd.dev.sigstore.bundle.v0.3+json";
  return kInTotoJson;
}

// The subject node named `name` in the statement.
std::string SubjectId(const GraphView& graph, const json& name) {
  for (const std::string& id : graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument))) {
    if (graph.Attribute(id, "name") == name) return id;
  }
  ADD_FAILURE() << "no subject named " << name;
  return "<none>";
}

void ExpectDigests(const GraphView& graph, const std::string& id, const json& digests) {
  for (const auto& [algorithm, value] : digests.items()) {
    EXPECT_EQ(graph.Attribute(id, "digest." + algorithm), value) << id;
  }
}

void CheckInToto(const std::string& folder, const std::string& file, const json& facts) {
  SCOPED_TRACE(folder + "/" + file);
  const std::string container = facts["container"];
  auto parsed = ParseVector(folder, file, ContentTypeOfContainer(container));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const EvidenceDocument& document = *parsed;
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  ExpectSameByShape(folder, file, document);
  EXPECT_EQ(document.format, DocumentFormat::kInToto);
  EXPECT_EQ(document.container, container);
  EXPECT_EQ(document.spec_version, facts["statement_type"]);
  EXPECT_EQ(document.predicate_type, facts["predicateType"]);
  const json& counts = facts["counts"];
  EXPECT_EQ(graph.Declared("subjects"), Count(counts, "subjects"));
  EXPECT_EQ(graph.Declared("materials"), Count(counts, "materials_or_resolvedDependencies"));
  EXPECT_EQ(graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument)).size(),
            facts["subjects"].size());
  for (const json& subject : facts["subjects"]) {
    ExpectDigests(graph, SubjectId(graph, subject["name"]), subject["digest"]);
  }

  for (const json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    const std::string kind = check["check"];
    if (kind == "subject") {
      const std::string id = SubjectId(graph, check["name"]);
      ExpectDigests(graph, id, check["digest"]);
    } else if (kind == "built_by") {
      const std::string subject = SubjectId(graph, check["subject"]);
      EXPECT_EQ(graph.Targets(EdgeKind::kBuiltBy, subject).contains(check["builder"]),
                check["expected"]);
    } else if (kind == "built_from") {
      const std::string subject = SubjectId(graph, check["subject"]);
      bool found = false;
      for (const std::string& source : graph.Targets(EdgeKind::kBuiltFrom, subject)) {
        if (graph.Attribute(source, "uri") != check["source"]["uri"]) continue;
        found = true;
        ExpectDigests(graph, source, check["source"]["digest"]);
        EXPECT_EQ(graph.Find(source)->kind, NodeKind::kSourceRepository);
      }
      EXPECT_EQ(found, check["expected"]);
    } else if (kind == "vsa_result") {
      bool found = false;
      for (const std::string& id :
           graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument))) {
        if (graph.Attribute(id, "vsa.resource_uri") != check["resourceUri"]) continue;
        found = true;
        EXPECT_EQ(graph.Attribute(id, "vsa.result"), check["verificationResult"]);
        std::string levels;
        for (const json& level : check["verifiedLevels"]) {
          if (!levels.empty()) levels += ',';
          levels += level.get<std::string>();
        }
        EXPECT_EQ(graph.Attribute(id, "vsa.levels"), levels);
      }
      EXPECT_EQ(found, check["expected"]);
    } else {
      ADD_FAILURE() << "spot check kind not handled: " << kind;
    }
  }
  // Provenance is about every subject alike: each is built from the same sources.
  const auto subjects = graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument));
  for (const std::string& subject : subjects) {
    EXPECT_EQ(graph.Targets(EdgeKind::kBuiltFrom, subject),
              graph.Targets(EdgeKind::kBuiltFrom, *subjects.begin()));
  }
  // Provenance names its builder (every statement here but the VSA).
  if (facts["predicate"].contains("builder_id")) {
    const std::string builder = facts["predicate"]["builder_id"];
    ASSERT_NE(graph.Find(builder), nullptr);
    EXPECT_EQ(graph.Find(builder)->kind, NodeKind::kBuilder);
    EXPECT_EQ(graph.Sources(EdgeKind::kBuiltBy, builder).size(), facts["subjects"].size());
  }
}

TEST(EvidenceInToto, EveryStatementMatchesItsFacts) {
  int checked = 0;
  for (const std::string folder : {"intoto", "slsa"}) {
    const json facts = testing::ReadJsonVector("evidence/" + folder + "/facts.json");
    for (const auto& [file, fact] : facts.items()) {
      CheckInToto(folder, file, fact);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 8);
}

// A DSSE envelope and its decoded payload give the same graph.
TEST(EvidenceInToto, EnvelopeAndPayloadGiveTheSameGraph) {
  auto envelope = ParseVector("slsa", "gha_go-v1.10.0-push-v14.dsse.json", kDsseEnvelopeJson);
  auto statement = ParseVector("slsa", "gha_go-v1.10.0-push-v14.statement.json", kInTotoJson);
  ASSERT_TRUE(envelope.ok()) << envelope.error().message;
  ASSERT_TRUE(statement.ok()) << statement.error().message;
  ASSERT_EQ(envelope->nodes.size(), statement->nodes.size());
  ASSERT_EQ(envelope->edges.size(), statement->edges.size());
  for (size_t i = 0; i < envelope->edges.size(); ++i) {
    EXPECT_EQ(envelope->edges[i].kind, statement->edges[i].kind);
    EXPECT_EQ(envelope->edges[i].from, statement->edges[i].from);
    EXPECT_EQ(envelope->edges[i].to, statement->edges[i].to);
  }
}

// --- SARIF -----------------------------------------------------------------

void CheckSarif(const std::string& file, const json& facts) {
  SCOPED_TRACE("sarif/" + file);
  auto parsed = ParseVector("sarif", file, kSarifJson);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const EvidenceDocument& document = *parsed;
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  ExpectSameByShape("sarif", file, document);
  EXPECT_EQ(document.format, DocumentFormat::kSarif);
  EXPECT_EQ(document.spec_version, facts["spec_version"]);
  const json& counts = facts["counts"];
  EXPECT_EQ(graph.Declared("runs"), Count(counts, "runs"));
  EXPECT_EQ(graph.Declared("results"), Count(counts, "results_total"));
  EXPECT_EQ(graph.Declared("rules"), Count(counts, "rules_total"));
  // Each result is one VULNERABLE_TO edge (the files here have one run).
  ASSERT_EQ(facts["runs"].size(), 1u);
  const json& run = facts["runs"][0];
  const auto findings = graph.Edges(EdgeKind::kVulnerableTo);
  EXPECT_EQ(findings.size(), run["results"]);
  std::set<std::string> rules;
  std::map<std::string, uint64_t> by_level, by_bucket;
  uint64_t with_severity = 0, suppressed = 0;
  for (const Edge* edge : findings) {
    rules.insert(edge->attributes.at("rule"));
    ++by_level[edge->attributes.at("level")];
    EXPECT_EQ(edge->attributes.at("scanner"), run["tool"]);
    if (edge->attributes.contains("security_severity")) {
      ++with_severity;
      ++by_bucket[edge->attributes.at("severity")];
    }
    if (edge->attributes.contains("suppressed")) ++suppressed;
  }
  EXPECT_EQ(rules.size(), run["distinct_result_ruleIds"]);
  EXPECT_EQ(json(by_level), run["results_by_effective_level"]);
  EXPECT_EQ(with_severity, run["results_with_security_severity"]);
  EXPECT_EQ(json(by_bucket), run["results_by_security_severity_bucket"]);
  EXPECT_EQ(suppressed, run.value("results_with_an_accepted_or_unqualified_suppression", uint64_t{0}));

  for (const json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    const std::string kind = check["check"];
    uint64_t matching = 0;
    bool found = false;
    for (const Edge* edge : findings) {
      if (edge->attributes.at("rule") != check["ruleId"]) continue;
      ++matching;
      if (kind != "result_level" || edge->attributes.at("level") != check["effective_level"]) {
        continue;
      }
      const auto severity = edge->attributes.find("security_severity");
      if (check["security_severity"].is_string()
              ? severity != edge->attributes.end() && severity->second == check["security_severity"]
              : severity == edge->attributes.end()) {
        found = true;
      }
    }
    if (kind == "result_level") {
      EXPECT_EQ(found, check["expected"]);
    } else if (kind == "results_for_rule") {
      EXPECT_EQ(matching, check["expected"]);
    } else {
      ADD_FAILURE() << "spot check kind not handled: " << kind;
    }
  }
}

TEST(EvidenceSarif, EveryLogMatchesItsFacts) {
  const json facts = testing::ReadJsonVector("evidence/sarif/facts.json");
  int checked = 0;
  for (const auto& [file, fact] : facts.items()) {
    CheckSarif(file, fact);
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

// The graphs of two documents join on vulnerability ids: applying the OpenVEX
// document to the Trivy scan of the same image the way `vexctl filter` does
// (README "vex_applied") drops the findings it says are not_affected or fixed.
TEST(EvidenceSarif, OpenVexAppliesToScanByVulnerabilityId) {
  const json facts = testing::ReadJsonVector("evidence/sarif/facts.json");
  const json& applied = facts["vexctl-nginx-trivy.sarif.json"]["vex_applied"][0];
  auto scan = ParseVector("sarif", "vexctl-nginx-trivy.sarif.json", kSarifJson);
  auto vex = ParseVector("openvex", "vexctl-sample-2vulns.openvex.json", kOpenVexJson);
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  ASSERT_TRUE(vex.ok()) << vex.error().message;
  // Vulnerability names and aliases with the status the VEX gives them.
  std::map<std::string, std::string> status;
  const GraphView vex_graph(*vex);
  for (const Edge* edge : vex_graph.Edges(EdgeKind::kVexStatus)) {
    status.emplace(edge->to, edge->attributes.at("status"));
    const std::string aliases = vex_graph.Attribute(edge->to, "aliases");
    if (aliases == "<absent>") continue;
    for (size_t start = 0; start <= aliases.size();) {
      const size_t comma = std::min(aliases.find(',', start), aliases.size());
      status.emplace(aliases.substr(start, comma - start), edge->attributes.at("status"));
      start = comma + 1;
    }
  }
  std::map<std::string, uint64_t> removed;
  uint64_t kept = 0;
  for (const Edge* finding : GraphView(*scan).Edges(EdgeKind::kVulnerableTo)) {
    const auto it = status.find(finding->to);
    if (it != status.end() && (it->second == "not_affected" || it->second == "fixed")) {
      ++removed[finding->to];
    } else {
      ++kept;
    }
  }
  EXPECT_EQ(json(removed), applied["removed_by_vulnerability_id"]);
  EXPECT_EQ(kept, applied["results_after"]);
}

// A rule id that starts with a CVE id names that CVE; others name themselves.
TEST(EvidenceSarif, RuleIdsNameVulnerabilities) {
  const std::string long_id = "CVE-2023-1234" + std::string(1'000'000, '5') + "-x";
  const std::string log = R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}},
      "results": [{"ruleId": "CVE-2023-12345-package-1"}, {"ruleId": "CVE-2023-123"},
                  {"ruleId": "GHSA-abcd-efgh-ijkl"}, {"ruleId": "CVE-20x3-12345"},
                  {"ruleId": ")" + long_id + R"("}]}]})";
  auto parsed = Parse(kSarifJson, AsBytes(log));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  std::vector<std::string> vulnerabilities;
  for (const Edge& edge : parsed->edges) vulnerabilities.push_back(edge.to);
  EXPECT_EQ(vulnerabilities,
            (std::vector<std::string>{"CVE-2023-12345", "CVE-2023-123", "GHSA-abcd-efgh-ijkl",
                                      "CVE-20x3-12345", long_id.substr(0, long_id.size() - 2)}));
  // Without a location a finding is about the statement's subject.
  EXPECT_EQ(parsed->edges[0].from, kThisDocument);
}

TEST(EvidencePurl, NormalizedFormJoinsSpellings) {
  EXPECT_EQ(NormalizePurl("PKG:Maven/org.a/b@1.0?type=jar&classifier=x"),
            "pkg:maven/org.a/b@1.0?classifier=x&type=jar");
  EXPECT_EQ(NormalizePurl("pkg:npm/%40angular/core@1.0#sub/path"),
            "pkg:npm/%40angular/core@1.0#sub/path");
  // Each component decoded and encoded the one canonical way.
  EXPECT_EQ(NormalizePurl("pkg:npm/@angular/core@1.0"), "pkg:npm/%40angular/core@1.0");
  EXPECT_EQ(NormalizePurl("pkg:oci/alpine@sha256%3Aab12?repository_url=docker.io%2Flibrary%2Falpine"),
            "pkg:oci/alpine@sha256:ab12?repository_url=docker.io%2Flibrary%2Falpine");
  EXPECT_EQ(NormalizePurl("pkg:oci/alpine@sha256:ab12?repository_url=docker.io/library/alpine"),
            "pkg:oci/alpine@sha256:ab12?repository_url=docker.io%2Flibrary%2Falpine");
  EXPECT_EQ(NormalizePurl("pkg:golang/github.com/a/b@v2.0.0+incompatible"),
            "pkg:golang/github.com/a/b@v2.0.0%2Bincompatible");
  EXPECT_EQ(NormalizePurl("pkg:generic/a%20b@1?x=%zz#./c//d/../e"), "pkg:generic/a%20b@1?x=%25zz#c/d/e");
  EXPECT_EQ(NormalizePurl("pkg://npm//left-pad@1"), "pkg:npm/left-pad@1");
  // Type rules (purl-spec type definitions): case-insensitive names, PyPI's '_'.
  EXPECT_EQ(NormalizePurl("pkg:pypi/Django_Rest@4.2RC1"), "pkg:pypi/django-rest@4.2rc1");
  EXPECT_EQ(NormalizePurl("pkg:github/Package-URL/Purl-Spec@B33D"), "pkg:github/package-url/purl-spec@B33D");
  EXPECT_EQ(NormalizePurl("pkg:OCI/Debian@SHA256:AB"), "pkg:oci/debian@sha256:ab");
  EXPECT_EQ(NormalizePurl("pkg:maven/Org.A/B@1.0-SNAPSHOT"), "pkg:maven/Org.A/B@1.0-SNAPSHOT");  // case-sensitive
  EXPECT_EQ(NormalizePurl("pkg:npm"), "pkg:npm");
  // The name part and the version, without qualifiers or subpath.
  EXPECT_EQ(SplitPurlVersion("pkg:npm/%40a/b@1.0?x=y#p").base, "pkg:npm/%40a/b");
  EXPECT_EQ(SplitPurlVersion("pkg:npm/%40a/b@1.0?x=y#p").version, "1.0");
  EXPECT_EQ(SplitPurlVersion("pkg:npm/@a/b").base, "pkg:npm/@a/b");  // a scope's '@' is not a version's
  EXPECT_EQ(SplitPurlVersion("pkg:npm/@a/b").version, "");
  EXPECT_EQ(NormalizePurl("pkg:npm/"), "pkg:npm/");
  EXPECT_EQ(NormalizePurl("pkg:apk/a@1?arch=&distro=x"), "pkg:apk/a@1?distro=x");
  EXPECT_EQ(NormalizePurl("not a purl"), "not a purl");
  EXPECT_EQ(NormalizePurl("pkg:"), "pkg:");
}

}  // namespace
}  // namespace scitt::evidence

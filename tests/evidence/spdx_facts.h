// The facts of the SPDX documents of ../shared/vectors/evidence/spdx (README
// "SPDX 2.2 / 2.3", "SPDX 3.0") checked on their graphs: what SPDX 2 and 3
// share, and the whole check of an SPDX 2 document, the same for the JSON and
// the tag-value serialisation, which must give the same graph.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <string_view>

#include "graph_view.h"
#include "vector_checks.h"

namespace scitt::evidence {

// DEPENDS_ON as the facts count it: other dependency-like types (scoped
// dependencies, links) are DEPENDS_ON edges with a "scope" or "link" too.
inline GraphView::EdgeFilter Spdx2DependsOn() {
  return AssertedAs({"DEPENDS_ON", "DEPENDENCY_OF"});
}

// Listed packages (those with a "path") with a purl, and their distinct purls.
inline void ExpectPackagePurls(const EvidenceDocument& document, const nlohmann::json& counts) {
  uint64_t with_purl = 0;
  std::set<std::string> purls;
  for (const Node& node : document.nodes) {
    if (node.kind != NodeKind::kPackage || !node.attributes.contains("path")) continue;
    if (node.attributes.contains("purl")) {
      ++with_purl;
      purls.insert(node.attributes.at("purl"));
    }
  }
  EXPECT_EQ(with_purl, Count(counts, "packages_with_purl"));
  EXPECT_EQ(purls.size(), Count(counts, "distinct_purls"));
}

// The spot checks of an SPDX document: the document's own id is the graph's
// kThisDocument; `depends_on` keeps the DEPENDS_ON edges the facts count.
inline void CheckSpdxSpotChecks(const GraphView& graph, const nlohmann::json& facts,
                                const GraphView::EdgeFilter& depends_on) {
  const auto node = [&](const nlohmann::json& identifier) {
    return identifier == facts["document"]["spdxid"] ? std::string(kThisDocument)
                                                     : Id(graph, identifier);
  };
  for (const nlohmann::json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    const std::string kind = check["check"];
    if (kind == "describes") {
      EXPECT_EQ(graph.Targets(EdgeKind::kDescribes, node(check["document"]))
                    .contains(node(check["element"])),
                check["expected"]);
    } else if (kind == "contains") {
      EXPECT_EQ(
          graph.Targets(EdgeKind::kContains, node(check["parent"])).contains(node(check["child"])),
          check["expected"]);
    } else if (kind == "depends_on_direct") {
      EXPECT_EQ(graph.Targets(EdgeKind::kDependsOn, node(check["from"]), depends_on)
                    .contains(node(check["to"])),
                check["expected"]);
    } else if (kind == "reachable_count") {
      EXPECT_EQ(graph.Reachable(EdgeKind::kDependsOn, node(check["from"]), depends_on).size(),
                check["expected"]);
    } else if (kind == "contained_transitively_count") {
      EXPECT_EQ(graph.Reachable(EdgeKind::kContains, node(check["parent"])).size(),
                check["expected"]);
    } else if (kind == "package_purl") {
      EXPECT_EQ(graph.Attribute(node(check["package"]), "purl") == check["purl"],
                check["expected"]);
    } else {
      ADD_FAILURE() << "spot check kind not handled: " << kind;
    }
  }
}

inline void CheckSpdx2(const std::string& file, const nlohmann::json& facts,
                       std::string_view content_type) {
  SCOPED_TRACE("spdx/" + file);
  auto parsed = ParseVector("spdx", file, content_type);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const EvidenceDocument& document = *parsed;
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  const bool tag_value = facts["encoding"] == "tag-value";
  if (!tag_value) ExpectSameByShape("spdx", file, document);
  EXPECT_EQ(document.format, DocumentFormat::kSpdx);
  EXPECT_EQ(document.spec_version, facts["spec_version"]);
  const nlohmann::json& counts = facts["counts"];
  EXPECT_EQ(graph.Declared("packages"), Count(counts, "packages"));
  EXPECT_EQ(graph.Declared("files"), Count(counts, "files"));
  EXPECT_EQ(graph.Declared("snippets"), Count(counts, "snippets"));
  EXPECT_EQ(graph.Declared("relationships"), Count(counts, "relationships_total"));
  ExpectPackagePurls(document, counts);
  EXPECT_EQ(CountEdges(graph, EdgeKind::kDependsOn, Spdx2DependsOn()),
            Count(counts, "depends_on_edges_normalized"));

  // Containment: CONTAINS relationships and a package's files (JSON
  // hasFiles; in tag-value the files listed after the package, which the
  // facts count apart from containment).
  const auto has_files = AssertedAs({"hasFiles"});
  const size_t contains = graph.Edges(EdgeKind::kContains).size();
  if (tag_value) {
    const uint64_t listed_after = Count(counts, "files_listed_after_a_package");
    EXPECT_EQ(CountEdges(graph, EdgeKind::kContains, has_files), listed_after);
    for (const auto& [package, files] : facts["files_listed_after_each_package"].items()) {
      std::set<std::string> expected;
      for (const nlohmann::json& file_id : files) expected.insert(Id(graph, file_id));
      EXPECT_EQ(graph.Targets(EdgeKind::kContains, Id(graph, package), has_files), expected);
    }
    // A CONTAINS relationship may repeat a file's place: one edge then.
    EXPECT_GE(contains, std::max(listed_after, Count(counts, "contains_edges_normalized")));
    EXPECT_LE(contains, listed_after + Count(counts, "contains_edges_normalized"));
  } else {
    EXPECT_EQ(CountEdges(graph, EdgeKind::kContains, has_files),
              Count(counts, "has_files_pairs_distinct"));
    EXPECT_EQ(contains, Count(counts, "contains_or_hasFiles_pairs_distinct"));
  }

  // The subject: documentDescribes and DESCRIBES relationships, merged.
  std::set<std::string> described;
  for (const nlohmann::json& element : facts["subject"]["described_union"]) {
    described.insert(Id(graph, element));
  }
  EXPECT_EQ(graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument)), described);

  CheckSpdxSpotChecks(graph, facts, Spdx2DependsOn());
}

}  // namespace scitt::evidence

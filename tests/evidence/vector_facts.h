// Checks of one parsed document against the facts of
// shared/vectors/evidence (README "facts.json", "Counting rules"), shared by
// the format tests: the CycloneDX JSON and XML documents are held to the same
// facts by the same code.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <string>
#include <string_view>

#include "evidence/formats/parse.h"
#include "graph_view.h"
#include "support/vectors.h"
#include "vector_checks.h"

namespace scitt::evidence::facts {

using nlohmann::json;

// Reading a vector and the checks every graph passes (vector_checks.h).
using evidence::Count;
using evidence::ExpectEdgesJoinNodes;
using evidence::Id;
using evidence::ParseVector;

// A CycloneDX spot-check node: {"ref", "purl", "name"}, by bom-ref, else
// purl, else (for components with neither) the listed component's name.
inline std::string ComponentId(const GraphView& graph, const EvidenceDocument& document,
                               const json& node) {
  if (node["ref"].is_string()) return Id(graph, node["ref"]);
  if (node["purl"].is_string()) return Id(graph, node["purl"]);
  for (const Node& candidate : document.nodes) {
    if (candidate.attributes.contains("path") &&
        candidate.attributes.at("name") == node["name"].get<std::string>()) {
      return candidate.id;
    }
  }
  ADD_FAILURE() << "no component named " << node["name"];
  return "<none>";
}

// The VEX status each CycloneDX analysis state stands for (CISA, "Minimum
// Requirements for VEX"; the task's mapping).
inline std::string VexStatusOf(const std::string& analysis_state) {
  if (analysis_state == "exploitable") return "affected";
  if (analysis_state == "resolved") return "fixed";
  if (analysis_state == "in_triage") return "under_investigation";
  return analysis_state;  // not_affected
}

// The graph of a CycloneDX document (JSON or XML) against its facts.
inline void CheckCycloneDxGraph(const EvidenceDocument& document, const json& facts) {
  const GraphView graph(document);
  ExpectEdgesJoinNodes(document);
  EXPECT_EQ(document.format, DocumentFormat::kCycloneDx);
  EXPECT_EQ(document.spec_version, facts["spec_version"]);
  const json& counts = facts["counts"];

  // Listed components are the nodes with a "path" under components.
  const std::regex top_level(R"(components\[\d+\])");
  uint64_t listed = 0, top = 0, with_purl = 0;
  std::set<std::string> purls, bom_refs;
  for (const Node& node : document.nodes) {
    const auto path = node.attributes.find("path");
    if (path == node.attributes.end() || !path->second.starts_with("components")) continue;
    ++listed;
    if (std::regex_match(path->second, top_level)) ++top;
    if (node.attributes.contains("purl")) {
      ++with_purl;
      purls.insert(node.attributes.at("purl"));
    }
    if (node.attributes.contains("local_id")) bom_refs.insert(node.attributes.at("local_id"));
  }
  EXPECT_EQ(graph.Declared("components"), Count(counts, "components_total"));
  EXPECT_EQ(listed, Count(counts, "components_total"));
  EXPECT_EQ(top, Count(counts, "components_top_level"));
  EXPECT_EQ(listed - top, Count(counts, "components_nested"));
  EXPECT_EQ(with_purl, Count(counts, "components_with_purl"));
  EXPECT_EQ(purls.size(), Count(counts, "distinct_purls"));
  EXPECT_EQ(bom_refs.size(), Count(counts, "distinct_bom_refs"));
  EXPECT_EQ(graph.Declared("services"), Count(counts, "services_total"));
  EXPECT_EQ(graph.Declared("dependency_entries"), Count(counts, "dependency_entries"));

  const auto depends_on = graph.Edges(EdgeKind::kDependsOn);
  EXPECT_EQ(depends_on.size(), Count(counts, "dependency_edges_distinct"));
  uint64_t self_loops = 0;
  std::set<std::string> undeclared;
  for (const Edge* edge : depends_on) {
    EXPECT_EQ(edge->attributes.at("direct"), "true");
    if (edge->from == edge->to) ++self_loops;
    for (const std::string& end : {edge->from, edge->to}) {
      if (!graph.Find(end)->attributes.contains("path")) undeclared.insert(end);
    }
  }
  EXPECT_EQ(self_loops, Count(counts, "dependency_self_loops"));
  EXPECT_EQ(undeclared.size(), Count(counts, "dependency_refs_not_declared"));

  EXPECT_EQ(graph.Declared("vulnerabilities"), Count(counts, "vulnerabilities"));
  uint64_t vulnerability_nodes = 0;
  for (const Node& node : document.nodes) {
    if (node.kind == NodeKind::kVulnerability) ++vulnerability_nodes;
  }
  EXPECT_EQ(vulnerability_nodes, Count(counts, "distinct_vulnerability_ids"));
  EXPECT_EQ(graph.Declared("vulnerability_affects"), Count(counts, "vulnerability_affects"));
  // Every affects entry with an analysis state is a VEX statement here.
  uint64_t analysed = 0;
  if (counts.contains("vulnerabilities_by_analysis_state")) {
    for (const auto& [state, n] : counts["vulnerabilities_by_analysis_state"].items()) {
      if (state != "(none)") analysed += n.get<uint64_t>();
    }
  }
  EXPECT_EQ(graph.Edges(EdgeKind::kVexStatus).size(), analysed);

  // The subject: metadata.component, DESCRIBED by the document.
  const auto described = graph.Targets(EdgeKind::kDescribes, std::string(kThisDocument));
  if (facts["subject"].is_null()) {
    EXPECT_TRUE(described.empty());
  } else {
    ASSERT_EQ(described.size(), 1u);
    const std::string root = *described.begin();
    const json& subject = facts["subject"];
    EXPECT_EQ(graph.Attribute(root, "name"), subject["name"]);
    if (subject["ref"].is_string()) {
      EXPECT_EQ(graph.Attribute(root, "local_id"), subject["ref"]);
    }
    if (subject["purl"].is_string()) {
      EXPECT_EQ(graph.Attribute(root, "purl"), subject["purl"]);
    }
    if (counts.contains("root_direct_dependencies")) {
      EXPECT_EQ(graph.Targets(EdgeKind::kDependsOn, root).size(),
                Count(counts, "root_direct_dependencies"));
      EXPECT_EQ(graph.Reachable(EdgeKind::kDependsOn, root).size(),
                Count(counts, "root_reachable_transitively"));
    }
  }
  if (counts.contains("largest_reachable_set")) {
    size_t largest = 0;
    for (const Edge* edge : depends_on) {
      largest = std::max(largest, graph.Reachable(EdgeKind::kDependsOn, edge->from).size());
    }
    EXPECT_EQ(largest, Count(counts, "largest_reachable_set"));
  }

  for (const json& check : facts["spot_checks"]) {
    SCOPED_TRACE(check["text"].get<std::string>());
    const std::string kind = check["check"];
    if (kind == "depends_on_direct") {
      const auto targets =
          graph.Targets(EdgeKind::kDependsOn, ComponentId(graph, document, check["from"]));
      EXPECT_EQ(targets.contains(ComponentId(graph, document, check["to"])), check["expected"]);
    } else if (kind == "depends_on_transitive") {
      const auto reachable =
          graph.Reachable(EdgeKind::kDependsOn, ComponentId(graph, document, check["from"]));
      EXPECT_EQ(reachable.contains(ComponentId(graph, document, check["to"])), check["expected"]);
    } else if (kind == "reachable_count") {
      EXPECT_EQ(graph.Reachable(EdgeKind::kDependsOn, ComponentId(graph, document, check["from"]))
                    .size(),
                check["expected"]);
    } else if (kind == "direct_dependency_count") {
      EXPECT_EQ(graph.Targets(EdgeKind::kDependsOn, ComponentId(graph, document, check["node"]))
                    .size(),
                check["expected"]);
    } else if (kind == "direct_dependents_count") {
      EXPECT_EQ(graph.Sources(EdgeKind::kDependsOn, ComponentId(graph, document, check["node"]))
                    .size(),
                check["expected"]);
    } else if (kind == "nested_in") {
      const auto children =
          graph.Targets(EdgeKind::kContains, ComponentId(graph, document, check["parent"]));
      EXPECT_EQ(children.contains(ComponentId(graph, document, check["child"])),
                check["expected"]);
    } else if (kind == "has_purl") {
      EXPECT_EQ(graph.Resolve(check["purl"]).has_value(), check["expected"]);
    } else if (kind == "vex_status") {
      const std::string product = Id(graph, check["product_ref"]);
      const Edge* edge = graph.FindEdge(EdgeKind::kVexStatus, product, check["vulnerability"]);
      ASSERT_NE(edge, nullptr);
      EXPECT_EQ(edge->attributes.at("status"), VexStatusOf(check["status"]));
      if (check["justification"].is_string()) {
        EXPECT_EQ(edge->attributes.at("justification"), check["justification"]);
      } else {
        EXPECT_FALSE(edge->attributes.contains("justification"));
      }
    } else {
      ADD_FAILURE() << "spot check kind not handled: " << kind;
    }
  }
}

}  // namespace scitt::evidence::facts

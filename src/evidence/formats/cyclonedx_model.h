// private to evidence/formats: the graph of a CycloneDX BOM, shared by the
// JSON reader (cyclonedx.cc, which also implements this header) and the XML
// reader (cyclonedx_xml.cc), so that one BOM gives the same nodes, edges and
// declared counts in either encoding. The readers walk their own tree and
// hand over plain values; node ids, edge kinds and attributes are decided
// here only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal::cyclonedx {

// One entry of a component's licenses: an SPDX license id, a licence's
// name or an SPDX expression; `acknowledgement` (1.6) is "declared" or
// "concluded".
struct License {
  std::optional<std::string> id, name, expression, acknowledgement;
};

// A component as listed: in components (at any depth) or as
// metadata.component.
struct Component {
  std::string where;  // names it in messages: "CycloneDX: components[0]"
  std::string path;   // "components[0].components[1]", "metadata.component"
  std::optional<std::string> bom_ref, purl, name, version, type;
  std::vector<License> licenses;
};

struct Vulnerability {
  std::string where;
  size_t index = 0;  // in vulnerabilities
  std::optional<std::string> id;
  std::vector<std::string> aliases;     // references[].id
  std::vector<std::string> severities;  // ratings[].severity, as written
  std::string scanner;                  // who found it, or empty
  std::optional<std::string> analysis_state, justification;
  std::vector<std::string> affects;  // affects[].ref
};

class BomGraph {
 public:
  // The document's format is kCycloneDx whichever the encoding.
  BomGraph(std::string spec_version, GraphParts parts);

  // Adds a component listed in components (nested in `parent`'s components
  // when `parent` is not null) and returns its node id.
  Result<std::string> AddListedComponent(const Component& component, const std::string* parent);
  // metadata.component: the subject the document DESCRIBES.
  Status AddSubject(const Component& component);
  // metadata.authors[] and metadata.supplier.
  Status AddIssuer(const std::optional<std::string>& name);
  void AddService() { graph_.Declare("services"); }
  // One dependencies[] entry; returns the node of its ref.
  Result<std::string> AddDependencyEntry(const std::string& ref);
  // `from` (a node id) dependsOn `ref`; returns the node of `ref`.
  Result<std::string> AddDependsOn(const std::string& from, const std::string& ref);
  Status AddVulnerability(const Vulnerability& vulnerability);

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  Result<std::string> AddComponent(const Component& component);
  Result<std::string> NodeForRef(const std::string& ref);

  GraphBuilder graph_;
  CompactStringMap node_by_ref_;  // bom-ref -> node id
};

}  // namespace scitt::evidence::internal::cyclonedx

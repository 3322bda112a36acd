// CycloneDX JSON 1.2-1.6 (https://cyclonedx.org/docs/1.6/json/): components
// (nested ones too) become packages, `dependencies` DEPENDS_ON edges, and
// `vulnerabilities` findings (VULNERABLE_TO) or, with an `analysis`, VEX
// statements (VEX_STATUS). The graph itself is BomGraph's
// (cyclonedx_model.h), which the XML reader shares. The top-level arrays
// are read an element at a time (OrderedMemberReader), never as one tree.
#include <array>

#include "evidence/formats/cyclonedx_model.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace cyclonedx {
namespace {

// CycloneDX 1.4+ "impactAnalysisState" to the VEX statuses, as CISA's "Minimum
// Requirements for VEX" and the CycloneDX VEX guide pair them: exploitable
// means affected, resolved (with or without pedigree) fixed, false_positive
// and not_affected not affected, in_triage under investigation.
std::optional<std::string_view> VexStatusOfAnalysisState(std::string_view state) {
  if (state == "exploitable") return "affected";
  if (state == "resolved" || state == "resolved_with_pedigree") return "fixed";
  if (state == "not_affected" || state == "false_positive") return "not_affected";
  if (state == "in_triage") return "under_investigation";
  return std::nullopt;
}

// "severity" values of CycloneDX ratings, most severe first.
constexpr std::array<std::string_view, 7> kSeverities = {"critical", "high", "medium", "low",
                                                         "info",     "none", "unknown"};

// The most severe of `severities`, or empty.
std::string MostSevere(const std::vector<std::string>& severities) {
  size_t best = kSeverities.size();
  for (const std::string& severity : severities) {
    for (size_t s = 0; s < kSeverities.size(); ++s) {
      if (kSeverities[s] == severity && s < best) best = s;
    }
  }
  return best == kSeverities.size() ? std::string() : std::string(kSeverities[best]);
}

}  // namespace

BomGraph::BomGraph(std::string spec_version, GraphParts parts)
    : graph_(DocumentFormat::kCycloneDx, std::move(spec_version), parts) {}

// The node id of a component: the purl when it has one, else its bom-ref,
// else its place in the document.
Result<std::string> BomGraph::AddComponent(const Component& component) {
  // "name" is required in every CycloneDX schema, JSON and XML, 1.2 to 1.6.
  if (!component.name) return Invalid(component.where + " has no name");
  std::string id;
  Attributes attributes{{"path", component.path}};
  if (component.purl && !component.purl->empty()) {
    id = NormalizePurl(*component.purl);
    attributes["purl"] = *component.purl;
  } else if (component.bom_ref && !component.bom_ref->empty()) {
    id = "ref:" + *component.bom_ref;
  } else {
    id = "ref:#" + component.path;
  }
  if (component.bom_ref && !component.bom_ref->empty()) {
    attributes["local_id"] = *component.bom_ref;
    node_by_ref_.Emplace(*component.bom_ref, id);  // the first declaration of a bom-ref wins
  }
  attributes["name"] = *component.name;
  if (component.version) attributes["version"] = *component.version;
  if (component.type) attributes["type"] = *component.type;
  SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, id, std::move(attributes)));
  for (const License& license : component.licenses) {
    const std::string source = license.acknowledgement.value_or("");
    using enum GraphBuilder::LicenseText;
    if (license.expression) SCITT_RETURN_IF_ERROR(graph_.AddLicense(id, *license.expression, kExpression, source));
    if (license.id) SCITT_RETURN_IF_ERROR(graph_.AddLicense(id, *license.id, kExpression, source));
    if (license.name) SCITT_RETURN_IF_ERROR(graph_.AddLicense(id, *license.name, kName, source));
  }
  return id;
}

Result<std::string> BomGraph::AddListedComponent(const Component& component,
                                                 const std::string* parent) {
  SCITT_ASSIGN_OR_RETURN(std::string id, AddComponent(component));
  graph_.Declare("components");
  if (parent != nullptr) {
    SCITT_RETURN_IF_ERROR(graph_.AddEdge(Edge{EdgeKind::kContains, *parent, id, {}}));
  }
  return id;
}

Status BomGraph::AddSubject(const Component& component) {
  SCITT_ASSIGN_OR_RETURN(std::string subject, AddComponent(component));
  return graph_.AddEdge(Edge{EdgeKind::kDescribes, std::string(kThisDocument), subject, {}});
}

Status BomGraph::AddIssuer(const std::optional<std::string>& name) {
  if (name && !name->empty()) SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kIssuer, *name));
  return Status::Ok();
}

// The node a `ref` names: a declared bom-ref; else, for a ref that is
// itself a purl or a BOM-Link (urn:cdx:…, a global name), that; else a
// document-local package the document does not declare.
Result<std::string> BomGraph::NodeForRef(const std::string& ref) {
  if (auto id = node_by_ref_.Find(ref)) return std::move(*id);
  std::string id;
  if (ref.starts_with("pkg:")) {
    id = NormalizePurl(ref);
  } else if (ref.starts_with("urn:cdx:")) {
    id = ref;
  } else {
    id = "ref:" + ref;
  }
  SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, id, {{"local_id", ref}}));
  node_by_ref_.Emplace(ref, id);
  return id;
}

Result<std::string> BomGraph::AddDependencyEntry(const std::string& ref) {
  graph_.Declare("dependency_entries");
  return NodeForRef(ref);
}

Result<std::string> BomGraph::AddDependsOn(const std::string& from, const std::string& ref) {
  SCITT_ASSIGN_OR_RETURN(std::string to, NodeForRef(ref));
  // "dependsOn": "the bom-ref identifiers of the components or services
  // that are dependencies of this dependency object" - direct ones.
  SCITT_RETURN_IF_ERROR(graph_.AddEdge(Edge{EdgeKind::kDependsOn, from, to, {{"direct", "true"}}}));
  return to;
}

Status BomGraph::AddVulnerability(const Vulnerability& vulnerability) {
  graph_.Declare("vulnerabilities");
  const std::string id = vulnerability.id && !vulnerability.id->empty()
                             ? *vulnerability.id
                             : "ref:#vulnerabilities[" + std::to_string(vulnerability.index) + "]";
  Attributes attributes;
  std::string aliases;
  for (const std::string& alias : vulnerability.aliases) {
    aliases += (aliases.empty() ? "" : ",") + alias;
  }
  if (!aliases.empty()) attributes["aliases"] = aliases;
  SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kVulnerability, id, std::move(attributes)));

  Attributes vex;
  if (vulnerability.analysis_state) {
    const auto status = VexStatusOfAnalysisState(*vulnerability.analysis_state);
    if (!status) {
      return Invalid(vulnerability.where + " analysis state \"" +
                     vulnerability.analysis_state->substr(0, 100) +
                     "\" is not a CycloneDX impact analysis state");
    }
    vex["status"] = *status;
    if (vulnerability.justification) vex["justification"] = *vulnerability.justification;
  }
  const std::string severity = MostSevere(vulnerability.severities);
  for (const std::string& ref : vulnerability.affects) {
    graph_.Declare("vulnerability_affects");
    SCITT_ASSIGN_OR_RETURN(std::string product, NodeForRef(ref));
    // With an analysis state the entry is a VEX statement about the
    // product; without one it is a finding (a scan result).
    if (!vex.empty()) {
      SCITT_RETURN_IF_ERROR(graph_.AddEdge(Edge{EdgeKind::kVexStatus, product, id, vex}));
    } else {
      Attributes finding;
      if (!severity.empty()) finding["severity"] = severity;
      if (!vulnerability.scanner.empty()) finding["scanner"] = vulnerability.scanner;
      SCITT_RETURN_IF_ERROR(
          graph_.AddEdge(Edge{EdgeKind::kVulnerableTo, product, id, std::move(finding)}));
    }
  }
  return Status::Ok();
}

}  // namespace cyclonedx

namespace {

using cyclonedx::BomGraph;

class CycloneDxReader {
 public:
  CycloneDxReader(std::string spec_version, GraphParts parts) : graph_(std::move(spec_version), parts) {}

  Status Read(ByteView bom, const JsonOutline& outline) {
    const auto where = [](std::string_view member, size_t index) {
      return "CycloneDX: " + std::string(member) + "[" + std::to_string(index) + "]";
    };
    // Listed components first, so that a metadata.component that is also
    // listed keeps the "path" of its listing, and every bom-ref is declared
    // before dependencies and vulnerabilities name it.
    OrderedMemberReader members(
        "CycloneDX",
        {{"components",
          [&](size_t i, const Json& component) {
            return ReadListedComponent(component, where("components", i), nullptr);
          }},
         {"metadata", nullptr,
          [&](const Json& top) -> Status {
            SCITT_ASSIGN_OR_RETURN(const Json* metadata,
                                   OptionalObject(top, "metadata", "CycloneDX"));
            return metadata == nullptr ? Status::Ok() : ReadMetadata(*metadata);
          }},
         {"services",
          [&](size_t i, const Json& service) {
            return CountService(service, where("services", i));
          }},
         {"dependencies",
          [&](size_t i, const Json& dependency) {
            return ReadDependency(dependency, where("dependencies", i));
          }},
         {"vulnerabilities", [&](size_t i, const Json& vulnerability) -> Status {
            SCITT_ASSIGN_OR_RETURN(auto read, ReadVulnerability(vulnerability, i));
            return graph_.AddVulnerability(read);
          }}});
    return members.Read(bom, outline);
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  Status ReadMetadata(const Json& metadata) {
    const std::string where = "CycloneDX: metadata";
    SCITT_ASSIGN_OR_RETURN(const Json* component, OptionalObject(metadata, "component", where));
    if (component != nullptr) {
      SCITT_ASSIGN_OR_RETURN(auto subject, ReadComponent(*component, where + ".component"));
      SCITT_RETURN_IF_ERROR(graph_.AddSubject(subject));
    }
    SCITT_ASSIGN_OR_RETURN(const Json* authors, OptionalArray(metadata, "authors", where));
    if (authors != nullptr) {
      for (size_t i = 0; i < authors->size(); ++i) {
        SCITT_RETURN_IF_ERROR(
            AddIssuer((*authors)[i], where + ".authors[" + std::to_string(i) + "]"));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* supplier, OptionalObject(metadata, "supplier", where));
    if (supplier != nullptr) SCITT_RETURN_IF_ERROR(AddIssuer(*supplier, where + ".supplier"));
    return Status::Ok();
  }

  Status AddIssuer(const Json& party, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(party, where));
    SCITT_ASSIGN_OR_RETURN(auto name, OptionalString(party, "name", where));
    return graph_.AddIssuer(name);
  }

  static Result<cyclonedx::Component> ReadComponent(const Json& component,
                                                    const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(component, where));
    cyclonedx::Component out;
    out.where = where;
    out.path = where.substr(where.find(' ') + 1);  // "components[0].components[1]"
    SCITT_ASSIGN_OR_RETURN(out.bom_ref, OptionalString(component, "bom-ref", where));
    SCITT_ASSIGN_OR_RETURN(out.purl, OptionalString(component, "purl", where));
    SCITT_ASSIGN_OR_RETURN(out.name, OptionalString(component, "name", where));
    SCITT_ASSIGN_OR_RETURN(out.version, OptionalString(component, "version", where));
    SCITT_ASSIGN_OR_RETURN(out.type, OptionalString(component, "type", where));
    SCITT_ASSIGN_OR_RETURN(const Json* licenses, OptionalArray(component, "licenses", where));
    if (licenses != nullptr) {
      for (size_t i = 0; i < licenses->size(); ++i) {
        SCITT_ASSIGN_OR_RETURN(cyclonedx::License license,
                               ReadLicense((*licenses)[i], where + ".licenses[" + std::to_string(i) + "]"));
        out.licenses.push_back(std::move(license));
      }
    }
    return out;
  }

  // {"license": {"id" | "name", "acknowledgement"}} or {"expression",
  // "acknowledgement"} (licenseChoice).
  static Result<cyclonedx::License> ReadLicense(const Json& choice, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(choice, where));
    cyclonedx::License out;
    SCITT_ASSIGN_OR_RETURN(out.expression, OptionalString(choice, "expression", where));
    SCITT_ASSIGN_OR_RETURN(out.acknowledgement, OptionalString(choice, "acknowledgement", where));
    SCITT_ASSIGN_OR_RETURN(const Json* license, OptionalObject(choice, "license", where));
    if (license != nullptr) {
      SCITT_ASSIGN_OR_RETURN(out.id, OptionalString(*license, "id", where + ".license"));
      SCITT_ASSIGN_OR_RETURN(out.name, OptionalString(*license, "name", where + ".license"));
      SCITT_ASSIGN_OR_RETURN(auto acknowledgement, OptionalString(*license, "acknowledgement", where + ".license"));
      if (acknowledgement) out.acknowledgement = std::move(acknowledgement);
    }
    return out;
  }

  // Nesting depth is bounded by kMaxJsonDepth, so the recursion is too.
  Status ReadListedComponent(const Json& element, const std::string& where,
                             const std::string* parent) {
    SCITT_ASSIGN_OR_RETURN(auto component, ReadComponent(element, where));
    SCITT_ASSIGN_OR_RETURN(std::string id, graph_.AddListedComponent(component, parent));
    SCITT_ASSIGN_OR_RETURN(const Json* nested, OptionalArray(element, "components", where));
    if (nested == nullptr) return Status::Ok();
    for (size_t i = 0; i < nested->size(); ++i) {
      SCITT_RETURN_IF_ERROR(
          ReadListedComponent((*nested)[i], where + ".components[" + std::to_string(i) + "]", &id));
    }
    return Status::Ok();
  }

  Status CountService(const Json& service, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(service, where));
    graph_.AddService();
    SCITT_ASSIGN_OR_RETURN(const Json* nested, OptionalArray(service, "services", where));
    if (nested == nullptr) return Status::Ok();
    for (size_t i = 0; i < nested->size(); ++i) {
      SCITT_RETURN_IF_ERROR(CountService((*nested)[i], where + ".services[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }

  Status ReadDependency(const Json& dependency, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(std::string ref, RequiredString(dependency, "ref", where));
    SCITT_ASSIGN_OR_RETURN(std::string from, graph_.AddDependencyEntry(ref));
    SCITT_ASSIGN_OR_RETURN(const Json* depends_on, OptionalArray(dependency, "dependsOn", where));
    if (depends_on == nullptr) return Status::Ok();
    for (size_t j = 0; j < depends_on->size(); ++j) {
      SCITT_ASSIGN_OR_RETURN(
          std::string target,
          ExpectString((*depends_on)[j], where + ".dependsOn[" + std::to_string(j) + "]"));
      SCITT_RETURN_IF_ERROR(graph_.AddDependsOn(from, target));
    }
    return Status::Ok();
  }

  // Who found it: the first named tool (1.4: an array of tools; 1.5+: an
  // object of components and services), else the vulnerability's source.
  static Result<std::string> Scanner(const Json& vulnerability, const std::string& where) {
    const auto tools = vulnerability.find("tools");
    if (tools != vulnerability.end() && !tools->is_null()) {
      const Json* list = &*tools;
      if (tools->is_object()) {
        SCITT_ASSIGN_OR_RETURN(list, OptionalArray(*tools, "components", where + ".tools"));
      } else if (!tools->is_array()) {
        return Invalid(where + ".tools must be an array or an object");
      }
      if (list != nullptr) {
        for (size_t i = 0; i < list->size(); ++i) {
          const std::string here = where + ".tools[" + std::to_string(i) + "]";
          SCITT_RETURN_IF_ERROR(ExpectObject((*list)[i], here));
          SCITT_ASSIGN_OR_RETURN(auto name, OptionalString((*list)[i], "name", here));
          if (name && !name->empty()) return *name;
        }
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* source, OptionalObject(vulnerability, "source", where));
    if (source == nullptr) return std::string();
    SCITT_ASSIGN_OR_RETURN(auto name, OptionalString(*source, "name", where + ".source"));
    return name.value_or("");
  }

  static Result<cyclonedx::Vulnerability> ReadVulnerability(const Json& vulnerability,
                                                            size_t index) {
    cyclonedx::Vulnerability out;
    out.index = index;
    out.where = "CycloneDX: vulnerabilities[" + std::to_string(index) + "]";
    const std::string& where = out.where;
    SCITT_RETURN_IF_ERROR(ExpectObject(vulnerability, where));
    SCITT_ASSIGN_OR_RETURN(out.id, OptionalString(vulnerability, "id", where));
    SCITT_ASSIGN_OR_RETURN(const Json* references,
                           OptionalArray(vulnerability, "references", where));
    if (references != nullptr) {
      for (size_t r = 0; r < references->size(); ++r) {
        const std::string here = where + ".references[" + std::to_string(r) + "]";
        SCITT_RETURN_IF_ERROR(ExpectObject((*references)[r], here));
        SCITT_ASSIGN_OR_RETURN(std::string alias, RequiredString((*references)[r], "id", here));
        out.aliases.push_back(std::move(alias));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* ratings, OptionalArray(vulnerability, "ratings", where));
    if (ratings != nullptr) {
      for (size_t i = 0; i < ratings->size(); ++i) {
        const std::string here = where + ".ratings[" + std::to_string(i) + "]";
        SCITT_RETURN_IF_ERROR(ExpectObject((*ratings)[i], here));
        SCITT_ASSIGN_OR_RETURN(auto severity, OptionalString((*ratings)[i], "severity", here));
        if (severity) out.severities.push_back(std::move(*severity));
      }
    }
    SCITT_ASSIGN_OR_RETURN(out.scanner, Scanner(vulnerability, where));
    SCITT_ASSIGN_OR_RETURN(const Json* analysis, OptionalObject(vulnerability, "analysis", where));
    if (analysis != nullptr) {
      SCITT_ASSIGN_OR_RETURN(out.analysis_state,
                             OptionalString(*analysis, "state", where + ".analysis"));
      SCITT_ASSIGN_OR_RETURN(out.justification,
                             OptionalString(*analysis, "justification", where + ".analysis"));
    }
    SCITT_ASSIGN_OR_RETURN(const Json* affects, OptionalArray(vulnerability, "affects", where));
    if (affects != nullptr) {
      for (size_t a = 0; a < affects->size(); ++a) {
        const std::string here = where + ".affects[" + std::to_string(a) + "]";
        SCITT_RETURN_IF_ERROR(ExpectObject((*affects)[a], here));
        SCITT_ASSIGN_OR_RETURN(std::string ref, RequiredString((*affects)[a], "ref", here));
        out.affects.push_back(std::move(ref));
      }
    }
    return out;
  }

  BomGraph graph_;
};

}  // namespace

Result<EvidenceDocument> ParseCycloneDx(ByteView bom, const JsonOutline& outline, GraphParts parts) {
  SCITT_RETURN_IF_ERROR(ExpectObject(outline.value, "CycloneDX: the BOM"));
  SCITT_ASSIGN_OR_RETURN(std::string format, RequiredString(outline.value, "bomFormat", "CycloneDX"));
  if (format != "CycloneDX") return Invalid("CycloneDX: bomFormat must be \"CycloneDX\"");
  SCITT_ASSIGN_OR_RETURN(std::string spec_version,
                         RequiredString(outline.value, "specVersion", "CycloneDX"));
  CycloneDxReader reader(std::move(spec_version), parts);
  SCITT_RETURN_IF_ERROR(reader.Read(bom, outline));
  return std::move(reader).Finish();
}

}  // namespace scitt::evidence::internal

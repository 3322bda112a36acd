// CycloneDX XML 1.2-1.6 (https://cyclonedx.org/docs/1.6/xml/): the BOM the
// JSON encoding carries, read into the same graph (BomGraph,
// cyclonedx_model.h): for one BOM, the JSON and the XML document give equal
// nodes, edges and declared counts.
//
// What differs is the encoding only:
// * Elements are matched by local name in the root's namespace,
//   http://cyclonedx.org/schema/bom/1.<minor>, whatever prefix the document
//   gives them; elements of other namespaces (extensions, which the schema
//   allows almost anywhere) are skipped.
// * bom-ref, type and a dependency's ref are attributes; name, version, purl
//   and the rest are elements whose text is trimmed (it is often a CDATA
//   section on lines of its own).
// * dependsOn is written as nested elements: <dependency ref="a"><dependency
//   ref="b"/></dependency> says a depends on b. The schema nests them
//   without limit, so each element inside another is an edge from the outer
//   ref to the inner one, at any depth.
// * A 1.4 vulnerability lists <tools><tool>; 1.5+ <tools><components>.
#include <array>

#include "evidence/formats/cyclonedx_model.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/xml_document.h"

namespace scitt::evidence::internal {
namespace {

constexpr std::string_view kNamespacePrefix = "http://cyclonedx.org/schema/bom/";
// 1.0 and 1.1 have no metadata and no dependency graph in the core schema.
constexpr std::array<std::string_view, 5> kVersions = {"1.2", "1.3", "1.4", "1.5", "1.6"};

std::string Index(size_t i) { return "[" + std::to_string(i) + "]"; }
// XPath counts from 1.
std::string Step(std::string_view name, size_t i) { return "/" + std::string(name) + Index(i + 1); }

class CycloneDxXmlReader {
 public:
  CycloneDxXmlReader(const xml::Document& document, std::string namespace_uri,
                     std::string spec_version, GraphParts parts)
      : cdx_(document, std::move(namespace_uri)), graph_(std::move(spec_version), parts) {}

  Status Read(pugi::xml_node bom) {
    const std::string where = "CycloneDX XML: /bom";
    // Listed components first, as the JSON reader does: a metadata
    // component that is also listed keeps the "path" of its listing.
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node components, cdx_.OptionalChild(bom, "components", where));
    if (components) {
      SCITT_RETURN_IF_ERROR(
          ReadComponents(components, where + "/components", "components", nullptr));
    }
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node metadata, cdx_.OptionalChild(bom, "metadata", where));
    if (metadata) SCITT_RETURN_IF_ERROR(ReadMetadata(metadata, where + "/metadata"));
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node services, cdx_.OptionalChild(bom, "services", where));
    if (services) SCITT_RETURN_IF_ERROR(CountServices(services, where + "/services"));
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node dependencies,
                           cdx_.OptionalChild(bom, "dependencies", where));
    if (dependencies)
      SCITT_RETURN_IF_ERROR(ReadDependencies(dependencies, where + "/dependencies"));
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node vulnerabilities,
                           cdx_.OptionalChild(bom, "vulnerabilities", where));
    if (vulnerabilities) {
      SCITT_RETURN_IF_ERROR(ReadVulnerabilities(vulnerabilities, where + "/vulnerabilities"));
    }
    return Status::Ok();
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  // `path` is where the JSON encoding would list it ("components[0]").
  Result<cyclonedx::Component> ReadComponent(pugi::xml_node element, const std::string& where,
                                             std::string path) const {
    cyclonedx::Component out;
    out.where = where;
    out.path = std::move(path);
    out.bom_ref = xml::Attribute(element, "bom-ref");
    out.type = xml::Attribute(element, "type");
    SCITT_ASSIGN_OR_RETURN(out.name, cdx_.OptionalText(element, "name", where));
    SCITT_ASSIGN_OR_RETURN(out.version, cdx_.OptionalText(element, "version", where));
    SCITT_ASSIGN_OR_RETURN(out.purl, cdx_.OptionalText(element, "purl", where));
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node licenses, cdx_.OptionalChild(element, "licenses", where));
    if (licenses) {
      // <license acknowledgement=…><id>|<name></license> and
      // <expression acknowledgement=…>, in document order.
      for (const pugi::xml_node choice : licenses.children()) {
        cyclonedx::License license;
        license.acknowledgement = xml::Attribute(choice, "acknowledgement");
        if (cdx_.Is(choice, "license")) {
          const std::string here = where + "/licenses/license";
          SCITT_ASSIGN_OR_RETURN(license.id, cdx_.OptionalText(choice, "id", here));
          SCITT_ASSIGN_OR_RETURN(license.name, cdx_.OptionalText(choice, "name", here));
        } else if (cdx_.Is(choice, "expression")) {
          SCITT_ASSIGN_OR_RETURN(license.expression, xml::Text(choice, where + "/licenses/expression"));
        } else {
          continue;
        }
        out.licenses.push_back(std::move(license));
      }
    }
    return out;
  }

  // Nesting depth is bounded by kMaxXmlDepth, so the recursion is too.
  Status ReadComponents(pugi::xml_node list, const std::string& where, const std::string& path,
                        const std::string* parent) {
    const std::vector<pugi::xml_node> components = cdx_.Children(list, "component");
    for (size_t i = 0; i < components.size(); ++i) {
      const std::string here = where + Step("component", i);
      const std::string path_here = path + Index(i);
      SCITT_ASSIGN_OR_RETURN(auto component, ReadComponent(components[i], here, path_here));
      SCITT_ASSIGN_OR_RETURN(std::string id, graph_.AddListedComponent(component, parent));
      SCITT_ASSIGN_OR_RETURN(pugi::xml_node nested,
                             cdx_.OptionalChild(components[i], "components", here));
      if (nested) {
        SCITT_RETURN_IF_ERROR(
            ReadComponents(nested, here + "/components", path_here + ".components", &id));
      }
    }
    return Status::Ok();
  }

  Status ReadMetadata(pugi::xml_node metadata, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node component,
                           cdx_.OptionalChild(metadata, "component", where));
    if (component) {
      SCITT_ASSIGN_OR_RETURN(auto subject,
                             ReadComponent(component, where + "/component", "metadata.component"));
      SCITT_RETURN_IF_ERROR(graph_.AddSubject(subject));
    }
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node authors, cdx_.OptionalChild(metadata, "authors", where));
    if (authors) {
      const std::vector<pugi::xml_node> list = cdx_.Children(authors, "author");
      for (size_t i = 0; i < list.size(); ++i) {
        SCITT_ASSIGN_OR_RETURN(
            auto name, cdx_.OptionalText(list[i], "name", where + "/authors" + Step("author", i)));
        SCITT_RETURN_IF_ERROR(graph_.AddIssuer(name));
      }
    }
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node supplier,
                           cdx_.OptionalChild(metadata, "supplier", where));
    if (supplier) {
      SCITT_ASSIGN_OR_RETURN(auto name, cdx_.OptionalText(supplier, "name", where + "/supplier"));
      SCITT_RETURN_IF_ERROR(graph_.AddIssuer(name));
    }
    return Status::Ok();
  }

  Status CountServices(pugi::xml_node list, const std::string& where) {
    const std::vector<pugi::xml_node> services = cdx_.Children(list, "service");
    for (size_t i = 0; i < services.size(); ++i) {
      const std::string here = where + Step("service", i);
      graph_.AddService();
      SCITT_ASSIGN_OR_RETURN(pugi::xml_node nested,
                             cdx_.OptionalChild(services[i], "services", here));
      if (nested) SCITT_RETURN_IF_ERROR(CountServices(nested, here + "/services"));
    }
    return Status::Ok();
  }

  Status ReadDependencies(pugi::xml_node list, const std::string& where) {
    const std::vector<pugi::xml_node> entries = cdx_.Children(list, "dependency");
    for (size_t i = 0; i < entries.size(); ++i) {
      const std::string here = where + Step("dependency", i);
      SCITT_ASSIGN_OR_RETURN(std::string ref, xml::RequiredAttribute(entries[i], "ref", here));
      SCITT_ASSIGN_OR_RETURN(std::string from, graph_.AddDependencyEntry(ref));
      SCITT_RETURN_IF_ERROR(ReadDependsOn(entries[i], from, here));
    }
    return Status::Ok();
  }

  // The <dependency> elements inside `dependency`, whose node is `from`.
  Status ReadDependsOn(pugi::xml_node dependency, const std::string& from,
                       const std::string& where) {
    const std::vector<pugi::xml_node> targets = cdx_.Children(dependency, "dependency");
    for (size_t i = 0; i < targets.size(); ++i) {
      const std::string here = where + Step("dependency", i);
      SCITT_ASSIGN_OR_RETURN(std::string ref, xml::RequiredAttribute(targets[i], "ref", here));
      SCITT_ASSIGN_OR_RETURN(std::string to, graph_.AddDependsOn(from, ref));
      SCITT_RETURN_IF_ERROR(ReadDependsOn(targets[i], to, here));
    }
    return Status::Ok();
  }

  // The first named tool, else the source's name (as in the JSON reader).
  Result<std::string> Scanner(pugi::xml_node vulnerability, const std::string& where) const {
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node tools, cdx_.OptionalChild(vulnerability, "tools", where));
    if (tools) {
      std::vector<std::pair<pugi::xml_node, std::string>> named;  // element, where
      const std::vector<pugi::xml_node> legacy = cdx_.Children(tools, "tool");
      for (size_t i = 0; i < legacy.size(); ++i) {
        named.emplace_back(legacy[i], where + "/tools" + Step("tool", i));
      }
      SCITT_ASSIGN_OR_RETURN(pugi::xml_node components,
                             cdx_.OptionalChild(tools, "components", where + "/tools"));
      const std::vector<pugi::xml_node> list = cdx_.Children(components, "component");
      for (size_t i = 0; i < list.size(); ++i) {
        named.emplace_back(list[i], where + "/tools/components" + Step("component", i));
      }
      for (const auto& [tool, here] : named) {
        SCITT_ASSIGN_OR_RETURN(auto name, cdx_.OptionalText(tool, "name", here));
        if (name && !name->empty()) return *name;
      }
    }
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node source,
                           cdx_.OptionalChild(vulnerability, "source", where));
    if (!source) return std::string();
    SCITT_ASSIGN_OR_RETURN(auto name, cdx_.OptionalText(source, "name", where + "/source"));
    return name.value_or("");
  }

  Result<cyclonedx::Vulnerability> ReadVulnerability(pugi::xml_node vulnerability, size_t index,
                                                     const std::string& where) const {
    cyclonedx::Vulnerability out;
    out.where = where;
    out.index = index;
    SCITT_ASSIGN_OR_RETURN(out.id, cdx_.OptionalText(vulnerability, "id", where));
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node references,
                           cdx_.OptionalChild(vulnerability, "references", where));
    const std::vector<pugi::xml_node> reference_list = cdx_.Children(references, "reference");
    for (size_t i = 0; i < reference_list.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          std::string alias,
          cdx_.RequiredText(reference_list[i], "id", where + "/references" + Step("reference", i)));
      out.aliases.push_back(std::move(alias));
    }
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node ratings,
                           cdx_.OptionalChild(vulnerability, "ratings", where));
    const std::vector<pugi::xml_node> rating_list = cdx_.Children(ratings, "rating");
    for (size_t i = 0; i < rating_list.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          auto severity,
          cdx_.OptionalText(rating_list[i], "severity", where + "/ratings" + Step("rating", i)));
      if (severity) out.severities.push_back(std::move(*severity));
    }
    SCITT_ASSIGN_OR_RETURN(out.scanner, Scanner(vulnerability, where));
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node analysis,
                           cdx_.OptionalChild(vulnerability, "analysis", where));
    if (analysis) {
      SCITT_ASSIGN_OR_RETURN(out.analysis_state,
                             cdx_.OptionalText(analysis, "state", where + "/analysis"));
      SCITT_ASSIGN_OR_RETURN(out.justification,
                             cdx_.OptionalText(analysis, "justification", where + "/analysis"));
    }
    SCITT_ASSIGN_OR_RETURN(pugi::xml_node affects,
                           cdx_.OptionalChild(vulnerability, "affects", where));
    const std::vector<pugi::xml_node> targets = cdx_.Children(affects, "target");
    for (size_t i = 0; i < targets.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          std::string ref,
          cdx_.RequiredText(targets[i], "ref", where + "/affects" + Step("target", i)));
      out.affects.push_back(std::move(ref));
    }
    return out;
  }

  Status ReadVulnerabilities(pugi::xml_node list, const std::string& where) {
    const std::vector<pugi::xml_node> vulnerabilities = cdx_.Children(list, "vulnerability");
    for (size_t i = 0; i < vulnerabilities.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          auto vulnerability,
          ReadVulnerability(vulnerabilities[i], i, where + Step("vulnerability", i)));
      SCITT_RETURN_IF_ERROR(graph_.AddVulnerability(vulnerability));
    }
    return Status::Ok();
  }

  xml::Namespace cdx_;
  cyclonedx::BomGraph graph_;
};

}  // namespace

Result<EvidenceDocument> ParseCycloneDxXml(ByteView bytes, GraphParts parts) {
  SCITT_ASSIGN_OR_RETURN(auto document, xml::Document::Parse(bytes, "CycloneDX XML"));
  const pugi::xml_node bom = document.root();
  const std::string_view root = bom.name();
  if (xml::LocalNameOf(root) != "bom") {
    return Invalid("CycloneDX XML: the root element is <" + std::string(root.substr(0, 100)) +
                   ">, not <bom>");
  }
  // The version is the namespace's: "http://cyclonedx.org/schema/bom/1.4".
  const std::string_view namespace_uri = document.NamespaceOf(bom);
  const std::string_view version = namespace_uri.starts_with(kNamespacePrefix)
                                       ? namespace_uri.substr(kNamespacePrefix.size())
                                       : std::string_view();
  if (std::find(kVersions.begin(), kVersions.end(), version) == kVersions.end()) {
    return MakeError(ErrorCode::kUnsupported, "CycloneDX XML: <bom> in namespace \"" +
                                                  std::string(namespace_uri.substr(0, 100)) +
                                                  "\" is not CycloneDX 1.2 to 1.6");
  }
  CycloneDxXmlReader reader(document, std::string(namespace_uri), std::string(version), parts);
  SCITT_RETURN_IF_ERROR(reader.Read(bom));
  return std::move(reader).Finish();
}

}  // namespace scitt::evidence::internal

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
// * The schema fixes the order of <bom>'s children (an xs:sequence:
//   metadata, components, services, externalReferences, dependencies,
//   compositions, properties, vulnerabilities, ...), so the document is read
//   as a stream, one listed component, dependency or vulnerability at a
//   time (xml::Reader), and a BOM that breaks that order is refused. Only
//   metadata is held (read, not kept as XML) until the components are in:
//   a metadata component that is also listed keeps its listing's "path", as
//   in the JSON reader.
#include <algorithm>
#include <array>
#include <functional>
#include <optional>

#include "evidence/formats/cyclonedx_model.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/xml_reader.h"

namespace scitt::evidence::internal {
namespace {

constexpr std::string_view kNamespacePrefix = "http://cyclonedx.org/schema/bom/";
// 1.0 and 1.1 have no metadata and no dependency graph in the core schema.
constexpr std::array<std::string_view, 5> kVersions = {"1.2", "1.3", "1.4", "1.5", "1.6"};

std::string Index(size_t i) { return "[" + std::to_string(i) + "]"; }
// XPath counts from 1.
std::string Step(std::string_view name, size_t i) { return "/" + std::string(name) + Index(i + 1); }

// <bom>'s children that are read, in the schema's order.
enum Section : size_t { kMetadata, kComponents, kServices, kDependencies, kVulnerabilities };
constexpr std::array<std::string_view, 5> kSections = {"metadata", "components", "services",
                                                       "dependencies", "vulnerabilities"};

class CycloneDxXmlReader {
 public:
  CycloneDxXmlReader(xml::Reader& reader, std::string namespace_uri, std::string spec_version,
                     GraphParts parts)
      : reader_(reader), cdx_(std::move(namespace_uri)), graph_(std::move(spec_version), parts) {}

  // The reader is on <bom>.
  Status Read() {
    const std::string where = "CycloneDX XML: /bom";
    std::optional<Section> last;  // the section read last
    SCITT_RETURN_IF_ERROR(reader_.ForEachChild([&]() -> Status {
      if (reader_.namespace_uri() != cdx_.uri()) return Status::Ok();
      const std::string_view name = reader_.local_name();
      const auto found = std::find(kSections.begin(), kSections.end(), name);
      if (found == kSections.end()) return Status::Ok();
      const auto section = static_cast<Section>(found - kSections.begin());
      if (last && section == *last) {
        return Invalid(where + " has more than one <" + std::string(name) + ">");
      }
      if (last && section < *last) {
        return Invalid(where + "/" + std::string(name) + " comes after /bom/" +
                       std::string(kSections[*last]) +
                       ": the schema orders them metadata, components, services, dependencies, "
                       "vulnerabilities");
      }
      last = section;
      if (section > kComponents) SCITT_RETURN_IF_ERROR(AddMetadata());
      const std::string here = where + "/" + std::string(name);
      switch (section) {
        case kMetadata:
          return ReadMetadata(here);
        case kComponents:
          return ReadEach("component", here, [&](const xmlNode* component, size_t i, const std::string& at) {
            return ReadListedComponent(component, at, "components" + Index(i), nullptr);
          });
        case kServices:
          return ReadEach("service", here, [&](const xmlNode* service, size_t, const std::string& at) {
            return CountService(service, at);
          });
        case kDependencies:
          return ReadEach("dependency", here, [&](const xmlNode* dependency, size_t, const std::string& at) {
            return ReadDependency(dependency, at);
          });
        case kVulnerabilities:
          return ReadEach("vulnerability", here, [&](const xmlNode* element, size_t i, const std::string& at) -> Status {
            SCITT_ASSIGN_OR_RETURN(auto vulnerability, ReadVulnerability(element, i, at));
            return graph_.AddVulnerability(vulnerability);
          });
      }
      return Status::Ok();
    }));
    return AddMetadata();
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  // `path` is where the JSON encoding would list it ("components[0]").
  Result<cyclonedx::Component> ReadComponent(const xmlNode* element, const std::string& where,
                                             std::string path) const {
    cyclonedx::Component out;
    out.where = where;
    out.path = std::move(path);
    out.bom_ref = xml::Attribute(element, "bom-ref");
    out.type = xml::Attribute(element, "type");
    SCITT_ASSIGN_OR_RETURN(out.name, cdx_.OptionalText(element, "name", where));
    SCITT_ASSIGN_OR_RETURN(out.version, cdx_.OptionalText(element, "version", where));
    SCITT_ASSIGN_OR_RETURN(out.purl, cdx_.OptionalText(element, "purl", where));
    SCITT_ASSIGN_OR_RETURN(const xmlNode* licenses, cdx_.OptionalChild(element, "licenses", where));
    if (licenses) {
      // <license acknowledgement=…><id>|<name></license> and
      // <expression acknowledgement=…>, in document order.
      for (const xmlNode* choice = licenses->children; choice != nullptr; choice = choice->next) {
        if (choice->type != XML_ELEMENT_NODE) continue;
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

  // Calls `read` with each child element `local_name` of the section the
  // reader is on, parsed, its index among them and where it is.
  Status ReadEach(std::string_view local_name, const std::string& where,
                  const std::function<Status(const xmlNode*, size_t, const std::string&)>& read) {
    size_t count = 0;
    return reader_.ForEachChild([&]() -> Status {
      if (reader_.local_name() != local_name || reader_.namespace_uri() != cdx_.uri()) {
        return Status::Ok();
      }
      SCITT_ASSIGN_OR_RETURN(const xmlNode* element, reader_.Expand());
      const size_t i = count++;
      return read(element, i, where + Step(local_name, i));
    });
  }

  // A listed component and those listed in it. Nesting depth is bounded
  // by kMaxXmlDepth, so the recursion is too.
  Status ReadListedComponent(const xmlNode* element, const std::string& where,
                             const std::string& path, const std::string* parent) {
    SCITT_ASSIGN_OR_RETURN(auto component, ReadComponent(element, where, path));
    SCITT_ASSIGN_OR_RETURN(std::string id, graph_.AddListedComponent(component, parent));
    SCITT_ASSIGN_OR_RETURN(const xmlNode* nested, cdx_.OptionalChild(element, "components", where));
    const std::vector<const xmlNode*> components = cdx_.Children(nested, "component");
    for (size_t i = 0; i < components.size(); ++i) {
      SCITT_RETURN_IF_ERROR(ReadListedComponent(components[i],
                                                where + "/components" + Step("component", i),
                                                path + ".components" + Index(i), &id));
    }
    return Status::Ok();
  }

  // Read when met, added once the listed components are in.
  struct Metadata {
    std::optional<cyclonedx::Component> subject;
    std::vector<std::optional<std::string>> issuers;  // authors' and the supplier's names
  };

  Status ReadMetadata(const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(const xmlNode* metadata, reader_.Expand());
    Metadata out;
    SCITT_ASSIGN_OR_RETURN(const xmlNode* component,
                           cdx_.OptionalChild(metadata, "component", where));
    if (component) {
      SCITT_ASSIGN_OR_RETURN(out.subject,
                             ReadComponent(component, where + "/component", "metadata.component"));
    }
    SCITT_ASSIGN_OR_RETURN(const xmlNode* authors, cdx_.OptionalChild(metadata, "authors", where));
    const std::vector<const xmlNode*> list = cdx_.Children(authors, "author");
    for (size_t i = 0; i < list.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          auto name, cdx_.OptionalText(list[i], "name", where + "/authors" + Step("author", i)));
      out.issuers.push_back(std::move(name));
    }
    SCITT_ASSIGN_OR_RETURN(const xmlNode* supplier,
                           cdx_.OptionalChild(metadata, "supplier", where));
    if (supplier) {
      SCITT_ASSIGN_OR_RETURN(auto name, cdx_.OptionalText(supplier, "name", where + "/supplier"));
      out.issuers.push_back(std::move(name));
    }
    metadata_ = std::move(out);
    return Status::Ok();
  }

  Status AddMetadata() {
    if (!metadata_) return Status::Ok();
    const Metadata metadata = std::move(*metadata_);
    metadata_.reset();
    if (metadata.subject) SCITT_RETURN_IF_ERROR(graph_.AddSubject(*metadata.subject));
    for (const auto& name : metadata.issuers) SCITT_RETURN_IF_ERROR(graph_.AddIssuer(name));
    return Status::Ok();
  }

  Status CountService(const xmlNode* service, const std::string& where) {
    graph_.AddService();
    SCITT_ASSIGN_OR_RETURN(const xmlNode* nested, cdx_.OptionalChild(service, "services", where));
    const std::vector<const xmlNode*> services = cdx_.Children(nested, "service");
    for (size_t i = 0; i < services.size(); ++i) {
      SCITT_RETURN_IF_ERROR(CountService(services[i], where + "/services" + Step("service", i)));
    }
    return Status::Ok();
  }

  Status ReadDependency(const xmlNode* dependency, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(std::string ref, xml::RequiredAttribute(dependency, "ref", where));
    SCITT_ASSIGN_OR_RETURN(std::string from, graph_.AddDependencyEntry(ref));
    return ReadDependsOn(dependency, from, where);
  }

  // The <dependency> elements inside `dependency`, whose node is `from`.
  Status ReadDependsOn(const xmlNode* dependency, const std::string& from,
                       const std::string& where) {
    const std::vector<const xmlNode*> targets = cdx_.Children(dependency, "dependency");
    for (size_t i = 0; i < targets.size(); ++i) {
      const std::string here = where + Step("dependency", i);
      SCITT_ASSIGN_OR_RETURN(std::string ref, xml::RequiredAttribute(targets[i], "ref", here));
      SCITT_ASSIGN_OR_RETURN(std::string to, graph_.AddDependsOn(from, ref));
      SCITT_RETURN_IF_ERROR(ReadDependsOn(targets[i], to, here));
    }
    return Status::Ok();
  }

  // The first named tool, else the source's name (as in the JSON reader).
  Result<std::string> Scanner(const xmlNode* vulnerability, const std::string& where) const {
    SCITT_ASSIGN_OR_RETURN(const xmlNode* tools, cdx_.OptionalChild(vulnerability, "tools", where));
    if (tools) {
      std::vector<std::pair<const xmlNode*, std::string>> named;  // element, where
      const std::vector<const xmlNode*> legacy = cdx_.Children(tools, "tool");
      for (size_t i = 0; i < legacy.size(); ++i) {
        named.emplace_back(legacy[i], where + "/tools" + Step("tool", i));
      }
      SCITT_ASSIGN_OR_RETURN(const xmlNode* components,
                             cdx_.OptionalChild(tools, "components", where + "/tools"));
      const std::vector<const xmlNode*> list = cdx_.Children(components, "component");
      for (size_t i = 0; i < list.size(); ++i) {
        named.emplace_back(list[i], where + "/tools/components" + Step("component", i));
      }
      for (const auto& [tool, here] : named) {
        SCITT_ASSIGN_OR_RETURN(auto name, cdx_.OptionalText(tool, "name", here));
        if (name && !name->empty()) return *name;
      }
    }
    SCITT_ASSIGN_OR_RETURN(const xmlNode* source,
                           cdx_.OptionalChild(vulnerability, "source", where));
    if (!source) return std::string();
    SCITT_ASSIGN_OR_RETURN(auto name, cdx_.OptionalText(source, "name", where + "/source"));
    return name.value_or("");
  }

  Result<cyclonedx::Vulnerability> ReadVulnerability(const xmlNode* vulnerability, size_t index,
                                                     const std::string& where) const {
    cyclonedx::Vulnerability out;
    out.where = where;
    out.index = index;
    SCITT_ASSIGN_OR_RETURN(out.id, cdx_.OptionalText(vulnerability, "id", where));
    SCITT_ASSIGN_OR_RETURN(const xmlNode* references,
                           cdx_.OptionalChild(vulnerability, "references", where));
    const std::vector<const xmlNode*> reference_list = cdx_.Children(references, "reference");
    for (size_t i = 0; i < reference_list.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          std::string alias,
          cdx_.RequiredText(reference_list[i], "id", where + "/references" + Step("reference", i)));
      out.aliases.push_back(std::move(alias));
    }
    SCITT_ASSIGN_OR_RETURN(const xmlNode* ratings,
                           cdx_.OptionalChild(vulnerability, "ratings", where));
    const std::vector<const xmlNode*> rating_list = cdx_.Children(ratings, "rating");
    for (size_t i = 0; i < rating_list.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          auto severity,
          cdx_.OptionalText(rating_list[i], "severity", where + "/ratings" + Step("rating", i)));
      if (severity) out.severities.push_back(std::move(*severity));
    }
    SCITT_ASSIGN_OR_RETURN(out.scanner, Scanner(vulnerability, where));
    SCITT_ASSIGN_OR_RETURN(const xmlNode* analysis,
                           cdx_.OptionalChild(vulnerability, "analysis", where));
    if (analysis) {
      SCITT_ASSIGN_OR_RETURN(out.analysis_state,
                             cdx_.OptionalText(analysis, "state", where + "/analysis"));
      SCITT_ASSIGN_OR_RETURN(out.justification,
                             cdx_.OptionalText(analysis, "justification", where + "/analysis"));
    }
    SCITT_ASSIGN_OR_RETURN(const xmlNode* affects,
                           cdx_.OptionalChild(vulnerability, "affects", where));
    const std::vector<const xmlNode*> targets = cdx_.Children(affects, "target");
    for (size_t i = 0; i < targets.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          std::string ref,
          cdx_.RequiredText(targets[i], "ref", where + "/affects" + Step("target", i)));
      out.affects.push_back(std::move(ref));
    }
    return out;
  }

  xml::Reader& reader_;
  xml::Namespace cdx_;
  cyclonedx::BomGraph graph_;
  std::optional<Metadata> metadata_;
};

}  // namespace

Result<EvidenceDocument> ParseCycloneDxXml(ByteView bytes, GraphParts parts) {
  SCITT_ASSIGN_OR_RETURN(xml::Reader reader, xml::Reader::Open(bytes, "CycloneDX XML"));
  if (reader.local_name() != "bom") {
    return Invalid("CycloneDX XML: the root element is <" +
                   std::string(reader.qualified_name().substr(0, 100)) + ">, not <bom>");
  }
  // The version is the namespace's: "http://cyclonedx.org/schema/bom/1.4".
  const std::string namespace_uri(reader.namespace_uri());
  const std::string_view version = std::string_view(namespace_uri).starts_with(kNamespacePrefix)
                                       ? std::string_view(namespace_uri).substr(kNamespacePrefix.size())
                                       : std::string_view();
  if (std::find(kVersions.begin(), kVersions.end(), version) == kVersions.end()) {
    return MakeError(ErrorCode::kUnsupported, "CycloneDX XML: <bom> in namespace \"" +
                                                  namespace_uri.substr(0, 100) +
                                                  "\" is not CycloneDX 1.2 to 1.6");
  }
  CycloneDxXmlReader bom(reader, namespace_uri, std::string(version), parts);
  SCITT_RETURN_IF_ERROR(bom.Read());
  return std::move(bom).Finish();
}

}  // namespace scitt::evidence::internal

// SPDX 3.0 JSON-LD (https://spdx.github.io/spdx-spec/v3.0.1/): the elements
// of "@graph". Packages and files become nodes, Relationship elements edges
// with the meaning the SPDX 2 types they replace have (spdx_model.h), and the
// security profile's vulnerabilities and VEX assessments VULNERABLE_TO and
// VEX_STATUS edges.
//
// The document itself is the SpdxDocument, and also a software_Sbom or Bom
// element of the same @graph: "rootElement" of each is what the document
// DESCRIBES. (A document whose rootElement is its Sbom describes the Sbom's
// root elements.) Elements of other documents are named by their IRI, which
// is the node id of those the SpdxDocument imports ("ExternalMap": "A map of
// Element identifiers that are used within an SpdxDocument but defined
// external to that SpdxDocument"), the same id an SPDX 2 document gives an
// element of another document: "<namespace>#<SPDXID>".
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"
#include "evidence/formats/spdx_model.h"

namespace scitt::evidence::internal {
namespace {

constexpr std::string_view kContextPrefix = "https://spdx.org/rdf/";
// The IRIs of the SPDX License List's licences ("https://spdx.org/licenses/MIT").
constexpr std::string_view kListedLicenses = "https://spdx.org/licenses/";

bool IsCollection(const std::string& type) {
  return type == "SpdxDocument" || type == "software_Sbom" || type == "Bom";
}

bool IsRelationship(const std::string& type) {
  return type == "Relationship" || type == "LifecycleScopedRelationship" ||
         (type.starts_with("security_") && type.ends_with("Relationship"));
}

// The VEX status a security_Vex…VulnAssessmentRelationship states (its
// relationshipType is "affects", "doesNotAffect", "fixedIn" or
// "underInvestigationFor"), in OpenVEX's words.
std::optional<std::string> VexStatusOf(const std::string& type) {
  if (type == "security_VexAffectedVulnAssessmentRelationship") return "affected";
  if (type == "security_VexNotAffectedVulnAssessmentRelationship") return "not_affected";
  if (type == "security_VexFixedVulnAssessmentRelationship") return "fixed";
  if (type == "security_VexUnderInvestigationVulnAssessmentRelationship") {
    return "under_investigation";
  }
  return std::nullopt;
}

// security_VexJustificationType in OpenVEX's words ("componentNotPresent"
// is "component_not_present").
std::string SnakeCase(const std::string& camel) {
  std::string out;
  for (const char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

// HashAlgorithm names as SPDX 2 spells them, so that digests of one file
// join across versions: "sha3_256" is "sha3-256", "blake2b384" "blake2b-384".
std::string DigestKey(std::string algorithm) {
  for (char& c : algorithm) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (algorithm.starts_with("blake2b") && algorithm.size() > 7 && algorithm[7] != '-') {
    algorithm.insert(7, "-");
  }
  return "digest." + algorithm;
}

// The individuals that stand for "no element" (Core/NoAssertionElement,
// Core/NoneElement): no edge.
bool IsNoElement(const std::string& id) {
  for (const std::string_view individual : {"NoAssertionElement", "NoneElement"}) {
    if (id == individual || id.ends_with("/Core/" + std::string(individual))) return true;
  }
  return false;
}

class Spdx3Reader {
 public:
  explicit Spdx3Reader(const Json& graph) : graph_json_(graph) {}

  // Types, ids, CreationInfo and the documents' imports and prefixes.
  Status Index() {
    for (size_t i = 0; i < graph_json_.size(); ++i) {
      const Json& element = graph_json_[i];
      const std::string where = Where(i);
      SCITT_RETURN_IF_ERROR(ExpectObject(element, where));
      SCITT_ASSIGN_OR_RETURN(auto type, OptionalString(element, "type", where));
      if (!type) {
        SCITT_ASSIGN_OR_RETURN(type, OptionalString(element, "@type", where));
      }
      if (!type) return Invalid(where + ".type is missing");
      types_.push_back(*type);
      if (*type == "CreationInfo" && spec_version_.empty()) {
        SCITT_ASSIGN_OR_RETURN(auto version, OptionalString(element, "specVersion", where));
        spec_version_ = version.value_or("");
      }
      if (*type == "SpdxDocument") {
        SCITT_RETURN_IF_ERROR(ReadImports(element, where));
      }
    }
    // Ids after the prefixes they may use.
    for (size_t i = 0; i < graph_json_.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(auto id, ElementId(i));
      if (id && IsCollection(types_[i])) documents_.insert(*id);
    }
    return Status::Ok();
  }

  const std::string& spec_version() const { return spec_version_; }

  Result<EvidenceDocument> Read(std::string spec_version) && {
    graph_.emplace(DocumentFormat::kSpdx, std::move(spec_version));
    for (size_t i = 0; i < graph_json_.size(); ++i) {
      const std::string& type = types_[i];
      if (type == "software_Package") SCITT_RETURN_IF_ERROR(AddElement(i, NodeKind::kPackage));
      if (type == "software_File") SCITT_RETURN_IF_ERROR(AddElement(i, NodeKind::kFile));
      if (type == "software_Snippet") graph_->Declare("snippets");
      if (type == "security_Vulnerability") SCITT_RETURN_IF_ERROR(AddVulnerability(i));
      SCITT_RETURN_IF_ERROR(ReadLicense(i));
    }
    // Edges come after every element is a node, whatever the order of @graph.
    for (size_t i = 0; i < graph_json_.size(); ++i) {
      if (IsCollection(types_[i])) SCITT_RETURN_IF_ERROR(AddRootElements(i));
      if (IsRelationship(types_[i])) SCITT_RETURN_IF_ERROR(AddRelationship(i));
    }
    return std::move(*graph_).Finish();
  }

 private:
  static std::string Where(size_t i) { return "SPDX 3: @graph[" + std::to_string(i) + "]"; }

  Status ReadImports(const Json& document, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(const Json* maps, OptionalArray(document, "namespaceMap", where));
    for (size_t i = 0; maps != nullptr && i < maps->size(); ++i) {
      const std::string here = where + ".namespaceMap[" + std::to_string(i) + "]";
      SCITT_ASSIGN_OR_RETURN(std::string prefix, RequiredString((*maps)[i], "prefix", here));
      SCITT_ASSIGN_OR_RETURN(std::string name_space, RequiredString((*maps)[i], "namespace", here));
      prefixes_.emplace(std::move(prefix), std::move(name_space));
    }
    SCITT_ASSIGN_OR_RETURN(const Json* imports, OptionalArray(document, "import", where));
    for (size_t i = 0; imports != nullptr && i < imports->size(); ++i) {
      const std::string here = where + ".import[" + std::to_string(i) + "]";
      SCITT_ASSIGN_OR_RETURN(std::string id, RequiredString((*imports)[i], "externalSpdxId", here));
      imported_.insert(std::move(id));
    }
    return Status::Ok();
  }

  // An IRI written with a namespaceMap prefix ("DocumentRef-x:SPDXRef-y") in full.
  std::string Expand(const std::string& id) const {
    if (const size_t colon = id.find(':'); colon != std::string::npos) {
      if (const auto it = prefixes_.find(id.substr(0, colon)); it != prefixes_.end()) {
        return it->second + id.substr(colon + 1);
      }
    }
    return id;
  }

  // "spdxId" (3.0.1), else the JSON-LD "@id" it stands for.
  Result<std::optional<std::string>> ElementId(size_t i) const {
    SCITT_ASSIGN_OR_RETURN(auto id, OptionalString(graph_json_[i], "spdxId", Where(i)));
    if (!id) {
      SCITT_ASSIGN_OR_RETURN(id, OptionalString(graph_json_[i], "@id", Where(i)));
    }
    if (id) id = Expand(*id);
    return id;
  }

  Result<std::string> RequiredId(size_t i) const {
    SCITT_ASSIGN_OR_RETURN(auto id, ElementId(i));
    if (!id) return Invalid(Where(i) + ".spdxId is missing");
    return *id;
  }

  // The identifiers of `element` of an ExternalIdentifierType, in order.
  static Result<std::vector<std::string>> ExternalIdentifiers(const Json& element,
                                                              const std::string& type,
                                                              const std::string& where) {
    std::vector<std::string> out;
    SCITT_ASSIGN_OR_RETURN(const Json* identifiers,
                           OptionalArray(element, "externalIdentifier", where));
    for (size_t i = 0; identifiers != nullptr && i < identifiers->size(); ++i) {
      const std::string here = where + ".externalIdentifier[" + std::to_string(i) + "]";
      SCITT_ASSIGN_OR_RETURN(std::string kind,
                             RequiredString((*identifiers)[i], "externalIdentifierType", here));
      SCITT_ASSIGN_OR_RETURN(std::string identifier,
                             RequiredString((*identifiers)[i], "identifier", here));
      if (kind == type) out.push_back(std::move(identifier));
    }
    return out;
  }

  // software_Package / software_File: name, version, purl, hashes.
  Status AddElement(size_t i, NodeKind kind) {
    const Json& element = graph_json_[i];
    const std::string where = Where(i);
    graph_->Declare(kind == NodeKind::kPackage ? "packages" : "files");
    SCITT_ASSIGN_OR_RETURN(std::string spdx_id, RequiredId(i));
    Attributes attributes{{"local_id", spdx_id}, {"path", "@graph[" + std::to_string(i) + "]"}};
    SCITT_ASSIGN_OR_RETURN(auto name, OptionalString(element, "name", where));
    if (name) attributes["name"] = *name;
    SCITT_ASSIGN_OR_RETURN(auto version, OptionalString(element, "software_packageVersion", where));
    if (version) attributes["version"] = *version;
    SCITT_ASSIGN_OR_RETURN(auto purl, OptionalString(element, "software_packageUrl", where));
    SCITT_ASSIGN_OR_RETURN(auto purls, ExternalIdentifiers(element, "packageUrl", where));
    if (!purl && !purls.empty()) purl = purls.front();
    if (purl) attributes["purl"] = *purl;
    SCITT_ASSIGN_OR_RETURN(const Json* methods, OptionalArray(element, "verifiedUsing", where));
    for (size_t m = 0; methods != nullptr && m < methods->size(); ++m) {
      const std::string here = where + ".verifiedUsing[" + std::to_string(m) + "]";
      SCITT_ASSIGN_OR_RETURN(std::string type, RequiredString((*methods)[m], "type", here));
      // A PackageVerificationCode is a digest of file digests, not of the package.
      if (type != "Hash") continue;
      SCITT_ASSIGN_OR_RETURN(std::string algorithm,
                             RequiredString((*methods)[m], "algorithm", here));
      SCITT_ASSIGN_OR_RETURN(std::string value, RequiredString((*methods)[m], "hashValue", here));
      attributes.emplace(DigestKey(std::move(algorithm)), std::move(value));
    }
    const std::string id = purl ? NormalizePurl(*purl) : "ref:" + spdx_id;
    node_by_id_.emplace(spdx_id, id);
    return graph_->AddNode(kind, id, std::move(attributes));
  }

  // A vulnerability is named by its CVE id, else its name; other CVE and
  // security ids are its aliases.
  Status AddVulnerability(size_t i) {
    const Json& element = graph_json_[i];
    const std::string where = Where(i);
    graph_->Declare("vulnerabilities");
    SCITT_ASSIGN_OR_RETURN(std::string spdx_id, RequiredId(i));
    SCITT_ASSIGN_OR_RETURN(auto names, ExternalIdentifiers(element, "cve", where));
    SCITT_ASSIGN_OR_RETURN(auto others, ExternalIdentifiers(element, "securityOther", where));
    names.insert(names.end(), others.begin(), others.end());
    SCITT_ASSIGN_OR_RETURN(auto name, OptionalString(element, "name", where));
    std::string id = "ref:" + spdx_id;
    if (!names.empty()) {
      id = names.front();
    } else if (name) {
      id = *name;
    }
    Attributes attributes{{"local_id", spdx_id}, {"path", "@graph[" + std::to_string(i) + "]"}};
    std::string aliases;
    for (size_t n = 1; n < names.size(); ++n) aliases += (aliases.empty() ? "" : ",") + names[n];
    if (!aliases.empty()) attributes["aliases"] = aliases;
    node_by_id_.emplace(spdx_id, id);
    return graph_->AddNode(NodeKind::kVulnerability, id, std::move(attributes));
  }

  // The node an element IRI names: this document, an element of @graph, or
  // one of another document (imported or not).
  Result<std::string> NodeFor(const std::string& written) {
    const std::string iri = Expand(written);
    if (documents_.contains(iri)) return std::string(kThisDocument);
    if (const auto it = node_by_id_.find(iri); it != node_by_id_.end()) return it->second;
    const std::string id = imported_.contains(iri) ? iri : "ref:" + iri;
    SCITT_RETURN_IF_ERROR(graph_->AddNode(NodeKind::kPackage, id, {{"local_id", iri}}));
    node_by_id_.emplace(iri, id);
    return id;
  }

  Result<std::vector<std::string>> Strings(const Json& element, std::string_view key,
                                           const std::string& where) const {
    SCITT_ASSIGN_OR_RETURN(const Json* values, OptionalArray(element, key, where));
    std::vector<std::string> out;
    for (size_t i = 0; values != nullptr && i < values->size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(std::string value,
                             ExpectString((*values)[i], where + "." + std::string(key) + "[" +
                                                            std::to_string(i) + "]"));
      out.push_back(std::move(value));
    }
    return out;
  }

  Status AddRootElements(size_t i) {
    SCITT_ASSIGN_OR_RETURN(auto roots, Strings(graph_json_[i], "rootElement", Where(i)));
    for (const std::string& root : roots) {
      if (IsNoElement(root)) continue;
      SCITT_ASSIGN_OR_RETURN(std::string node, NodeFor(root));
      // A document's Sbom is the document: its roots are described.
      if (node == kThisDocument) continue;
      SCITT_RETURN_IF_ERROR(graph_->AddEdge(Edge{EdgeKind::kDescribes,
                                                 std::string(kThisDocument),
                                                 node,
                                                 {{"relationship", "rootElement"}}}));
    }
    return Status::Ok();
  }

  Status AddRelationship(size_t i) {
    const Json& element = graph_json_[i];
    const std::string where = Where(i);
    graph_->Declare("relationships");
    SCITT_ASSIGN_OR_RETURN(std::string type, RequiredString(element, "relationshipType", where));
    SCITT_ASSIGN_OR_RETURN(std::string from_id, RequiredString(element, "from", where));
    if (!element.contains("to")) return Invalid(where + ".to is missing");
    SCITT_ASSIGN_OR_RETURN(auto to_ids, Strings(element, "to", where));
    if (IsNoElement(from_id)) return Status::Ok();
    SCITT_ASSIGN_OR_RETURN(std::string from, NodeFor(from_id));
    if (type == "hasConcludedLicense" || type == "hasDeclaredLicense") {
      return AddLicenses(from, to_ids, type == "hasConcludedLicense" ? "concluded" : "declared");
    }
    Attributes attributes{{"relationship", type}};
    SCITT_ASSIGN_OR_RETURN(auto scope, OptionalString(element, "scope", where));
    if (scope) attributes["scope"] = *scope;
    for (const std::string& to_id : to_ids) {
      if (IsNoElement(to_id)) continue;
      SCITT_ASSIGN_OR_RETURN(std::string to, NodeFor(to_id));
      SCITT_RETURN_IF_ERROR(AddEdge(types_[i], element, where, type, from, to, attributes));
    }
    return Status::Ok();
  }

  // A licence element (SimpleLicensing and ExpandedLicensing profiles): an
  // expression; a listed licence, by its SPDX id; a custom licence, by its
  // name. Licence sets (conjunctive, disjunctive, with additions) are not
  // read: the graph has no edge for them.
  Status ReadLicense(size_t i) {
    const std::string& type = types_[i];
    const Json& element = graph_json_[i];
    const std::string where = Where(i);
    std::optional<std::string> text;
    GraphBuilder::LicenseText kind = GraphBuilder::LicenseText::kExpression;
    if (type == "simplelicensing_LicenseExpression") {
      SCITT_ASSIGN_OR_RETURN(text, OptionalString(element, "simplelicensing_licenseExpression", where));
    } else if (type == "expandedlicensing_ListedLicense") {
      SCITT_ASSIGN_OR_RETURN(auto id, ElementId(i));
      if (id && id->starts_with(kListedLicenses)) text = id->substr(kListedLicenses.size());
    } else if (type == "expandedlicensing_CustomLicense") {
      SCITT_ASSIGN_OR_RETURN(text, OptionalString(element, "name", where));
      kind = GraphBuilder::LicenseText::kName;
    }
    if (!text) return Status::Ok();
    SCITT_ASSIGN_OR_RETURN(std::string id, RequiredId(i));
    licenses_.emplace(std::move(id), std::pair(std::move(*text), kind));
    return Status::Ok();
  }

  // `from` LICENSED_UNDER each of `to_ids`: licence elements of this
  // document, or listed licences named by their IRI without an element.
  Status AddLicenses(const std::string& from, const std::vector<std::string>& to_ids, std::string_view source) {
    for (const std::string& to_id : to_ids) {
      if (const auto it = licenses_.find(to_id); it != licenses_.end()) {
        SCITT_RETURN_IF_ERROR(graph_->AddLicense(from, it->second.first, it->second.second, source));
      } else if (to_id.starts_with(kListedLicenses)) {
        SCITT_RETURN_IF_ERROR(graph_->AddLicense(from, to_id.substr(kListedLicenses.size()),
                                                 GraphBuilder::LicenseText::kExpression, source));
      }
    }
    return Status::Ok();
  }

  // One (from, to) pair of a relationship of `element_type`.
  Status AddEdge(const std::string& element_type, const Json& element, const std::string& where,
                 const std::string& type, const std::string& from, const std::string& to,
                 Attributes attributes) {
    enum class How { kAdd, kVexStatus, kFinding } how = How::kAdd;
    Edge edge;
    if (const auto status = VexStatusOf(element_type)) {
      // "from" is the vulnerability, "to" the products it is assessed for.
      attributes["status"] = *status;
      SCITT_ASSIGN_OR_RETURN(auto justification,
                             OptionalString(element, "security_justificationType", where));
      if (justification) attributes["justification"] = SnakeCase(*justification);
      SCITT_ASSIGN_OR_RETURN(auto modified,
                             OptionalString(element, "security_modifiedTime", where));
      SCITT_ASSIGN_OR_RETURN(auto published,
                             OptionalString(element, "security_publishedTime", where));
      if (modified || published) attributes["timestamp"] = modified ? *modified : *published;
      edge = Edge{EdgeKind::kVexStatus, to, from, std::move(attributes)};
      how = How::kVexStatus;
    } else if (type == "hasAssociatedVulnerability") {
      edge = Edge{EdgeKind::kVulnerableTo, from, to, std::move(attributes)};
      how = How::kFinding;
    } else if (type == "hasAssessmentFor" && element_type.starts_with("security_Cvss")) {
      // A CVSS score of the vulnerability ("from") for an element ("to").
      SCITT_ASSIGN_OR_RETURN(auto severity, OptionalString(element, "security_severity", where));
      if (severity) attributes["severity"] = *severity;
      edge = Edge{EdgeKind::kVulnerableTo, to, from, std::move(attributes)};
      how = How::kFinding;
    } else if (const auto meaning = SpdxRelationshipMeaning(type)) {
      if (!meaning->attribute.empty()) {
        attributes.emplace(std::string(meaning->attribute), std::string(meaning->value));
      }
      edge = meaning->reversed ? Edge{meaning->kind, to, from, std::move(attributes)}
                               : Edge{meaning->kind, from, to, std::move(attributes)};
    } else {
      return Status::Ok();
    }
    // Edges start at the document but never end there: it is no node.
    if (edge.to == kThisDocument) return Status::Ok();
    switch (how) {
      case How::kVexStatus: return SetVexStatus(std::move(edge));
      case How::kFinding: return AddFinding(std::move(edge));
      case How::kAdd: break;
    }
    return graph_->AddEdge(std::move(edge));
  }

  // @graph has no order: of two assessments of one product and
  // vulnerability the later one (by time, as UTC "…Z" text) stands.
  Status SetVexStatus(Edge edge) {
    const Edge* existing = graph_->FindEdge(edge);
    const auto time = [](const Edge& of) {
      const auto it = of.attributes.find("timestamp");
      return it == of.attributes.end() ? std::string() : it->second;
    };
    if (existing != nullptr && time(*existing) > time(edge)) return Status::Ok();
    return graph_->SetEdge(std::move(edge));
  }

  // The association and the score of one vulnerability in one element are
  // one finding.
  Status AddFinding(Edge edge) {
    if (const Edge* existing = graph_->FindEdge(edge); existing != nullptr) {
      edge.attributes.insert(existing->attributes.begin(), existing->attributes.end());
    }
    return graph_->SetEdge(std::move(edge));
  }

  const Json& graph_json_;
  std::vector<std::string> types_;                           // the type of each @graph element
  std::string spec_version_;                                 // the first CreationInfo's specVersion
  std::unordered_map<std::string, std::string> prefixes_;    // namespaceMap prefix -> namespace
  std::unordered_set<std::string> imported_;                 // ExternalMap externalSpdxIds
  std::unordered_set<std::string> documents_;                // ids of this document's collections
  std::unordered_map<std::string, std::string> node_by_id_;  // spdxId -> node id
  // spdxId -> a licence's text and whether it is an expression or a name
  std::unordered_map<std::string, std::pair<std::string, GraphBuilder::LicenseText>> licenses_;
  std::optional<GraphBuilder> graph_;
};

}  // namespace

Result<EvidenceDocument> ParseSpdx3(const Json& document) {
  SCITT_RETURN_IF_ERROR(ExpectObject(document, "SPDX 3: the document"));
  // "@context" is the context's URL, or a list with it among others.
  std::string context;
  if (const auto it = document.find("@context"); it != document.end()) {
    for (const Json& entry : it->is_array() ? *it : Json::array({*it})) {
      if (entry.is_string() && entry.get<std::string>().starts_with(kContextPrefix)) {
        context = entry.get<std::string>();
      }
    }
  }
  if (!context.starts_with(std::string(kContextPrefix) + "3")) {
    return MakeError(ErrorCode::kUnsupported,
                     "SPDX 3: the document's @context names no SPDX 3 context (" +
                         std::string(kContextPrefix) + "3…)");
  }
  SCITT_ASSIGN_OR_RETURN(const Json* graph, OptionalArray(document, "@graph", "SPDX 3"));
  if (graph == nullptr) return Invalid("SPDX 3: @graph is missing");
  Spdx3Reader reader(*graph);
  SCITT_RETURN_IF_ERROR(reader.Index());
  // CreationInfo.specVersion, else the version in the context's URL
  // ("https://spdx.org/rdf/3.0.1/spdx-context.jsonld").
  std::string version = reader.spec_version();
  if (version.empty()) {
    const std::string rest = context.substr(kContextPrefix.size());
    version = rest.substr(0, rest.find('/'));
  }
  if (!version.starts_with("3.")) {
    return MakeError(ErrorCode::kUnsupported, "SPDX 3: specVersion \"" + version.substr(0, 100) +
                                                  "\" is not read (SPDX 3 is)");
  }
  return std::move(reader).Read("SPDX-" + version);
}

}  // namespace scitt::evidence::internal

// SWID tags, ISO/IEC 19770-2:2015 XML (the schema's namespace is
// http://standards.iso.org/iso/19770/-2/2015/schema.xsd; RFC 9393, CoSWID,
// restates its semantics): one SoftwareIdentity, the software it names, the
// entities that made the tag and the software, links to other tags, and the
// files the software installs (Payload) or that were found on a device
// (Evidence).
//
// Node ids. The software is "swid:<tagId>". A tag names its software by
// tagId, meant to be globally unique, and other tags point at it with the
// URI "swid:<tagId>" in a Link href (as the rpm2swidtag tags do), so this
// id joins a tag to the links of other documents. No purl is formed: a tag
// carries no package type and no repository (versionScheme "rpm" does not
// say whose rpm), so a purl would claim more than the tag says. A link to
// something else than "swid:" (a swidpath query, a URL) is a document-local
// "ref:<href>". Files are "ref:<path>", the path joined from the root,
// location and name attributes of the File and its enclosing Directory
// elements.
//
// Graph:
// * DESCRIBES from the document to the software (attributes tag_id, name,
//   version, version_scheme, tag_version, corpus, patch, supplemental, lang,
//   as written; "meta.<name>" for the attributes of Meta; "entity.<role>"
//   the regid of each entity with that role).
// * The entity with role tagCreator, who wrote the tag: an issuer node (its
//   name, else its regid).
// * Links: component -> CONTAINS to the component; parent -> CONTAINS from
//   the parent; requires -> DEPENDS_ON; patches -> DEPENDS_ON (a patch
//   applies to what it patches only); supplemental -> DESCRIBES from the
//   document to the supplemented software; any other rel -> LINKS_TO (the
//   rule CoSWID follows too: internal::SwidLink). Each edge has attribute "rel".
// * Every File in Payload or Evidence (at any depth): a file node with
//   "digest.<alg>" from the hash attribute, and CONTAINS from the software.
//
// A supplemental tag (supplemental="true") adds to the tags it links with
// rel="supplemental": its links and files are about that software, not about
// the supplemental tag itself (ISO/IEC 19770-2:2015, supplemental tags; the
// rpm2swidtag "component-of" tags say so that a distribution contains a
// package).
#include <algorithm>
#include <array>
#include <map>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/xml_reader.h"

namespace scitt::evidence::internal {
namespace {

constexpr std::string_view kSwidNamespace = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
constexpr std::string_view kXmlDsigNamespace = "http://www.w3.org/2000/09/xmldsig#";
// An Entity without regid: the schema's default.
constexpr std::string_view kDefaultRegid = "http://invalid.unavailable";

// Hash attributes are named by the namespace of the algorithm's identifier
// (NIST IR 8060, from the XML Encryption and XML Signature algorithm URIs):
// <File SHA256:hash="…" xmlns:SHA256="…xmlenc#sha256"/>.
// The prefix is anything ("SHA256", "sha256", "ns3").
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kHashAlgorithms = {{
    {"http://www.w3.org/2001/04/xmlenc#sha256", "sha256"},
    {"http://www.w3.org/2001/04/xmldsig-more#sha384", "sha384"},
    {"http://www.w3.org/2001/04/xmlenc#sha512", "sha512"},
}};

// The SoftwareIdentity attributes the software node keeps, under the names
// the CoSWID reader (coswid.cc) gives the same fields, so that one tag in
// either encoding is one node with the same attributes.
constexpr std::array<std::pair<const char*, const char*>, 8> kSoftwareAttributes = {{
    {"tagId", "tag_id"},
    {"name", "name"},
    {"version", "version"},
    {"versionScheme", "version_scheme"},
    {"tagVersion", "tag_version"},
    {"corpus", "corpus"},
    {"patch", "patch"},
    {"supplemental", "supplemental"},
}};

bool IsTrue(const std::optional<std::string>& boolean) {  // xs:boolean
  return boolean == "true" || boolean == "1";
}

// The node a Link href names.
std::string NodeOfHref(const std::string& href) {
  return href.starts_with("swid:") ? href : "ref:" + href;
}

// Adds `token` to the space-separated `list` unless it is there.
void AddToken(std::string& list, const std::string& token) {
  for (size_t start = 0; start <= list.size();) {
    const size_t end = std::min(list.find(' ', start), list.size());
    if (list.compare(start, end - start, token) == 0) return;
    start = end + 1;
  }
  list += (list.empty() ? "" : " ") + token;
}

// `left` and `right` joined by one "/" (unless `left` already ends with a
// separator); empty parts are skipped.
std::string JoinPath(std::string left, std::string_view right) {
  if (right.empty()) return left;
  if (left.empty()) return std::string(right);
  if (left.back() != '/' && left.back() != '\\') left += '/';
  if (right.front() == '/' || right.front() == '\\') right.remove_prefix(1);
  return left + std::string(right);
}

class SwidReader {
 public:
  SwidReader()
      : swid_(std::string(kSwidNamespace)), graph_(DocumentFormat::kSwid, "ISO/IEC 19770-2:2015") {}

  Status Read(const xmlNode* tag) {
    const std::string where = "SWID: /SoftwareIdentity";
    SCITT_ASSIGN_OR_RETURN(std::string tag_id, xml::RequiredAttribute(tag, "tagId", where));
    if (tag_id.empty()) return Invalid(where + " has an empty tagId");
    SCITT_RETURN_IF_ERROR(xml::RequiredAttribute(tag, "name", where));
    software_ = "swid:" + tag_id;
    Attributes attributes{{"local_id", tag_id}};
    for (const auto& [xml_name, name] : kSoftwareAttributes) {
      if (auto value = xml::Attribute(tag, xml_name)) attributes[name] = std::move(*value);
    }
    if (auto lang = xml::Attribute(tag, "lang", xml::kXmlNamespace)) attributes["lang"] = std::move(*lang);
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, software_, std::move(attributes)));
    SCITT_RETURN_IF_ERROR(
        graph_.AddEdge(Edge{EdgeKind::kDescribes, std::string(kThisDocument), software_, {}}));

    // What the links and files are about: the software, or for a
    // supplemental tag the software it supplements.
    const std::vector<const xmlNode*> links = swid_.Children(tag, "Link");
    std::vector<std::string> about;
    if (IsTrue(xml::Attribute(tag, "supplemental"))) {
      for (const xmlNode* link : links) {
        const auto href = xml::Attribute(link, "href");
        if (xml::Attribute(link, "rel") == "supplemental" && href) about.push_back(NodeOfHref(*href));
      }
    }
    if (about.empty()) about.push_back(software_);

    SCITT_RETURN_IF_ERROR(ReadEntities(tag, where));
    for (size_t i = 0; i < links.size(); ++i) {
      SCITT_RETURN_IF_ERROR(ReadLink(links[i], about, where + Step("Link", i)));
    }
    const std::vector<const xmlNode*> metas = swid_.Children(tag, "Meta");
    for (const xmlNode* meta : metas) {
      graph_.Declare("meta");
      // Meta attributes come from several vocabularies (the ISO ones, NIST
      // IR 8060's "n8060:", TCG's "rim:"): kept by local name, the first
      // value of a name winning.
      // (Namespace declarations are not attributes here.)
      for (const xmlAttr* attribute = meta->properties; attribute != nullptr;
           attribute = attribute->next) {
        software_attributes_.emplace("meta." + std::string(xml::View(attribute->name)),
                                     xml::ValueOf(attribute));
      }
    }
    for (const auto& [block, prefix] :
         {std::pair{"Payload", "payload"}, {"Evidence", "evidence"}}) {
      const std::vector<const xmlNode*> blocks = swid_.Children(tag, block);
      for (size_t i = 0; i < blocks.size(); ++i) {
        // Counted as the facts name them: payload_files, evidence_directories, …
        for (const char* kind :
             {"files", "directories", "files_with_hash", "resources", "processes"}) {
          graph_.Declare(std::string(prefix) + "_" + kind, 0);
        }
        SCITT_RETURN_IF_ERROR(ReadResources(blocks[i], prefix, "",
                                            block + ("[" + std::to_string(i) + "]"), about,
                                            where + Step(block, i)));
      }
    }
    for (const xmlNode* child = tag->children; child != nullptr; child = child->next) {
      if (child->type == XML_ELEMENT_NODE && xml::LocalName(child) == "Signature" &&
          xml::NamespaceOf(child) == kXmlDsigNamespace) {
        graph_.Declare("signatures");
      }
    }
    // Merged into the node added first.
    return graph_.AddNode(NodeKind::kPackage, software_, std::move(software_attributes_));
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  static std::string Step(std::string_view name, size_t i) {
    return "/" + std::string(name) + "[" + std::to_string(i + 1) + "]";
  }

  Status ReadEntities(const xmlNode* tag, const std::string& where) {
    const std::vector<const xmlNode*> entities = swid_.Children(tag, "Entity");
    for (size_t i = 0; i < entities.size(); ++i) {
      const std::string here = where + Step("Entity", i);
      graph_.Declare("entities");
      SCITT_ASSIGN_OR_RETURN(std::string name, xml::RequiredAttribute(entities[i], "name", here));
      SCITT_ASSIGN_OR_RETURN(std::string roles, xml::RequiredAttribute(entities[i], "role", here));
      const std::string regid =
          xml::Attribute(entities[i], "regid").value_or(std::string(kDefaultRegid));
      // "role" is a list of tokens separated by white space (spaces, once
      // the parser has normalised the attribute value, XML 1.0 §3.3.3).
      bool tag_creator = false;
      for (size_t start = roles.find_first_not_of(' '); start != std::string::npos;) {
        const size_t end = std::min(roles.find(' ', start), roles.size());
        const std::string role = roles.substr(start, end - start);
        tag_creator |= role == "tagCreator";
        AddToken(software_attributes_["entity." + role], regid);
        start = roles.find_first_not_of(' ', end);
      }
      if (tag_creator) {
        SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kIssuer, name.empty() ? regid : name,
                                             {{"name", name}, {"regid", regid}, {"role", roles}}));
      }
    }
    return Status::Ok();
  }

  Status ReadLink(const xmlNode* link, const std::vector<std::string>& about,
                  const std::string& where) {
    graph_.Declare("links");
    SCITT_ASSIGN_OR_RETURN(std::string rel, xml::RequiredAttribute(link, "rel", where));
    SCITT_ASSIGN_OR_RETURN(std::string href, xml::RequiredAttribute(link, "href", where));
    const std::string target = NodeOfHref(href);
    const SwidLinkRule rule = SwidLink(rel);
    Attributes attributes{{"rel", rel}};
    if (rel == "requires") attributes["direct"] = "true";
    std::vector<Edge> edges;
    if (rule.from_document) {
      edges.push_back(Edge{rule.kind, std::string(kThisDocument), target, attributes});
    } else {
      for (const std::string& from : about) {
        edges.push_back(rule.reversed ? Edge{rule.kind, target, from, attributes}
                                      : Edge{rule.kind, from, target, attributes});
      }
    }
    Attributes node;
    if (target != href) node["uri"] = href;
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, target, std::move(node)));
    for (Edge& edge : edges) SCITT_RETURN_IF_ERROR(graph_.AddEdge(std::move(edge)));
    return Status::Ok();
  }

  // The elements inside `parent` (the block, a Directory or an extension
  // element), `directory` the path they are in. Recursion is bounded by
  // kMaxXmlDepth.
  Status ReadResources(const xmlNode* parent, const std::string& prefix,
                       const std::string& directory, const std::string& path,
                       const std::vector<std::string>& about, const std::string& where) {
    std::map<std::string, size_t> seen;  // local name -> how many so far
    for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
      if (child->type != XML_ELEMENT_NODE) continue;
      const std::string local(xml::LocalName(child));
      const size_t index = seen[local]++;
      const std::string here = where + Step(local, index);
      const std::string path_here = path + "." + local + "[" + std::to_string(index) + "]";
      const bool ours = xml::NamespaceOf(child) == kSwidNamespace;
      std::string inner = directory;
      if (ours && (local == "File" || local == "Directory")) {
        SCITT_ASSIGN_OR_RETURN(std::string name, xml::RequiredAttribute(child, "name", here));
        for (const char* part : {"root", "location"}) {
          inner = JoinPath(inner, xml::Attribute(child, part).value_or(""));
        }
        inner = JoinPath(inner, name);
      }
      if (ours && local == "File") {
        SCITT_RETURN_IF_ERROR(AddFile(child, prefix, inner, path_here, about));
      } else if (ours && local == "Directory") {
        graph_.Declare(prefix + "_directories");
      } else if (ours && local == "Resource") {
        graph_.Declare(prefix + "_resources");
      } else if (ours && local == "Process") {
        graph_.Declare(prefix + "_processes");
      }
      SCITT_RETURN_IF_ERROR(ReadResources(child, prefix, inner, path_here, about, here));
    }
    return Status::Ok();
  }

  Status AddFile(const xmlNode* file, const std::string& prefix, const std::string& file_path,
                 const std::string& path, const std::vector<std::string>& about) {
    graph_.Declare(prefix + "_files");
    Attributes attributes{{"path", path}, {"name", xml::Attribute(file, "name").value_or("")}};
    if (auto size = xml::Attribute(file, "size")) attributes["size"] = std::move(*size);
    bool hashed = false;
    for (const xmlAttr* attribute = file->properties; attribute != nullptr;
         attribute = attribute->next) {
      if (xml::View(attribute->name) != "hash") continue;
      hashed = true;
      const std::string_view algorithm_uri = xml::NamespaceOf(attribute);
      for (const auto& [uri, algorithm] : kHashAlgorithms) {
        if (uri == algorithm_uri)
          attributes["digest." + std::string(algorithm)] = xml::ValueOf(attribute);
      }
    }
    if (hashed) graph_.Declare(prefix + "_files_with_hash");
    const std::string id = "ref:" + file_path;
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kFile, id, std::move(attributes)));
    for (const std::string& from : about) {
      SCITT_RETURN_IF_ERROR(graph_.AddEdge(Edge{EdgeKind::kContains, from, id, {}}));
    }
    return Status::Ok();
  }

  xml::Namespace swid_;
  GraphBuilder graph_;
  std::string software_;                            // the software node's id
  Attributes software_attributes_;                  // from Meta, entities and links: merged in last
};

}  // namespace

Result<EvidenceDocument> ParseSwidXml(ByteView bytes) {
  SCITT_ASSIGN_OR_RETURN(xml::Reader reader, xml::Reader::Open(bytes, "SWID"));
  if (reader.local_name() != "SoftwareIdentity") {
    return Invalid("SWID: the root element is <" +
                   std::string(reader.qualified_name().substr(0, 100)) +
                   ">, not <SoftwareIdentity>");
  }
  if (const std::string_view namespace_uri = reader.namespace_uri();
      namespace_uri != kSwidNamespace) {
    return MakeError(ErrorCode::kUnsupported, "SWID: <SoftwareIdentity> in namespace \"" +
                                                  std::string(namespace_uri.substr(0, 100)) +
                                                  "\" is not ISO/IEC 19770-2:2015");
  }
  // A tag is small: read whole.
  SCITT_ASSIGN_OR_RETURN(const xmlNode* tag, reader.Expand());
  SwidReader swid;
  SCITT_RETURN_IF_ERROR(swid.Read(tag));
  return std::move(swid).Finish();
}

}  // namespace scitt::evidence::internal

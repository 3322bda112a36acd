// CoSWID, RFC 9393 (Concise Software Identification Tags): one software
// component, the entities that made or ship it, its links to other tags, and
// the files it installs (payload) or that were found on a device (evidence).
//
// Accepted forms (§8): the concise-swid-tag map itself; tag 1398229316 over
// the map; tag 1398229316 over a byte string holding the encoded map (the
// form of .coswid files); and any of these as the payload of a COSE_Sign1
// (§7, tag 18 optional). The COSE signature is not verified: the SCITT
// statement carrying the tag is the signature that counts here. COSE_Sign
// (several signatures) is not read.
//
// The graph, with node ids shared with swid.cc so that the SWID and the
// CoSWID of one software join:
//   - the software: a package "swid:<tag-id>". A tag-id given as a 16-byte
//     byte string is a UUID (§2.3: "tag-id … a 16-byte binary string … MUST
//     be a valid UUID") and is written as lower-case UUID text
//     (8-4-4-4-12); a text tag-id as written. Attributes: tag_id, name,
//     version, version_scheme, tag_version, corpus, patch, supplemental,
//     lang, meta.<software-meta item> (snake case), evidence.date,
//     evidence.device_id; signature.alg / signature.kid when signed.
//   - each entity: an issuer, by reg-id, else entity-name, with name, regid
//     and roles (names, comma separated, each once).
//   - each link: rel component → the software CONTAINS the target, requires
//     → DEPENDS_ON, … as SWID XML (internal::SwidLink); every link edge carries "rel"
//     and "href". A "swid:<tag-id>" href names another tag's software
//     (§2.7), so its target is the package "swid:<tag-id>"; any other href
//     is an artifact named as written.
//   - each file under payload or evidence, directories and path-elements
//     included: a file "ref:<dir>/…/<fs-name>" that the software CONTAINS,
//     with name, path (where the tag lists it), size, version, location and
//     digest.<alg> in lower-case hex (alg 1 → digest.sha256).
//   - the document DESCRIBES the software.
// declared: entities, links, software_meta, files.
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>

#include "base/text.h"
#include "evidence/formats/cbor_fields.h"
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence::internal {
namespace {

// RFC 9393 §2.3-§2.9 map keys (registry in §6.1).
constexpr int64_t kTagIdKey = 0;
constexpr int64_t kSoftwareNameKey = 1;
constexpr int64_t kEntityKey = 2;
constexpr int64_t kEvidenceKey = 3;
constexpr int64_t kLinkKey = 4;
constexpr int64_t kSoftwareMetaKey = 5;
constexpr int64_t kPayloadKey = 6;
constexpr int64_t kHashKey = 7;
constexpr int64_t kCorpusKey = 8;
constexpr int64_t kPatchKey = 9;
constexpr int64_t kSupplementalKey = 11;
constexpr int64_t kTagVersionKey = 12;
constexpr int64_t kSoftwareVersionKey = 13;
constexpr int64_t kVersionSchemeKey = 14;
constexpr int64_t kLangKey = 15;
constexpr int64_t kDirectoryKey = 16;
constexpr int64_t kFileKey = 17;
constexpr int64_t kSizeKey = 20;
constexpr int64_t kFileVersionKey = 21;
constexpr int64_t kLocationKey = 23;
constexpr int64_t kFsNameKey = 24;
constexpr int64_t kPathElementsKey = 26;
constexpr int64_t kEntityNameKey = 31;
constexpr int64_t kRegIdKey = 32;
constexpr int64_t kRoleKey = 33;
constexpr int64_t kDateKey = 35;
constexpr int64_t kDeviceIdKey = 36;
constexpr int64_t kHrefKey = 38;
constexpr int64_t kRelKey = 40;
// software-meta items, §2.8: 43 activation-status … 57 unspsc-version.
constexpr int64_t kFirstMetaKey = 43;
constexpr std::string_view kMetaNames[] = {
    "activation_status", "channel_type",   "colloquial_version",
    "description",       "edition",        "entitlement_data_required",
    "entitlement_key",   "generator",      "persistent_id",
    "product",           "product_family", "revision",
    "summary",           "unspsc_code",    "unspsc_version"};

constexpr uint64_t kCoSwidTag = 1398229316;  // §8 tagged-coswid
constexpr uint64_t kCoseSignTag = 98;        // RFC 9052 COSE_Sign
constexpr uint64_t kEpochTimeTag = 1;        // RFC 8949 §3.4.2

// The names of the integer values, §4.1 version-scheme, §4.2 role, §4.3
// rel; other integers are written in decimal, text as written.
std::string VersionSchemeName(int64_t value) {
  switch (value) {
    case 1: return "multipartnumeric";
    case 2: return "multipartnumeric+suffix";
    case 3: return "alphanumeric";
    case 4: return "decimal";
    case 16384: return "semver";
  }
  return std::to_string(value);
}

std::string RoleName(int64_t value) {
  static constexpr std::string_view kNames[] = {"tag-creator", "software-creator", "aggregator",
                                                "distributor", "licensor",         "maintainer"};
  return value >= 1 && value <= 6 ? std::string(kNames[value - 1]) : std::to_string(value);
}

std::string RelName(int64_t value) {
  static constexpr std::string_view kNames[] = {
      "ancestor", "component", "feature",  "installationmedia", "packageinstaller", "parent",
      "patches",  "requires",  "see-also", "supersedes",        "supplemental"};
  return value >= 1 && value <= 11 ? std::string(kNames[value - 1]) : std::to_string(value);
}

// hash-alg-id values of the IANA "Named Information Hash Algorithm"
// registry (§2.9.1), as digest attribute suffixes in the in-toto spelling
// ("sha256"), with the digest length each needs; 0 = unknown.
struct HashAlgorithm {
  std::string name;
  size_t bytes = 0;
};
HashAlgorithm HashAlgorithmOf(int64_t id) {
  switch (id) {
    case 1: return {"sha256", 32};
    case 2: return {"sha256-128", 16};
    case 3: return {"sha256-120", 15};
    case 4: return {"sha256-96", 12};
    case 5: return {"sha256-64", 8};
    case 6: return {"sha256-32", 4};
    case 7: return {"sha384", 48};
    case 8: return {"sha512", 64};
    case 9: return {"sha3-224", 28};
    case 10: return {"sha3-256", 32};
    case 11: return {"sha3-384", 48};
    case 12: return {"sha3-512", 64};
  }
  return {"alg-" + std::to_string(id), 0};
}

std::string UuidText(ByteView bytes) {
  const std::string hex = HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// An integer (named by `name_of`) or a text value, as its name.
Result<std::string> IntegerOrText(const cbor::Value& value, std::string (*name_of)(int64_t),
                                  const std::string& where) {
  if (value.is_text()) return value.text();
  if (const auto integer = value.AsInt64()) return name_of(*integer);
  return Invalid(where + " must be an integer or a text string, not " + CborTypeName(value));
}

class CoSwidReader {
 public:
  explicit CoSwidReader(std::string container) : graph_(DocumentFormat::kCoSwid, "RFC 9393") {
    graph_.document().container = std::move(container);
  }

  Status Read(const cbor::Value& tag, const Sign1Contents* signature) {
    SCITT_RETURN_IF_ERROR(ExpectCborMap(tag, "CoSWID: the tag"));
    SCITT_ASSIGN_OR_RETURN(Attributes software, ReadSoftware(tag));
    if (signature != nullptr) {
      if (!signature->alg.empty()) software["signature.alg"] = signature->alg;
      if (!signature->kid.empty()) software["signature.kid"] = signature->kid;
    }
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, software_id_, std::move(software)));
    SCITT_RETURN_IF_ERROR(
        graph_.AddEdge(Edge{EdgeKind::kDescribes, std::string(kThisDocument), software_id_, {}}));
    if (const cbor::Value* entities = FindLabel(tag, kEntityKey)) {
      const auto list = OneOrMore(*entities);
      for (size_t i = 0; i < list.size(); ++i) {
        SCITT_RETURN_IF_ERROR(ReadEntity(*list[i], "CoSWID: entity[" + std::to_string(i) + "]"));
      }
    }
    if (const cbor::Value* links = FindLabel(tag, kLinkKey)) {
      const auto list = OneOrMore(*links);
      for (size_t i = 0; i < list.size(); ++i) {
        SCITT_RETURN_IF_ERROR(ReadLink(*list[i], "CoSWID: link[" + std::to_string(i) + "]"));
      }
    }
    if (const cbor::Value* payload = FindLabel(tag, kPayloadKey)) {
      SCITT_RETURN_IF_ERROR(ExpectCborMap(*payload, "CoSWID: payload"));
      SCITT_RETURN_IF_ERROR(ReadResources(*payload, "payload", ""));
    }
    if (const cbor::Value* evidence = FindLabel(tag, kEvidenceKey)) {
      SCITT_RETURN_IF_ERROR(ExpectCborMap(*evidence, "CoSWID: evidence"));
      SCITT_RETURN_IF_ERROR(ReadResources(*evidence, "evidence", ""));
    }
    return Status::Ok();
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  // The software's attributes; sets software_id_.
  Result<Attributes> ReadSoftware(const cbor::Value& tag) {
    Attributes software;
    const cbor::Value* tag_id = FindLabel(tag, kTagIdKey);
    if (tag_id == nullptr) return Invalid("CoSWID: tag-id is missing");
    if (tag_id->is_text() && !tag_id->text().empty()) {
      software["tag_id"] = tag_id->text();
    } else if (tag_id->is_bytes() && tag_id->bytes().size() == 16) {
      software["tag_id"] = UuidText(tag_id->bytes());
    } else {
      return Invalid("CoSWID: tag-id must be a non-empty text string or a 16-byte byte string");
    }
    software_id_ = "swid:" + software["tag_id"];

    SCITT_ASSIGN_OR_RETURN(auto name,
                           OptionalCborText(tag, kSoftwareNameKey, "CoSWID", "software-name"));
    if (!name) return Invalid("CoSWID: software-name is missing");
    software["name"] = *name;
    SCITT_ASSIGN_OR_RETURN(
        auto version, OptionalCborText(tag, kSoftwareVersionKey, "CoSWID", "software-version"));
    if (version) software["version"] = *version;
    if (const cbor::Value* scheme = FindLabel(tag, kVersionSchemeKey)) {
      SCITT_ASSIGN_OR_RETURN(software["version_scheme"],
                             IntegerOrText(*scheme, VersionSchemeName, "CoSWID: version-scheme"));
    }
    // The CDDL says integer; HIRS writes the text "1". Both are kept as written.
    if (const cbor::Value* tag_version = FindLabel(tag, kTagVersionKey)) {
      SCITT_ASSIGN_OR_RETURN(
          software["tag_version"],
          IntegerOrText(
              *tag_version, [](int64_t v) { return std::to_string(v); }, "CoSWID: tag-version"));
    }
    const std::pair<int64_t, std::string_view> flags[] = {
        {kCorpusKey, "corpus"}, {kPatchKey, "patch"}, {kSupplementalKey, "supplemental"}};
    for (const auto& [key, flag] : flags) {
      SCITT_ASSIGN_OR_RETURN(auto value, OptionalCborBool(tag, key, "CoSWID", flag));
      if (value) software[std::string(flag)] = *value ? "true" : "false";
    }
    SCITT_ASSIGN_OR_RETURN(auto lang, OptionalCborText(tag, kLangKey, "CoSWID", "lang"));
    if (lang) software["lang"] = *lang;
    if (const cbor::Value* metas = FindLabel(tag, kSoftwareMetaKey)) {
      const auto list = OneOrMore(*metas);
      for (size_t i = 0; i < list.size(); ++i) {
        SCITT_RETURN_IF_ERROR(ReadSoftwareMeta(
            *list[i], "CoSWID: software-meta[" + std::to_string(i) + "]", software));
      }
    }
    if (const cbor::Value* evidence = FindLabel(tag, kEvidenceKey);
        evidence && evidence->is_map()) {
      SCITT_RETURN_IF_ERROR(ReadEvidenceFacts(*evidence, software));
    }
    return software;
  }

  // The first software-meta entry naming an item wins, as for nodes.
  Status ReadSoftwareMeta(const cbor::Value& meta, const std::string& where, Attributes& software) {
    SCITT_RETURN_IF_ERROR(ExpectCborMap(meta, where));
    graph_.Declare("software_meta");
    for (const auto& [key, value] : meta.map()) {
      const auto label = key.AsInt64();
      if (!label || *label < kFirstMetaKey ||
          *label >= kFirstMetaKey + static_cast<int64_t>(std::size(kMetaNames))) {
        continue;
      }
      const std::string attribute = "meta." + std::string(kMetaNames[*label - kFirstMetaKey]);
      if (value.is_text()) {
        software.emplace(attribute, value.text());
      } else if (value.is_bool()) {
        software.emplace(attribute, value.bool_value() ? "true" : "false");
      } else {
        return Invalid(where + "." + attribute.substr(5) + " must be a text string, not " +
                       CborTypeName(value));
      }
    }
    return Status::Ok();
  }

  // §2.9.4 evidence-entry: date (integer-time: tag 1 over an integer) and
  // device-id. uSWID writes the date as a bare float; both are read, as
  // whole seconds.
  Status ReadEvidenceFacts(const cbor::Value& evidence, Attributes& software) {
    SCITT_ASSIGN_OR_RETURN(
        auto device, OptionalCborText(evidence, kDeviceIdKey, "CoSWID: evidence", "device-id"));
    if (device) software["evidence.device_id"] = *device;
    const cbor::Value* date = FindLabel(evidence, kDateKey);
    if (date == nullptr) return Status::Ok();
    const cbor::Value& time =
        date->is_tag() && date->tag() == kEpochTimeTag ? date->tag_content() : *date;
    // Years 1970 to 9999: what an RFC 3339 date-time can show.
    constexpr double kLatest = 253402300799.0;
    double seconds = -1;
    if (const auto integer = time.AsInt64()) {
      seconds = static_cast<double>(*integer);
    } else if (time.is_float()) {
      seconds = time.float_value();
    } else {
      return Invalid("CoSWID: evidence.date must be an epoch time (integer or float), not " +
                     CborTypeName(time));
    }
    if (!(seconds >= 0 && seconds <= kLatest)) {
      return Invalid("CoSWID: evidence.date is not a time from 1970 to 9999");
    }
    software["evidence.date"] = FormatUtc(static_cast<int64_t>(std::floor(seconds)));
    return Status::Ok();
  }

  // §2.6 entity-entry.
  Status ReadEntity(const cbor::Value& entity, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectCborMap(entity, where));
    graph_.Declare("entities");
    Attributes attributes;
    SCITT_ASSIGN_OR_RETURN(auto name,
                           OptionalCborText(entity, kEntityNameKey, where, "entity-name"));
    SCITT_ASSIGN_OR_RETURN(auto regid, OptionalCborText(entity, kRegIdKey, where, "reg-id"));
    // The CDDL requires entity-name; HIRS omits it and names the entity by
    // reg-id alone, which is also the more unique of the two.
    if (name) attributes["name"] = *name;
    if (regid) attributes["regid"] = *regid;
    const std::string id = regid && !regid->empty() ? *regid : name.value_or("");
    if (id.empty()) return Invalid(where + " has neither entity-name nor reg-id");
    const cbor::Value* roles = FindLabel(entity, kRoleKey);
    if (roles == nullptr) return Invalid(where + ".role is missing");
    if (!roles->is_array() && !roles->is_text() && !roles->is_integer()) {
      return Invalid(where + ".role must be an integer, a text string or an array, not " +
                     CborTypeName(*roles));
    }
    // A role listed twice (uSWID writes maintainer twice) is one role.
    std::string joined;
    const auto list = OneOrMore(*roles);
    for (size_t i = 0; i < list.size(); ++i) {
      SCITT_ASSIGN_OR_RETURN(
          std::string role,
          IntegerOrText(*list[i], RoleName, where + ".role[" + std::to_string(i) + "]"));
      if (("," + joined + ",").find("," + role + ",") == std::string::npos) {
        joined += (joined.empty() ? "" : ",") + role;
      }
    }
    attributes["roles"] = joined;
    return graph_.AddNode(NodeKind::kIssuer, id, std::move(attributes));
  }

  // §2.7 link-entry.
  Status ReadLink(const cbor::Value& link, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectCborMap(link, where));
    graph_.Declare("links");
    SCITT_ASSIGN_OR_RETURN(auto href, OptionalCborText(link, kHrefKey, where, "href"));
    if (!href || href->empty()) return Invalid(where + ".href is missing");
    const cbor::Value* rel_value = FindLabel(link, kRelKey);
    if (rel_value == nullptr) return Invalid(where + ".rel is missing");
    SCITT_ASSIGN_OR_RETURN(std::string rel, IntegerOrText(*rel_value, RelName, where + ".rel"));
    std::string target = *href;
    if (href->starts_with("swid:")) {
      SCITT_RETURN_IF_ERROR(
          graph_.AddNode(NodeKind::kPackage, target, {{"tag_id", href->substr(5)}}));
    } else {
      SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kArtifact, target, {{"uri", *href}}));
    }
    const SwidLinkRule rule = SwidLink(rel);  // as SWID XML reads it
    Attributes attributes{{"rel", rel}, {"href", *href}};
    if (rel == "requires") attributes["direct"] = "true";
    if (rule.from_document) {
      return graph_.AddEdge(Edge{rule.kind, std::string(kThisDocument), target, std::move(attributes)});
    }
    return graph_.AddEdge(rule.reversed ? Edge{rule.kind, target, software_id_, std::move(attributes)}
                                        : Edge{rule.kind, software_id_, target, std::move(attributes)});
  }

  // §2.9.2 resource-collection / path-elements-group: directories and
  // files; a directory's files are in its path-elements, or (older drafts,
  // and HIRS) directly in the directory. `dir` is the path of the
  // directories above, "" at the top. Recursion is bounded by the
  // decoder's depth limit.
  Status ReadResources(const cbor::Value& group, const std::string& where, const std::string& dir) {
    if (const cbor::Value* files = FindLabel(group, kFileKey)) {
      const auto list = OneOrMore(*files);
      for (size_t i = 0; i < list.size(); ++i) {
        SCITT_RETURN_IF_ERROR(ReadFile(*list[i], where + ".file[" + std::to_string(i) + "]", dir));
      }
    }
    const cbor::Value* directories = FindLabel(group, kDirectoryKey);
    if (directories == nullptr) return Status::Ok();
    const auto list = OneOrMore(*directories);
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string here = where + ".directory[" + std::to_string(i) + "]";
      const cbor::Value& directory = *list[i];
      SCITT_RETURN_IF_ERROR(ExpectCborMap(directory, "CoSWID: " + here));
      SCITT_ASSIGN_OR_RETURN(auto name,
                             OptionalCborText(directory, kFsNameKey, "CoSWID: " + here, "fs-name"));
      if (!name) return Invalid("CoSWID: " + here + ".fs-name is missing");
      const std::string path = dir + *name + "/";
      SCITT_RETURN_IF_ERROR(ReadResources(directory, here, path));
      if (const cbor::Value* elements = FindLabel(directory, kPathElementsKey)) {
        SCITT_RETURN_IF_ERROR(ExpectCborMap(*elements, "CoSWID: " + here + ".path-elements"));
        SCITT_RETURN_IF_ERROR(ReadResources(*elements, here + ".path-elements", path));
      }
    }
    return Status::Ok();
  }

  // §2.9.2 file-entry.
  Status ReadFile(const cbor::Value& file, const std::string& path, const std::string& dir) {
    const std::string where = "CoSWID: " + path;
    SCITT_RETURN_IF_ERROR(ExpectCborMap(file, where));
    graph_.Declare("files");
    SCITT_ASSIGN_OR_RETURN(auto name, OptionalCborText(file, kFsNameKey, where, "fs-name"));
    if (!name) return Invalid(where + ".fs-name is missing");
    Attributes attributes{{"name", *name}, {"path", path}};
    SCITT_ASSIGN_OR_RETURN(auto size, OptionalCborInt(file, kSizeKey, where, "size"));
    if (size) attributes["size"] = std::to_string(*size);
    SCITT_ASSIGN_OR_RETURN(auto version,
                           OptionalCborText(file, kFileVersionKey, where, "file-version"));
    if (version) attributes["version"] = *version;
    SCITT_ASSIGN_OR_RETURN(auto location, OptionalCborText(file, kLocationKey, where, "location"));
    if (location) attributes["location"] = *location;
    if (const cbor::Value* hash = FindLabel(file, kHashKey)) {
      // §2.9.1 hash-entry = [hash-alg-id: int, hash-value: bytes]
      if (!hash->is_array() || hash->array().size() != 2 || !hash->array()[0].AsInt64() ||
          !hash->array()[1].is_bytes()) {
        return Invalid(where + ".hash must be [hash-alg-id: int, hash-value: bytes]");
      }
      const HashAlgorithm algorithm = HashAlgorithmOf(*hash->array()[0].AsInt64());
      const Bytes& value = hash->array()[1].bytes();
      if (algorithm.bytes != 0 && value.size() != algorithm.bytes) {
        return Invalid(where + ".hash: a " + algorithm.name + " digest has " +
                       std::to_string(algorithm.bytes) + " bytes, not " +
                       std::to_string(value.size()));
      }
      attributes["digest." + algorithm.name] = HexEncode(value);
    }
    const std::string id = "ref:" + dir + *name;
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kFile, id, std::move(attributes)));
    return graph_.AddEdge(Edge{EdgeKind::kContains, software_id_, id, {}});
  }

  GraphBuilder graph_;
  std::string software_id_;  // "swid:<tag-id>", the from of every edge but DESCRIBES
};

// `item` is a tag in one of the unsigned forms of the file comment.
Result<EvidenceDocument> ReadTag(const cbor::Value& item, std::string container,
                                 const Sign1Contents* signature) {
  const cbor::Value* tag = &item;
  cbor::Value file_form;  // the map a byte string holds, decoded
  if (item.is_tag()) {
    if (item.tag() == kCoseSignTag) {
      return MakeError(ErrorCode::kUnsupported,
                       "CoSWID: COSE_Sign (tag 98) is not read; sign with one COSE_Sign1");
    }
    if (item.tag() == kCoseSign1Tag) {
      return MakeError(ErrorCode::kUnsupported,
                       "CoSWID: a COSE_Sign1 inside a COSE_Sign1 is not read");
    }
    if (item.tag() != kCoSwidTag) {
      return MakeError(ErrorCode::kUnsupported,
                       "CoSWID: tag " + std::to_string(item.tag()) +
                           " is neither 1398229316 (CoSWID) nor 18 (COSE_Sign1)");
    }
    tag = &item.tag_content();
    if (tag->is_bytes()) {
      SCITT_ASSIGN_OR_RETURN(file_form,
                             DecodeCborDocument(tag->bytes(), "CoSWID: the tagged byte string"));
      tag = &file_form;
    }
  }
  CoSwidReader reader(std::move(container));
  SCITT_RETURN_IF_ERROR(reader.Read(*tag, signature));
  return std::move(reader).Finish();
}

}  // namespace

Result<EvidenceDocument> ParseCoSwid(ByteView document) {
  SCITT_ASSIGN_OR_RETURN(cbor::Value top, DecodeCborDocument(document, "CoSWID"));
  if (top.is_array() || (top.is_tag() && top.tag() == kCoseSign1Tag)) {
    SCITT_ASSIGN_OR_RETURN(Sign1Contents signature, OpenSign1(top, "CoSWID"));
    SCITT_ASSIGN_OR_RETURN(cbor::Value payload,
                           DecodeCborDocument(signature.payload, "CoSWID: the COSE_Sign1 payload"));
    return ReadTag(payload, "cose-sign1", &signature);
  }
  return ReadTag(top, "", nullptr);
}

}  // namespace scitt::evidence::internal

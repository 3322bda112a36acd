// Picks the parser for a document: by content type, or for generic JSON by
// the fields that only one format has at its top level.
#include "evidence/formats/parse.h"

#include <algorithm>
#include <vector>

#include "base/text.h"
#include "evidence/formats/formats_internal.h"

namespace scitt::evidence {
namespace {

using internal::Json;

std::string MediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return AsciiLower(type);
}

bool StringFieldStartsWith(const Json& object, const char* key, std::string_view prefix) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() && it->get<std::string>().starts_with(prefix);
}

// OpenVEX documents name their context "https://openvex.dev/ns" or
// ".../ns/v0.2.0"; SPDX 3 documents are JSON-LD with an spdx.org context.
bool ContextStartsWith(const Json& document, std::string_view prefix) {
  return StringFieldStartsWith(document, "@context", prefix);
}

// The outline has every top-level field the shapes are told apart by.
// CycloneDX and SPDX 2 read the document from its outline; the others from
// a DOM.
Result<EvidenceDocument> ParseByShape(ByteView bytes, const JsonOutline& outline, GraphParts parts) {
  if (!outline.value.is_object()) {
    return MakeError(ErrorCode::kUnsupported, "evidence: a JSON document that is not an object");
  }
  if (outline.value.contains("bomFormat")) return internal::ParseCycloneDx(bytes, outline, parts);
  if (outline.value.contains("spdxVersion")) return internal::ParseSpdx(bytes, outline, parts);
  SCITT_ASSIGN_OR_RETURN(const Json document, internal::ParseJson(bytes, "evidence"));
  if (ContextStartsWith(document, "https://openvex.dev/ns")) {
    return internal::ParseOpenVex(document);
  }
  if (document.contains("_type")) {
    return internal::ParseInTotoStatement(document, "bare-statement");
  }
  if (document.contains("payloadType")) return internal::ParseDsseEnvelope(document, "dsse");
  if (StringFieldStartsWith(document, "mediaType", kSigstoreBundlePrefix) &&
      document.contains("dsseEnvelope")) {
    return internal::ParseSigstoreBundle(document);
  }
  if (document.contains("runs") && document.contains("version")) {
    return internal::ParseSarif(document);
  }
  if (ContextStartsWith(document, "https://spdx.org/rdf/3")) return internal::ParseSpdx3(document);
  // An EAR claims-set must have both (draft-ietf-rats-ear §3); a top-level
  // ear.status / ear_status is optional there, and "submods" alone is any
  // EAT (or anything else with such a key).
  if (document.contains("eat_profile") && document.contains("submods")) {
    return internal::ParseEarJson(document);
  }
  return MakeError(ErrorCode::kUnsupported,
                   "evidence: a JSON document of no known evidence format (no bomFormat, "
                   "spdxVersion, OpenVEX @context, _type, payloadType, Sigstore bundle, "
                   "SARIF runs, SPDX 3 @context or EAR eat_profile with submods)");
}

// The local name of the first element: what an XML document is. Skips the
// declaration, comments and processing instructions before it.
Result<EvidenceDocument> ParseXmlByRoot(ByteView document, GraphParts parts) {
  const std::string_view text(reinterpret_cast<const char*>(document.data()),
                              std::min<size_t>(document.size(), 64 * 1024));
  size_t at = 0;
  while ((at = text.find('<', at)) != std::string_view::npos) {
    if (at + 1 < text.size() && (text[at + 1] == '?' || text[at + 1] == '!')) {
      ++at;
      continue;
    }
    const size_t end = text.find_first_of(" \t\r\n/>", at + 1);
    std::string_view name = text.substr(at + 1, end == std::string_view::npos ? 0 : end - at - 1);
    if (const size_t colon = name.find(':'); colon != std::string_view::npos) {
      name = name.substr(colon + 1);
    }
    if (name == "bom") return internal::ParseCycloneDxXml(document, parts);
    if (name == "SoftwareIdentity") return internal::ParseSwidXml(document);
    break;
  }
  return MakeError(ErrorCode::kUnsupported,
                   "evidence: an XML document of no known evidence format (root is neither a "
                   "CycloneDX bom nor a SWID SoftwareIdentity)");
}

// Parse, with the nodes of the formats that do not take `parts` still in.
Result<EvidenceDocument> ParseAs(std::string_view content_type, ByteView document, GraphParts parts) {
  const std::string type = MediaType(content_type);
  if (type == kCycloneDxJson) {
    SCITT_ASSIGN_OR_RETURN(JsonOutline outline, internal::OutlineJson(document, "CycloneDX"));
    return internal::ParseCycloneDx(document, outline, parts);
  }
  if (type == kSpdxJson) {
    SCITT_ASSIGN_OR_RETURN(JsonOutline outline, internal::OutlineJson(document, "SPDX"));
    if (!outline.value.is_object() || !outline.value.contains("@context")) {
      return internal::ParseSpdx(document, outline, parts);
    }
    SCITT_ASSIGN_OR_RETURN(Json spdx3, internal::ParseJson(document, "SPDX"));
    return internal::ParseSpdx3(spdx3);
  }
  if (type == kJsonLd) {
    SCITT_ASSIGN_OR_RETURN(Json spdx, internal::ParseJson(document, "SPDX 3"));
    return internal::ParseSpdx3(spdx);
  }
  if (type == kSpdxTagValue) return internal::ParseSpdxTagValue(document, parts);
  if (type == kCycloneDxXml) return internal::ParseCycloneDxXml(document, parts);
  if (type == kSwidXml) return internal::ParseSwidXml(document);
  if (type == kGenericXml || type == kTextXml) return ParseXmlByRoot(document, parts);
  if (type == kCoSwidCbor) return internal::ParseCoSwid(document);
  if (type == kEatJwt) return internal::ParseEarJwt(document);
  if (type == kEatCwt || type == kEatUcsCbor) return internal::ParseEarCbor(document);
  if (type == kEatUcsJson) {
    SCITT_ASSIGN_OR_RETURN(Json claims, internal::ParseJson(document, "EAR"));
    return internal::ParseEarJson(claims);
  }
  if (type == kOpenVexJson) {
    SCITT_ASSIGN_OR_RETURN(Json vex, internal::ParseJson(document, "OpenVEX"));
    return internal::ParseOpenVex(vex);
  }
  if (type == kInTotoJson) {
    SCITT_ASSIGN_OR_RETURN(Json statement, internal::ParseJson(document, "in-toto"));
    return internal::ParseInTotoStatement(statement, "bare-statement");
  }
  if (type == kDsseEnvelopeJson) {
    SCITT_ASSIGN_OR_RETURN(Json envelope, internal::ParseJson(document, "DSSE"));
    return internal::ParseDsseEnvelope(envelope, "dsse");
  }
  if (type.starts_with(kSigstoreBundlePrefix) && type.ends_with("+json")) {
    SCITT_ASSIGN_OR_RETURN(Json bundle, internal::ParseJson(document, "Sigstore bundle"));
    return internal::ParseSigstoreBundle(bundle);
  }
  if (type == kSarifJson) {
    SCITT_ASSIGN_OR_RETURN(Json log, internal::ParseJson(document, "SARIF"));
    return internal::ParseSarif(log);
  }
  if (type == kGenericJson || type.empty()) {
    SCITT_ASSIGN_OR_RETURN(JsonOutline outline, internal::OutlineJson(document, "evidence"));
    return ParseByShape(document, outline, parts);
  }
  return MakeError(ErrorCode::kUnsupported,
                   "evidence: no parser for content type \"" + type.substr(0, 100) + "\"");
}

}  // namespace

Result<EvidenceDocument> Parse(std::string_view content_type, ByteView document, GraphParts parts) {
  auto parsed = ParseAs(content_type, document, parts);
  if (parsed.ok() && !parts.nodes) parsed->nodes = {};  // formats that build them anyway
  return parsed;
}

}  // namespace scitt::evidence

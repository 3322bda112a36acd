// EAT Attestation Results (EAR, draft-ietf-rats-ear-03): a verifier's
// appraisal of the evidence of one or more attesters ("submods"), each with
// an AR4SI trustworthiness tier (the status), a trustworthiness vector and
// the appraisal policies applied.
//
// Read here: the claims-set as JSON (application/eat-ucs+json, or generic
// JSON with eat_profile and submods) in both claim dialects, the draft's
// underscored names ("ear_status", "ear_appraisal_policy_ids": an array) and
// the dotted names of veraison/ear ("ear.status", "ear.appraisal-policy-id":
// a string); the claims-set as CBOR (application/eat-ucs+cbor, UCCS tag 601
// optional); a JWT (application/eat+jwt, JWS compact serialization); and a
// CWT (application/eat+cwt: COSE_Sign1, tags 61 and 18 optional). Either
// CBOR content type takes either CBOR form.
//
// Signatures are not verified: the SCITT statement that carries the EAR is
// the signature the transparency service checks and logs. The JWS "alg" and
// "kid" (the COSE alg and kid) are recorded on the verifier. An unsecured
// JWT ("alg": "none") is refused: it claims a signature form while giving
// none, and RFC 8725 §3.1 asks consumers to refuse it; the same claims
// unsigned go as application/eat-ucs+json.
//
// The graph:
//   - the verifier (ear_verifier_id): an issuer, the writer of the EAR, by
//     its "developer", with developer and build (and signature.alg,
//     signature.kid when signed);
//   - each submod: an artifact "ear:<submod name>" (attribute submod) that is
//     ATTESTED_BY the verifier, the edge carrying status (none, affirming,
//     warning, contraindicated), submod, policy (the policy ids, comma
//     separated), trust.<claim> (each trustworthiness vector value, e.g.
//     trust.executables = "96"), iat (seconds since the epoch) and
//     verifier_build.
// spec_version is the eat_profile; declared: submods.
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "base/text.h"
#include "evidence/formats/cbor_fields.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace {

// The profiles read here: veraison/ear's, and the draft's, which names its
// revision ("tag:ietf.org,2026:rats/ear#03", §3: "It MUST be the following
// tag URI").
constexpr std::string_view kVeraisonProfile = "tag:github.com,2023:veraison/ear";
constexpr std::string_view kDraftProfilePrefix = "tag:ietf.org,";
constexpr std::string_view kDraftProfileMarker = ":rats/ear#";

// CBOR labels: RFC 9711 (EAT) iat 6, eat_profile 265, submods 266; the
// draft's §3 and §3.1 the EAR claims.
constexpr int64_t kIatLabel = 6;
constexpr int64_t kProfileLabel = 265;
constexpr int64_t kSubmodsLabel = 266;
constexpr int64_t kStatusLabel = 1000;
constexpr int64_t kTrustVectorLabel = 1001;
constexpr int64_t kPolicyIdsLabel = 1003;
constexpr int64_t kVerifierIdLabel = 1004;
// ar4si verifier-id = { 0 developer, 1 build }.
constexpr int64_t kDeveloperLabel = 0;
constexpr int64_t kBuildLabel = 1;

constexpr uint64_t kUccsTag = 601;  // RFC 9781 §2: an unprotected claims-set

// JSON claim names: the draft's, and veraison/ear's.
struct ClaimName {
  std::string_view draft;
  std::string_view dotted;
};
constexpr ClaimName kStatusClaim{"ear_status", "ear.status"};
constexpr ClaimName kTrustVectorClaim{"ear_trustworthiness_vector", "ear.trustworthiness-vector"};
constexpr ClaimName kPolicyIdsClaim{"ear_appraisal_policy_ids", "ear.appraisal-policy-id"};
constexpr ClaimName kVerifierIdClaim{"ear_verifier_id", "ear.verifier-id"};

// ar4si §2.3: the trustworthiness vector's claims, by CBOR label.
constexpr std::string_view kTrustClaims[] = {"instance-identity", "configuration", "executables",
                                             "file-system",       "hardware",      "runtime-opaque",
                                             "storage-opaque",    "sourced-data"};

// One submod's appraisal and the EAR around them, whichever the encoding.
struct Appraisal {
  std::string submod;
  std::string status;
  std::vector<std::pair<std::string, int64_t>> trust;  // claim name, value
  std::vector<std::string> policies;
};
struct AttestationResult {
  std::string profile;
  int64_t iat = 0;
  std::string developer;
  std::string build;
  std::vector<Appraisal> appraisals;
};

Status CheckProfile(const std::string& profile) {
  if (profile == kVeraisonProfile || (profile.starts_with(kDraftProfilePrefix) &&
                                      profile.find(kDraftProfileMarker) != std::string::npos)) {
    return Status::Ok();
  }
  return MakeError(ErrorCode::kUnsupported, "EAR: eat_profile \"" + profile.substr(0, 100) +
                                                "\" is not an EAR profile read here (" +
                                                std::string(kVeraisonProfile) +
                                                ", tag:ietf.org,<year>:rats/ear#<revision>)");
}

// ar4si §2.3.2 trustworthiness tiers: an EAR status is one of the four
// tier values, as its name (JSON) or as the value itself (CBOR).
std::optional<std::string> TierName(int64_t value) {
  switch (value) {
    case 0: return "none";
    case 2: return "affirming";
    case 32: return "warning";
    case 96: return "contraindicated";
  }
  return std::nullopt;
}
bool IsTierName(std::string_view name) {
  return name == "none" || name == "affirming" || name == "warning" || name == "contraindicated";
}

// A trustworthiness claim's value: ar4si §2.3.1 "-128 to 127".
Result<int64_t> TrustValue(std::optional<int64_t> value, const std::string& where) {
  if (!value || *value < -128 || *value > 127) {
    return Invalid(where + " must be an integer from -128 to 127");
  }
  return *value;
}

Result<EvidenceDocument> BuildGraph(const AttestationResult& result, std::string container,
                                    Attributes verifier) {
  GraphBuilder graph(DocumentFormat::kEar, result.profile);
  graph.document().container = std::move(container);
  verifier["developer"] = result.developer;
  verifier["build"] = result.build;
  SCITT_RETURN_IF_ERROR(graph.AddNode(NodeKind::kIssuer, result.developer, std::move(verifier)));
  for (const Appraisal& appraisal : result.appraisals) {
    graph.Declare("submods");
    const std::string id = "ear:" + appraisal.submod;
    SCITT_RETURN_IF_ERROR(graph.AddNode(NodeKind::kArtifact, id, {{"submod", appraisal.submod}}));
    Attributes attested{{"status", appraisal.status},
                        {"submod", appraisal.submod},
                        {"iat", std::to_string(result.iat)},
                        {"verifier_build", result.build}};
    std::string policies;
    for (const std::string& policy : appraisal.policies) {
      policies += (policies.empty() ? "" : ",") + policy;
    }
    if (!policies.empty()) attested["policy"] = policies;
    for (const auto& [claim, value] : appraisal.trust) {
      attested["trust." + claim] = std::to_string(value);
    }
    SCITT_RETURN_IF_ERROR(
        graph.AddEdge(Edge{EdgeKind::kAttestedBy, id, result.developer, std::move(attested)}));
  }
  return std::move(graph).Finish();
}

// --- JSON ------------------------------------------------------------------

// The claim `name` of `object` in either dialect; nullptr when absent or
// null. Both spellings at once are refused: two readers could take
// different values.
Result<const Json*> FindClaim(const Json& object, const ClaimName& name, const std::string& where) {
  const auto draft = object.find(name.draft);
  const auto dotted = object.find(name.dotted);
  const bool has_draft = draft != object.end() && !draft->is_null();
  const bool has_dotted = dotted != object.end() && !dotted->is_null();
  if (has_draft && has_dotted) {
    return Invalid(where + " has both " + std::string(name.draft) + " and " +
                   std::string(name.dotted));
  }
  if (has_draft) return &*draft;
  if (has_dotted) return &*dotted;
  return static_cast<const Json*>(nullptr);
}

// `value` as an int64_t; nullopt for a non-integer (a float included) or
// one out of range.
std::optional<int64_t> JsonInteger(const Json& value) {
  if (value.is_number_integer() &&
      (!value.is_number_unsigned() ||
       value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
    return value.get<int64_t>();
  }
  return std::nullopt;
}

Result<Appraisal> ReadJsonAppraisal(const std::string& submod, const Json& claims,
                                    const std::string& where) {
  SCITT_RETURN_IF_ERROR(ExpectObject(claims, where));
  Appraisal appraisal{submod, "", {}, {}};
  SCITT_ASSIGN_OR_RETURN(const Json* status, FindClaim(claims, kStatusClaim, where));
  if (status == nullptr) return Invalid(where + ".ear_status is missing");
  if (status->is_string() && IsTierName(status->get<std::string>())) {
    appraisal.status = status->get<std::string>();
  } else {
    const auto tier = JsonInteger(*status);
    const auto name = tier ? TierName(*tier) : std::nullopt;
    if (!name) {
      return Invalid(where + ".ear_status must be none, affirming, warning or contraindicated");
    }
    appraisal.status = *name;
  }
  SCITT_ASSIGN_OR_RETURN(const Json* vector, FindClaim(claims, kTrustVectorClaim, where));
  if (vector != nullptr) {
    const std::string here = where + ".ear_trustworthiness_vector";
    SCITT_RETURN_IF_ERROR(ExpectObject(*vector, here));
    for (const auto& [claim, value] : vector->items()) {
      SCITT_ASSIGN_OR_RETURN(int64_t checked, TrustValue(JsonInteger(value), here + "." + claim));
      appraisal.trust.emplace_back(claim, checked);
    }
  }
  // veraison/ear: one id as a string; the draft: a non-empty array.
  SCITT_ASSIGN_OR_RETURN(const Json* policies, FindClaim(claims, kPolicyIdsClaim, where));
  if (policies != nullptr) {
    const std::string here = where + ".ear_appraisal_policy_ids";
    if (policies->is_string()) {
      appraisal.policies.push_back(policies->get<std::string>());
    } else if (policies->is_array()) {
      for (size_t i = 0; i < policies->size(); ++i) {
        SCITT_ASSIGN_OR_RETURN(std::string policy,
                               ExpectString((*policies)[i], here + "[" + std::to_string(i) + "]"));
        appraisal.policies.push_back(std::move(policy));
      }
    } else {
      return Invalid(here + " must be a string or an array of strings");
    }
  }
  return appraisal;
}

Result<AttestationResult> ReadJsonClaims(const Json& claims) {
  SCITT_RETURN_IF_ERROR(ExpectObject(claims, "EAR: the claims-set"));
  AttestationResult result;
  SCITT_ASSIGN_OR_RETURN(result.profile, RequiredString(claims, "eat_profile", "EAR"));
  SCITT_RETURN_IF_ERROR(CheckProfile(result.profile));
  // §3: iat is an integer ("disallowing the floating point representation").
  const auto iat = claims.find("iat");
  if (iat == claims.end()) return Invalid("EAR: iat is missing");
  const auto iat_value = JsonInteger(*iat);
  if (!iat_value) return Invalid("EAR: iat must be an integer (seconds since the epoch)");
  result.iat = *iat_value;
  SCITT_ASSIGN_OR_RETURN(const Json* verifier, FindClaim(claims, kVerifierIdClaim, "EAR"));
  if (verifier == nullptr) return Invalid("EAR: ear_verifier_id is missing");
  SCITT_RETURN_IF_ERROR(ExpectObject(*verifier, "EAR: ear_verifier_id"));
  SCITT_ASSIGN_OR_RETURN(result.developer,
                         RequiredString(*verifier, "developer", "EAR: ear_verifier_id"));
  SCITT_ASSIGN_OR_RETURN(result.build, RequiredString(*verifier, "build", "EAR: ear_verifier_id"));
  SCITT_ASSIGN_OR_RETURN(const Json* submods, OptionalObject(claims, "submods", "EAR"));
  // §3: "The map MUST contain at least one entry."
  if (submods == nullptr || submods->empty()) return Invalid("EAR: submods is missing or empty");
  for (const auto& [name, appraisal] : submods->items()) {
    SCITT_ASSIGN_OR_RETURN(Appraisal read,
                           ReadJsonAppraisal(name, appraisal, "EAR: submods." + name));
    result.appraisals.push_back(std::move(read));
  }
  return result;
}

// --- CBOR ------------------------------------------------------------------

Result<std::string> RequiredCborText(const cbor::Value& map, int64_t label,
                                     const std::string& where, std::string_view name) {
  SCITT_ASSIGN_OR_RETURN(auto text, OptionalCborText(map, label, where, name));
  if (!text) return Invalid(where + "." + std::string(name) + " is missing");
  return *text;
}

Result<Appraisal> ReadCborAppraisal(const std::string& submod, const cbor::Value& claims,
                                    const std::string& where) {
  SCITT_RETURN_IF_ERROR(ExpectCborMap(claims, where));
  Appraisal appraisal{submod, "", {}, {}};
  SCITT_ASSIGN_OR_RETURN(auto tier,
                         OptionalCborInt(claims, kStatusLabel, where, "ear_status (1000)"));
  if (!tier) return Invalid(where + ".ear_status (1000) is missing");
  const auto name = TierName(*tier);
  if (!name) return Invalid(where + ".ear_status (1000) must be 0, 2, 32 or 96");
  appraisal.status = *name;
  if (const cbor::Value* vector = FindLabel(claims, kTrustVectorLabel)) {
    const std::string here = where + ".ear_trustworthiness_vector (1001)";
    SCITT_RETURN_IF_ERROR(ExpectCborMap(*vector, here));
    for (const auto& [key, value] : vector->map()) {
      const auto label = key.AsInt64();
      std::string claim = key.is_text() ? key.text() : std::to_string(label.value_or(0));
      if (label && *label >= 0 && *label < static_cast<int64_t>(std::size(kTrustClaims))) {
        claim = kTrustClaims[*label];
      }
      SCITT_ASSIGN_OR_RETURN(int64_t checked, TrustValue(value.AsInt64(), here + "." + claim));
      appraisal.trust.emplace_back(std::move(claim), checked);
    }
  }
  if (const cbor::Value* policies = FindLabel(claims, kPolicyIdsLabel)) {
    const std::string here = where + ".ear_appraisal_policy_ids (1003)";
    if (!policies->is_text() && !policies->is_array()) {
      return Invalid(here + " must be a text string or an array of them");
    }
    for (const cbor::Value* policy : OneOrMore(*policies)) {
      if (!policy->is_text()) return Invalid(here + " must be a text string or an array of them");
      appraisal.policies.push_back(policy->text());
    }
  }
  return appraisal;
}

Result<AttestationResult> ReadCborClaims(const cbor::Value& claims) {
  SCITT_RETURN_IF_ERROR(ExpectCborMap(claims, "EAR: the claims-set"));
  AttestationResult result;
  SCITT_ASSIGN_OR_RETURN(result.profile,
                         RequiredCborText(claims, kProfileLabel, "EAR", "eat_profile (265)"));
  SCITT_RETURN_IF_ERROR(CheckProfile(result.profile));
  SCITT_ASSIGN_OR_RETURN(auto iat, OptionalCborInt(claims, kIatLabel, "EAR", "iat (6)"));
  if (!iat) return Invalid("EAR: iat (6) is missing");
  result.iat = *iat;
  const cbor::Value* verifier = FindLabel(claims, kVerifierIdLabel);
  if (verifier == nullptr) return Invalid("EAR: ear_verifier_id (1004) is missing");
  const std::string verifier_where = "EAR: ear_verifier_id (1004)";
  SCITT_RETURN_IF_ERROR(ExpectCborMap(*verifier, verifier_where));
  SCITT_ASSIGN_OR_RETURN(result.developer, RequiredCborText(*verifier, kDeveloperLabel,
                                                            verifier_where, "developer (0)"));
  SCITT_ASSIGN_OR_RETURN(result.build,
                         RequiredCborText(*verifier, kBuildLabel, verifier_where, "build (1)"));
  const cbor::Value* submods = FindLabel(claims, kSubmodsLabel);
  if (submods == nullptr) return Invalid("EAR: submods (266) is missing");
  SCITT_RETURN_IF_ERROR(ExpectCborMap(*submods, "EAR: submods (266)"));
  if (submods->map().empty()) return Invalid("EAR: submods (266) is empty");
  for (const auto& [name, appraisal] : submods->map()) {
    if (!name.is_text()) return Invalid("EAR: submods (266): a submod name must be a text string");
    SCITT_ASSIGN_OR_RETURN(
        Appraisal read, ReadCborAppraisal(name.text(), appraisal, "EAR: submods." + name.text()));
    result.appraisals.push_back(std::move(read));
  }
  return result;
}

// --- JWT -------------------------------------------------------------------

Result<Bytes> DecodeJwsPart(std::string_view part, const char* what) {
  auto decoded = Base64UrlDecode(part);
  if (!decoded)
    return MakeError(ErrorCode::kMalformed,
                     std::string("EAR: the JWS ") + what + " is not base64url");
  return std::move(*decoded);
}

}  // namespace

Result<EvidenceDocument> ParseEarJson(const Json& claims) {
  SCITT_ASSIGN_OR_RETURN(AttestationResult result, ReadJsonClaims(claims));
  return BuildGraph(result, "", {});
}

// RFC 7515 §7.1: BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature).
Result<EvidenceDocument> ParseEarJwt(ByteView document) {
  if (document.size() > kMaxDocumentBytes) {
    return MakeError(ErrorCode::kMalformed,
                     "EAR: larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
  }
  std::string_view text(reinterpret_cast<const char*>(document.data()), document.size());
  // A file may end with a newline; a JWS has none.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos || parts.size() > 5) break;
    start = dot + 1;
  }
  if (parts.size() == 5) {
    return MakeError(ErrorCode::kUnsupported, "EAR: an encrypted JWT (JWE, 5 parts) is not read");
  }
  if (parts.size() != 3) {
    return MakeError(
        ErrorCode::kMalformed,
        "EAR: a JWS compact serialization has 3 parts separated by '.', not " +
            std::string(parts.size() > 5 ? "more than 5" : std::to_string(parts.size())));
  }
  SCITT_ASSIGN_OR_RETURN(Bytes header_bytes, DecodeJwsPart(parts[0], "header"));
  SCITT_ASSIGN_OR_RETURN(Bytes payload_bytes, DecodeJwsPart(parts[1], "payload"));
  SCITT_ASSIGN_OR_RETURN(Bytes signature, DecodeJwsPart(parts[2], "signature"));
  SCITT_ASSIGN_OR_RETURN(Json header, ParseJson(header_bytes, "EAR: JWS header"));
  SCITT_RETURN_IF_ERROR(ExpectObject(header, "EAR: JWS header"));
  SCITT_ASSIGN_OR_RETURN(std::string alg, RequiredString(header, "alg", "EAR: JWS header"));
  if (AsciiLower(alg) == "none") {
    return MakeError(ErrorCode::kUnsupported,
                     "EAR: an unsecured JWT (alg \"none\") is refused; send the claims-set "
                     "unsigned as application/eat-ucs+json");
  }
  // RFC 7797: with "b64": false the payload is not base64url-encoded.
  if (const auto b64 = header.find("b64"); b64 != header.end() && *b64 == false) {
    return MakeError(ErrorCode::kUnsupported, "EAR: a JWS with \"b64\": false is not read");
  }
  if (signature.empty()) return Invalid("EAR: the JWS signature is empty");
  SCITT_ASSIGN_OR_RETURN(auto kid, OptionalString(header, "kid", "EAR: JWS header"));
  SCITT_ASSIGN_OR_RETURN(Json claims, ParseJson(payload_bytes, "EAR: JWS payload"));
  SCITT_ASSIGN_OR_RETURN(AttestationResult result, ReadJsonClaims(claims));
  Attributes verifier{{"signature.alg", alg}};
  if (kid && !kid->empty()) verifier["signature.kid"] = *kid;
  return BuildGraph(result, "jws", std::move(verifier));
}

Result<EvidenceDocument> ParseEarCbor(ByteView document) {
  SCITT_ASSIGN_OR_RETURN(cbor::Value top, DecodeCborDocument(document, "EAR"));
  const cbor::Value* item = &top;
  if (item->is_tag() && (item->tag() == kCwtTag || item->tag() == kUccsTag)) {
    item = &item->tag_content();
  }
  if (item->is_map()) {
    SCITT_ASSIGN_OR_RETURN(AttestationResult result, ReadCborClaims(*item));
    return BuildGraph(result, "", {});
  }
  if (!item->is_array() && !(item->is_tag() && item->tag() == kCoseSign1Tag)) {
    if (item->is_tag()) {
      return MakeError(ErrorCode::kUnsupported,
                       "EAR: tag " + std::to_string(item->tag()) +
                           " is not read; a CBOR EAR is a claims-set map or a COSE_Sign1 (18)");
    }
    return Invalid("EAR: a CBOR EAR must be a claims-set map or a COSE_Sign1, not " +
                   CborTypeName(*item));
  }
  SCITT_ASSIGN_OR_RETURN(Sign1Contents signature, OpenSign1(*item, "EAR"));
  SCITT_ASSIGN_OR_RETURN(cbor::Value claims,
                         DecodeCborDocument(signature.payload, "EAR: the COSE_Sign1 payload"));
  SCITT_ASSIGN_OR_RETURN(AttestationResult result, ReadCborClaims(claims));
  Attributes verifier;
  if (!signature.alg.empty()) verifier["signature.alg"] = signature.alg;
  if (!signature.kid.empty()) verifier["signature.kid"] = signature.kid;
  return BuildGraph(result, "cose-sign1", std::move(verifier));
}

}  // namespace scitt::evidence::internal

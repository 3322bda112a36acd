// in-toto Statements v0.1 and v1 (https://github.com/in-toto/attestation,
// spec/v1/statement.md), bare, in a DSSE envelope (DSSE protocol.md) or in
// a Sigstore bundle, with SLSA provenance v0.2 and v1 predicates
// (https://slsa.dev/spec/v1.0/provenance) and SLSA VSA v1. The subjects are
// artifacts by digest; provenance adds who built them and from what.
//
// Signatures are not checked here: the envelope was verified when it was
// registered, and the graph records what its payload says.
#include <string_view>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace {

constexpr std::string_view kStatementV01 = "https://in-toto.io/Statement/v0.1";
constexpr std::string_view kStatementV1 = "https://in-toto.io/Statement/v1";
constexpr std::string_view kSlsaProvenanceV02 = "https://slsa.dev/provenance/v0.2";
constexpr std::string_view kSlsaProvenanceV1 = "https://slsa.dev/provenance/v1";
constexpr std::string_view kSlsaVsaV1 = "https://slsa.dev/verification_summary/v1";
// DSSE payloadType of an in-toto Statement (in-toto attestation envelope.md).
constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";

Status AddDigestAttributes(const Json& digests, const std::string& where, Attributes& attributes) {
  for (const auto& [algorithm, value] : digests.items()) {
    SCITT_ASSIGN_OR_RETURN(std::string text, ExpectString(value, where + "." + algorithm));
    attributes["digest." + algorithm] = text;
  }
  return Status::Ok();
}

class StatementReader {
 public:
  StatementReader(std::string statement_type, std::string predicate_type, std::string container)
      : graph_(DocumentFormat::kInToto, std::move(statement_type)) {
    graph_.document().predicate_type = std::move(predicate_type);
    graph_.document().container = std::move(container);
  }

  Status ReadSubjects(const Json& statement) {
    SCITT_ASSIGN_OR_RETURN(const Json* subjects, OptionalArray(statement, "subject", "in-toto"));
    if (subjects == nullptr || subjects->empty()) {
      return Invalid("in-toto: subject must be a non-empty array");
    }
    for (size_t i = 0; i < subjects->size(); ++i) {
      const std::string where = "in-toto: subject[" + std::to_string(i) + "]";
      const Json& subject = (*subjects)[i];
      SCITT_RETURN_IF_ERROR(ExpectObject(subject, where));
      graph_.Declare("subjects");
      SCITT_ASSIGN_OR_RETURN(auto name, OptionalString(subject, "name", where));
      SCITT_ASSIGN_OR_RETURN(const Json* digests, OptionalObject(subject, "digest", where));
      if (digests == nullptr) return Invalid(where + ".digest must be an object");
      const auto id = ArtifactIdFromDigests(*digests);
      if (!id) return Invalid(where + ".digest must map algorithms to strings");
      Attributes attributes;
      if (name) attributes["name"] = *name;
      SCITT_RETURN_IF_ERROR(AddDigestAttributes(*digests, where + ".digest", attributes));
      SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kArtifact, *id, std::move(attributes)));
      SCITT_RETURN_IF_ERROR(
          graph_.AddEdge(Edge{EdgeKind::kDescribes, std::string(kThisDocument), *id, {}}));
      subjects_.push_back(*id);
    }
    return Status::Ok();
  }

  Status ReadPredicate(const Json& statement, std::string_view predicate_type) {
    SCITT_ASSIGN_OR_RETURN(const Json* predicate,
                           OptionalObject(statement, "predicate", "in-toto"));
    if (predicate == nullptr) return Status::Ok();
    if (predicate_type == kSlsaProvenanceV02) return ReadProvenanceV02(*predicate);
    if (predicate_type == kSlsaProvenanceV1) return ReadProvenanceV1(*predicate);
    if (predicate_type == kSlsaVsaV1) return ReadVsaV1(*predicate);
    return Status::Ok();  // other predicates: the subjects are what the graph learns
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  Status AddBuilder(const Json& holder, const std::string& where) {
    SCITT_ASSIGN_OR_RETURN(const Json* builder, OptionalObject(holder, "builder", where));
    if (builder == nullptr) return Invalid(where + ".builder is missing");
    SCITT_ASSIGN_OR_RETURN(std::string id, RequiredString(*builder, "id", where + ".builder"));
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kBuilder, id));
    for (const std::string& subject : subjects_) {
      SCITT_RETURN_IF_ERROR(graph_.AddEdge(Edge{EdgeKind::kBuiltBy, subject, id, {}}));
    }
    return Status::Ok();
  }

  // A v0.2 material, configSource or v1 ResourceDescriptor: a git URI is a
  // source repository, a purl a package, anything else an artifact by
  // digest (or by URI when it has no digest).
  Status AddSource(const Json& source, const std::string& where, std::string_view role) {
    SCITT_RETURN_IF_ERROR(ExpectObject(source, where));
    SCITT_ASSIGN_OR_RETURN(auto uri, OptionalString(source, "uri", where));
    SCITT_ASSIGN_OR_RETURN(const Json* digests, OptionalObject(source, "digest", where));
    Attributes attributes;
    if (digests != nullptr) {
      SCITT_RETURN_IF_ERROR(AddDigestAttributes(*digests, where + ".digest", attributes));
    }
    NodeKind kind = NodeKind::kArtifact;
    std::string id;
    if (uri && uri->starts_with("git+")) {
      kind = NodeKind::kSourceRepository;
      id = *uri;
    } else if (uri && uri->starts_with("pkg:")) {
      kind = NodeKind::kPackage;
      id = NormalizePurl(*uri);
      attributes["purl"] = *uri;
    } else if (auto by_digest = digests ? ArtifactIdFromDigests(*digests) : std::nullopt) {
      id = *by_digest;
    } else if (uri && !uri->empty()) {
      id = *uri;
    } else {
      // An empty configSource ({} from Tekton Chains) or a descriptor that
      // carries only inline content names nothing the graph can join on.
      return Status::Ok();
    }
    if (uri) attributes["uri"] = *uri;
    SCITT_RETURN_IF_ERROR(graph_.AddNode(kind, id, std::move(attributes)));
    for (const std::string& subject : subjects_) {
      SCITT_RETURN_IF_ERROR(
          graph_.AddEdge(Edge{EdgeKind::kBuiltFrom, subject, id, {{"role", std::string(role)}}}));
    }
    return Status::Ok();
  }

  // SLSA provenance v0.2: builder.id, invocation.configSource, materials.
  Status ReadProvenanceV02(const Json& predicate) {
    const std::string where = "SLSA provenance v0.2: predicate";
    SCITT_RETURN_IF_ERROR(AddBuilder(predicate, where));
    SCITT_ASSIGN_OR_RETURN(const Json* invocation, OptionalObject(predicate, "invocation", where));
    if (invocation != nullptr) {
      SCITT_ASSIGN_OR_RETURN(const Json* config_source,
                             OptionalObject(*invocation, "configSource", where + ".invocation"));
      if (config_source != nullptr) {
        SCITT_RETURN_IF_ERROR(
            AddSource(*config_source, where + ".invocation.configSource", "config_source"));
      }
    }
    SCITT_ASSIGN_OR_RETURN(const Json* materials, OptionalArray(predicate, "materials", where));
    if (materials == nullptr) return Status::Ok();
    for (size_t i = 0; i < materials->size(); ++i) {
      graph_.Declare("materials");
      SCITT_RETURN_IF_ERROR(
          AddSource((*materials)[i], where + ".materials[" + std::to_string(i) + "]", "material"));
    }
    return Status::Ok();
  }

  // SLSA provenance v1: runDetails.builder.id and
  // buildDefinition.resolvedDependencies.
  Status ReadProvenanceV1(const Json& predicate) {
    const std::string where = "SLSA provenance v1: predicate";
    SCITT_ASSIGN_OR_RETURN(const Json* run_details, OptionalObject(predicate, "runDetails", where));
    if (run_details == nullptr) return Invalid(where + ".runDetails is missing");
    SCITT_RETURN_IF_ERROR(AddBuilder(*run_details, where + ".runDetails"));
    SCITT_ASSIGN_OR_RETURN(const Json* definition,
                           OptionalObject(predicate, "buildDefinition", where));
    if (definition == nullptr) return Invalid(where + ".buildDefinition is missing");
    SCITT_ASSIGN_OR_RETURN(
        const Json* dependencies,
        OptionalArray(*definition, "resolvedDependencies", where + ".buildDefinition"));
    if (dependencies == nullptr) return Status::Ok();
    for (size_t i = 0; i < dependencies->size(); ++i) {
      graph_.Declare("materials");
      SCITT_RETURN_IF_ERROR(AddSource(
          (*dependencies)[i],
          where + ".buildDefinition.resolvedDependencies[" + std::to_string(i) + "]",
          "resolved_dependency"));
    }
    return Status::Ok();
  }

  // SLSA VSA v1: the verifier's verdict, kept on each subject it covers.
  Status ReadVsaV1(const Json& predicate) {
    const std::string where = "SLSA VSA v1: predicate";
    SCITT_ASSIGN_OR_RETURN(const Json* verifier, OptionalObject(predicate, "verifier", where));
    if (verifier == nullptr) return Invalid(where + ".verifier is missing");
    Attributes verdict;
    SCITT_ASSIGN_OR_RETURN(verdict["vsa.verifier"],
                           RequiredString(*verifier, "id", where + ".verifier"));
    SCITT_ASSIGN_OR_RETURN(verdict["vsa.result"],
                           RequiredString(predicate, "verificationResult", where));
    SCITT_ASSIGN_OR_RETURN(auto resource, OptionalString(predicate, "resourceUri", where));
    if (resource) verdict["vsa.resource_uri"] = *resource;
    SCITT_ASSIGN_OR_RETURN(const Json* levels, OptionalArray(predicate, "verifiedLevels", where));
    if (levels != nullptr) {
      std::string joined;
      for (size_t i = 0; i < levels->size(); ++i) {
        SCITT_ASSIGN_OR_RETURN(std::string level, ExpectString((*levels)[i], where +
                                                                   ".verifiedLevels[" +
                                                                   std::to_string(i) + "]"));
        joined += (joined.empty() ? "" : ",") + level;
      }
      verdict["vsa.levels"] = joined;
    }
    for (const std::string& subject : subjects_) {
      SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kArtifact, subject, verdict));
    }
    return Status::Ok();
  }

  GraphBuilder graph_;
  std::vector<std::string> subjects_;  // node ids of the statement's subjects
};

}  // namespace

Result<EvidenceDocument> ParseInTotoStatement(const Json& statement, std::string container) {
  SCITT_RETURN_IF_ERROR(ExpectObject(statement, "in-toto: the statement"));
  SCITT_ASSIGN_OR_RETURN(std::string type, RequiredString(statement, "_type", "in-toto"));
  if (type != kStatementV01 && type != kStatementV1) {
    return MakeError(ErrorCode::kUnsupported, "in-toto: _type \"" + type.substr(0, 100) +
                                                  "\" is not a Statement v0.1 or v1");
  }
  SCITT_ASSIGN_OR_RETURN(std::string predicate_type,
                         RequiredString(statement, "predicateType", "in-toto"));
  StatementReader reader(type, predicate_type, std::move(container));
  SCITT_RETURN_IF_ERROR(reader.ReadSubjects(statement));
  SCITT_RETURN_IF_ERROR(reader.ReadPredicate(statement, predicate_type));
  return std::move(reader).Finish();
}

Result<EvidenceDocument> ParseDsseEnvelope(const Json& envelope, std::string container) {
  SCITT_RETURN_IF_ERROR(ExpectObject(envelope, "DSSE: the envelope"));
  SCITT_ASSIGN_OR_RETURN(std::string payload_type, RequiredString(envelope, "payloadType", "DSSE"));
  if (payload_type != kInTotoPayloadType) {
    return MakeError(ErrorCode::kUnsupported, "DSSE: payloadType \"" +
                                                  payload_type.substr(0, 100) +
                                                  "\" is not an in-toto Statement");
  }
  SCITT_ASSIGN_OR_RETURN(std::string payload, RequiredString(envelope, "payload", "DSSE"));
  SCITT_ASSIGN_OR_RETURN(const Json* signatures, OptionalArray(envelope, "signatures", "DSSE"));
  if (signatures == nullptr) return Invalid("DSSE: signatures must be an array");
  // DSSE protocol.md: "payload: Base64(SERIALIZED_BODY)"; implementations
  // write the standard alphabet, some the URL-safe one.
  std::optional<Bytes> body = Base64Decode(payload);
  if (!body) body = Base64UrlDecode(payload);
  if (!body) return Invalid("DSSE: payload is not base64");
  SCITT_ASSIGN_OR_RETURN(Json statement, ParseJson(*body, "DSSE payload"));
  return ParseInTotoStatement(statement, std::move(container));
}

Result<EvidenceDocument> ParseSigstoreBundle(const Json& bundle) {
  SCITT_RETURN_IF_ERROR(ExpectObject(bundle, "Sigstore bundle"));
  SCITT_ASSIGN_OR_RETURN(std::string media_type,
                         RequiredString(bundle, "mediaType", "Sigstore bundle"));
  if (!media_type.starts_with(kSigstoreBundlePrefix)) {
    return Invalid("Sigstore bundle: mediaType must start with " +
                   std::string(kSigstoreBundlePrefix));
  }
  SCITT_ASSIGN_OR_RETURN(const Json* envelope,
                         OptionalObject(bundle, "dsseEnvelope", "Sigstore bundle"));
  if (envelope == nullptr) {
    return MakeError(ErrorCode::kUnsupported,
                     "Sigstore bundle: only bundles with a dsseEnvelope are read");
  }
  return ParseDsseEnvelope(*envelope, "sigstore-bundle");
}

}  // namespace scitt::evidence::internal

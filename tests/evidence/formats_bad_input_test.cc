// Bad input to the format parsers: every refusal is an error Result with a
// message naming the problem, never a crash or unbounded work.
#include <gtest/gtest.h>

#include <string>

#include "evidence/formats/parse.h"
#include "support/vectors.h"

namespace scitt::evidence {
namespace {

// Parses `document` as `content_type`, expects `code` and a message
// containing `mention`.
void ExpectRefused(std::string_view content_type, const std::string& document, ErrorCode code,
                   const std::string& mention) {
  SCOPED_TRACE(std::string(content_type) + ": " + document.substr(0, 200));
  auto parsed = Parse(content_type, AsBytes(document));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(mention), std::string::npos) << parsed.error().message;
}

void ExpectInvalid(std::string_view content_type, const std::string& document,
                   const std::string& mention) {
  ExpectRefused(content_type, document, ErrorCode::kInvalidArgument, mention);
}

const std::string kBom = R"("bomFormat": "CycloneDX", "specVersion": "1.5")";

TEST(EvidenceBadInput, NotJsonOrTruncated) {
  for (const std::string_view type : {kCycloneDxJson, kSpdxJson, kOpenVexJson, kInTotoJson,
                                      kDsseEnvelopeJson, kGenericJson}) {
    ExpectRefused(type, "", ErrorCode::kMalformed, "not valid JSON");
    ExpectRefused(type, "{\"bomFormat\": ", ErrorCode::kMalformed, "not valid JSON");
    ExpectRefused(type, "\xff\xfe{}", ErrorCode::kMalformed, "not valid JSON");
  }
  // Every real document cut in half.
  const std::pair<std::string, std::string_view> documents[] = {
      {"cyclonedx/laravel-7.12.0.bom.1.4.json", kCycloneDxJson},
      {"spdx/example9-appbomination.spdx.json", kSpdxJson},
      {"openvex/go-vex-v0.2.0.json", kOpenVexJson},
      {"slsa/gha_go-v1.10.0-push-v14.dsse.json", kDsseEnvelopeJson},
      {"slsa/bcr-MODULE.bazel.statement.json", kInTotoJson},
  };
  for (const auto& [path, type] : documents) {
    const Bytes bytes = testing::ReadVector("evidence/" + path);
    const std::string half(bytes.begin(), bytes.begin() + bytes.size() / 2);
    ExpectRefused(type, half, ErrorCode::kMalformed, "not valid JSON");
  }
}

TEST(EvidenceBadInput, DeepNestingIsRefusedWithoutRecursion) {
  // 64 levels of containers are fine, 65 are not; a million-level document is refused
  // without the parser or the destructor recursing that deep.
  const std::string ok = "{" + kBom + ", \"x\": " + std::string(63, '[') + std::string(63, ']') + "}";
  ASSERT_TRUE(Parse(kCycloneDxJson, AsBytes(ok)).ok());
  const std::string deep = "{" + kBom + ", \"x\": " + std::string(64, '[') + std::string(64, ']') + "}";
  ExpectRefused(kCycloneDxJson, deep, ErrorCode::kMalformed, "nested deeper than 64");
  ExpectRefused(kGenericJson, std::string(1'000'000, '['), ErrorCode::kMalformed, "nested deeper");
  std::string objects;
  for (int i = 0; i < 200'000; ++i) objects += "{\"a\":";
  ExpectRefused(kSpdxJson, objects, ErrorCode::kMalformed, "nested deeper");
}

TEST(EvidenceBadInput, OversizedDocument) {
  const std::string huge(kMaxDocumentBytes + 1, ' ');
  ExpectRefused(kCycloneDxJson, huge, ErrorCode::kMalformed, "larger than");
}

TEST(EvidenceBadInput, RepeatedKey) {
  ExpectRefused(kCycloneDxJson, "{" + kBom + ", \"components\": [], \"components\": []}",
                ErrorCode::kMalformed, "\"components\" appears twice");
}

TEST(EvidenceBadInput, UnknownFormats) {
  ExpectRefused("application/xml", "<html/>", ErrorCode::kUnsupported, "no known evidence format");
  ExpectRefused("text/plain", "SPDXVersion: SPDX-2.3", ErrorCode::kUnsupported, "no parser");
  ExpectRefused(kGenericJson, R"({"hello": "world"})", ErrorCode::kUnsupported,
                "no known evidence format");
  ExpectRefused(kGenericJson, "[1, 2]", ErrorCode::kUnsupported, "not an object");
  // SPDX 3 is told by its @context; an spdxVersion of 3 is no SPDX 2 document.
  ExpectInvalid(kGenericJson, R"({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"})",
                "SPDX 3: @graph is missing");
  ExpectRefused(kSpdxJson, R"({"spdxVersion": "SPDX-3.0"})", ErrorCode::kUnsupported,
                "SPDX-3.0");
  ExpectRefused(kInTotoJson, R"({"_type": "https://in-toto.io/Statement/v2"})",
                ErrorCode::kUnsupported, "Statement v0.1 or v1");
  ExpectRefused(kDsseEnvelopeJson, R"({"payloadType": "text/plain", "payload": "", "signatures": []})",
                ErrorCode::kUnsupported, "not an in-toto Statement");
  ExpectRefused("application/vnd.dev.sigstore.bundle.v0.3+json",
                R"({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                    "messageSignature": {}})",
                ErrorCode::kUnsupported, "dsseEnvelope");
  // A parameter and upper case in the type do not matter.
  EXPECT_TRUE(Parse("Application/VND.CycloneDX+JSON; version=1.5", AsBytes("{" + kBom + "}")).ok());
}

TEST(EvidenceBadInput, CycloneDxWrongTypes) {
  const auto bom = [](const std::string& rest) { return "{" + kBom + ", " + rest + "}"; };
  ExpectInvalid(kCycloneDxJson, R"({"bomFormat": "SPDX", "specVersion": "1.5"})", "bomFormat");
  ExpectInvalid(kCycloneDxJson, R"({"bomFormat": "CycloneDX", "specVersion": 1.5})",
                "specVersion must be a string");
  ExpectInvalid(kCycloneDxJson, R"({"bomFormat": "CycloneDX"})", "specVersion is missing");
  ExpectInvalid(kCycloneDxJson, bom(R"("components": "none")"), "components must be an array");
  ExpectInvalid(kCycloneDxJson, bom(R"("components": [7])"), "components[0] must be an object");
  ExpectInvalid(kCycloneDxJson, bom(R"("components": [{"name": "a", "purl": 1}])"),
                "components[0].purl must be a string");
  ExpectInvalid(kCycloneDxJson, bom(R"("components": [{"name": "a", "components": {}}])"),
                "components[0].components must be an array");
  ExpectInvalid(kCycloneDxJson,
                bom(R"("components": [{"name": "a", "components": [{"bom-ref": []}]}])"),
                "components[0].components[0].bom-ref must be a string");
  ExpectInvalid(kCycloneDxJson, bom(R"("metadata": [])"), "metadata must be an object");
  ExpectInvalid(kCycloneDxJson, bom(R"("metadata": {"component": "x"})"),
                "metadata.component must be an object");
  ExpectInvalid(kCycloneDxJson, bom(R"("services": [{"services": 3}])"),
                "services[0].services must be an array");
  ExpectInvalid(kCycloneDxJson, bom(R"("dependencies": [{"dependsOn": []}])"),
                "dependencies[0].ref is missing");
  ExpectInvalid(kCycloneDxJson, bom(R"("dependencies": [{"ref": "a", "dependsOn": "b"}])"),
                "dependencies[0].dependsOn must be an array");
  ExpectInvalid(kCycloneDxJson, bom(R"("dependencies": [{"ref": "a", "dependsOn": [{}]}])"),
                "dependencies[0].dependsOn[0] must be a string");
  ExpectInvalid(kCycloneDxJson, bom(R"("vulnerabilities": [{"id": "CVE-1", "affects": [{}]}])"),
                "vulnerabilities[0].affects[0].ref is missing");
  ExpectInvalid(kCycloneDxJson,
                bom(R"("vulnerabilities": [{"id": "CVE-1", "ratings": [{"severity": 9}]}])"),
                "ratings[0].severity must be a string");
  ExpectInvalid(kCycloneDxJson,
                bom(R"("vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "maybe"},
                                            "affects": [{"ref": "a"}]}])"),
                "\"maybe\" is not a CycloneDX impact analysis state");
  ExpectInvalid(kCycloneDxJson, bom(R"("vulnerabilities": [{"id": "CVE-1", "tools": "grype"}])"),
                "tools must be an array or an object");
}

TEST(EvidenceBadInput, SpdxWrongTypes) {
  const auto spdx = [](const std::string& rest) {
    return R"({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", )" + rest + "}";
  };
  ExpectInvalid(kSpdxJson, R"({"spdxVersion": 2.3})", "spdxVersion must be a string");
  ExpectInvalid(kSpdxJson, spdx(R"("packages": {})"), "packages must be an array");
  ExpectInvalid(kSpdxJson, spdx(R"("packages": [{"name": "a"}])"), "packages[0].SPDXID is missing");
  ExpectInvalid(kSpdxJson,
                spdx(R"("packages": [{"SPDXID": "SPDXRef-a", "externalRefs": [{"referenceType": "purl"}]}])"),
                "externalRefs[0].referenceLocator is missing");
  ExpectInvalid(kSpdxJson, spdx(R"("packages": [{"SPDXID": "SPDXRef-a", "hasFiles": [1]}])"),
                "packages[0].hasFiles[0] must be a string");
  ExpectInvalid(kSpdxJson, spdx(R"("files": [{"SPDXID": "SPDXRef-f", "checksums": [{"algorithm": "SHA256"}]}])"),
                "checksums[0].checksumValue is missing");
  ExpectInvalid(kSpdxJson,
                spdx(R"("relationships": [{"spdxElementId": "a", "relatedSpdxElement": "b"}])"),
                "relationships[0].relationshipType is missing");
  ExpectInvalid(kSpdxJson, spdx(R"("documentDescribes": "SPDXRef-a")"),
                "documentDescribes must be an array");
  ExpectInvalid(kSpdxJson, spdx(R"("creationInfo": {"creators": [{}]})"),
                "creationInfo.creators[0] must be a string");
}

TEST(EvidenceBadInput, OpenVexWrongTypes) {
  const auto vex = [](const std::string& statements) {
    return R"({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "statements": )" +
           statements + "}";
  };
  ExpectInvalid(kOpenVexJson, R"({"@context": "https://example.com/ns"})", "@context");
  ExpectInvalid(kOpenVexJson, R"({"@context": "https://openvex.dev/ns/v0.2.0"})",
                "statements is missing");
  ExpectInvalid(kOpenVexJson, vex(R"("all")"), "statements must be an array");
  ExpectInvalid(kOpenVexJson, vex(R"([{"vulnerability": 5, "status": "fixed"}])"),
                "vulnerability must be an object or a string");
  ExpectInvalid(kOpenVexJson, vex(R"([{"vulnerability": {"name": "CVE-1"}, "status": "fine"}])"),
                "\"fine\" is not a VEX status");
  ExpectInvalid(kOpenVexJson, vex(R"([{"vulnerability": {"name": "CVE-1"}, "status": "fixed",
                                        "products": [3]}])"),
                "products[0] must be an object or a string");
  ExpectInvalid(kOpenVexJson, vex(R"([{"vulnerability": {"name": "CVE-1"}, "status": "fixed",
                                        "products": [{}]}])"),
                "products[0] names no product");
  ExpectInvalid(kOpenVexJson, vex(R"([{"vulnerability": {"name": "CVE-1"}, "status": "fixed",
                                        "products": [{"@id": "pkg:a/b@1", "subcomponents": {}}]}])"),
                "products[0].subcomponents must be an array");
  ExpectInvalid(kOpenVexJson, vex(R"([{"vulnerability": {"name": "CVE-1", "aliases": [1]},
                                        "status": "fixed"}])"),
                "aliases[0] must be a string");
}

TEST(EvidenceBadInput, InTotoWrongTypes) {
  const auto statement = [](const std::string& rest) {
    return R"({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1", )" +
           rest + "}";
  };
  const std::string subject = R"("subject": [{"name": "a", "digest": {"sha256": "00"}}])";
  ExpectInvalid(kInTotoJson, statement(R"("subject": {})"), "subject must be an array");
  ExpectInvalid(kInTotoJson, statement(R"("subject": [])"), "subject must be a non-empty array");
  ExpectInvalid(kInTotoJson, statement(R"("subject": [{"name": "a"}])"),
                "subject[0].digest must be an object");
  ExpectInvalid(kInTotoJson, statement(R"("subject": [{"name": "a", "digest": {"sha256": 1}}])"),
                "digest must map algorithms to strings");
  ExpectInvalid(kInTotoJson, statement(subject + R"(, "predicate": [])"),
                "predicate must be an object");
  ExpectInvalid(kInTotoJson, statement(subject + R"(, "predicate": {"buildDefinition": {}})"),
                "runDetails is missing");
  ExpectInvalid(kInTotoJson,
                statement(subject + R"(, "predicate": {"runDetails": {"builder": {"id": 1}},
                                                       "buildDefinition": {}})"),
                "runDetails.builder.id must be a string");
  ExpectInvalid(kInTotoJson,
                statement(subject + R"(, "predicate": {"runDetails": {"builder": {"id": "b"}},
                    "buildDefinition": {"resolvedDependencies": [{"uri": "git+x", "digest": []}]}})"),
                "resolvedDependencies[0].digest must be an object");
  ExpectInvalid(kDsseEnvelopeJson,
                R"({"payloadType": "application/vnd.in-toto+json", "payload": "!!!", "signatures": []})",
                "payload is not base64");
  ExpectInvalid(kDsseEnvelopeJson,
                R"({"payloadType": "application/vnd.in-toto+json", "payload": "e30="})",
                "signatures must be an array");
  // The payload is parsed with the same bounds as any document.
  ExpectRefused(kDsseEnvelopeJson,
                R"({"payloadType": "application/vnd.in-toto+json", "payload": "W1tb", "signatures": []})",
                ErrorCode::kMalformed, "DSSE payload: not valid JSON");
}

TEST(EvidenceBadInput, SarifWrongTypes) {
  const auto sarif = [](const std::string& run) {
    return R"({"version": "2.1.0", "runs": [)" + run + "]}";
  };
  const std::string tool = R"("tool": {"driver": {"name": "t"}})";
  ExpectRefused(kSarifJson, R"({"version": "2.0.0", "runs": []})", ErrorCode::kUnsupported,
                "\"2.0.0\" is not read");
  ExpectInvalid(kSarifJson, R"({"version": "2.1.0", "runs": {}})", "runs must be an array");
  ExpectInvalid(kSarifJson, sarif("{}"), "runs[0].tool is missing");
  ExpectInvalid(kSarifJson, sarif(R"({"tool": {"driver": {}}})"), "tool.driver.name is missing");
  ExpectInvalid(kSarifJson, sarif(R"({"tool": {"driver": {"name": "t", "rules": [{}]}}})"),
                "rules[0].id is missing");
  ExpectInvalid(kSarifJson, sarif("{" + tool + R"(, "results": "none"})"),
                "runs[0].results must be an array");
  ExpectInvalid(kSarifJson, sarif("{" + tool + R"(, "results": [{"message": {}}]})"),
                "results[0] names no rule");
  ExpectInvalid(kSarifJson, sarif("{" + tool + R"(, "results": [{"ruleId": "R", "ruleIndex": 3}]})"),
                "ruleIndex 3 names no rule");
  ExpectInvalid(kSarifJson, sarif("{" + tool + R"(, "results": [{"ruleId": "R", "ruleIndex": "0"}]})"),
                "ruleIndex must be an integer");
  ExpectInvalid(kSarifJson, sarif("{" + tool + R"(, "results": [{"ruleId": "R", "level": 2}]})"),
                "results[0].level must be a string");
  ExpectInvalid(kSarifJson,
                sarif("{" + tool + R"(, "results": [{"ruleId": "R", "suppressions": [{"status": 1}]}]})"),
                "suppressions[0].status must be a string");
  ExpectInvalid(kSarifJson,
                sarif("{" + tool + R"(, "results": [{"ruleId": "R", "properties": {"security-severity": []}}]})"),
                "security-severity must be a string");
  ExpectInvalid(kSarifJson,
                sarif("{" + tool + R"(, "results": [{"ruleId": "R", "locations": [{"physicalLocation": {"artifactLocation": {"uri": 5}}}]}]})"),
                "artifactLocation.uri must be a string");
}

}  // namespace
}  // namespace scitt::evidence

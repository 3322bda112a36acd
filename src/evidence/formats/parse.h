// Turns one evidence document into graph nodes and edges (evidence/formats/
// graph.h), picking the format from the content type or, for generic JSON,
// from the document's shape.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "evidence/formats/graph.h"

namespace scitt::evidence {

// Content types the parsers recognise (parameters such as ";version=1.5"
// are ignored, the type is compared case-insensitively).
inline constexpr std::string_view kCycloneDxJson = "application/vnd.cyclonedx+json";
inline constexpr std::string_view kSpdxJson = "application/spdx+json";
inline constexpr std::string_view kOpenVexJson = "application/openvex+json";
inline constexpr std::string_view kInTotoJson = "application/vnd.in-toto+json";
inline constexpr std::string_view kDsseEnvelopeJson = "application/vnd.dsse.envelope.v1+json";
// Sigstore bundles name their version in the type (…bundle.v0.3+json).
inline constexpr std::string_view kSigstoreBundlePrefix = "application/vnd.dev.sigstore.bundle";
inline constexpr std::string_view kSarifJson = "application/sarif+json";
inline constexpr std::string_view kGenericJson = "application/json";
inline constexpr std::string_view kCycloneDxXml = "application/vnd.cyclonedx+xml";
inline constexpr std::string_view kSpdxTagValue = "text/spdx";
// SPDX 3.0 JSON-LD comes as application/spdx+json (told apart from 2.x by
// its @context) or as generic JSON-LD.
inline constexpr std::string_view kJsonLd = "application/ld+json";
// Registered with IANA in 2019 (optional parameter "version", "2015" for
// ISO/IEC 19770-2:2015).
inline constexpr std::string_view kSwidXml = "application/swid+xml";
inline constexpr std::string_view kCoSwidCbor = "application/swid+cbor";  // RFC 9393 §10.4
// EAT media types (RFC 9782, registered by IANA with an optional
// "eat_profile" parameter), which EAR (draft-ietf-rats-ear §5) uses with its
// profile: application/eat+jwt; eat_profile="tag:ietf.org,2026:rats/ear#03".
// (The draft's §5 spells them "eat-jwt" / "eat-cwt"; the registered names
// are these.) Claims as JSON or CBOR, unsigned (UCS) or as JWT or CWT.
inline constexpr std::string_view kEatJwt = "application/eat+jwt";
inline constexpr std::string_view kEatCwt = "application/eat+cwt";
inline constexpr std::string_view kEatUcsJson = "application/eat-ucs+json";
inline constexpr std::string_view kEatUcsCbor = "application/eat-ucs+cbor";
// Generic XML is told apart by its root element (CycloneDX "bom", SWID
// "SoftwareIdentity").
inline constexpr std::string_view kGenericXml = "application/xml";
inline constexpr std::string_view kTextXml = "text/xml";

// Bounds on what one document may cost, whatever its bytes.
inline constexpr size_t kMaxDocumentBytes = size_t{256} << 20;
inline constexpr int kMaxJsonDepth = 64;
// Elements, the root included: XML spends a level where JSON spends one on
// an array ("components" > "component"), so the bound is the same.
inline constexpr int kMaxXmlDepth = kMaxJsonDepth;
inline constexpr size_t kMaxNodes = 1'000'000;
inline constexpr size_t kMaxEdges = 4'000'000;

// Parses `document` as the format `content_type` names; for kGenericJson
// or an empty type, as the format its shape shows (CycloneDX "bomFormat",
// SPDX "spdxVersion", an OpenVEX "@context", an in-toto "_type", a DSSE
// "payloadType", a Sigstore bundle "mediaType" with "dsseEnvelope", SARIF
// "version" with "runs", an EAR "eat_profile" with "submods").
// Errors: kUnsupported for a type, shape or version no parser here reads
// (an XML root in an unknown namespace); kMalformed for bytes that are not
// JSON (or XML), are over kMaxDocumentBytes, nest containers deeper than
// kMaxJsonDepth (elements deeper than kMaxXmlDepth), repeat a key in one
// object (an attribute in one element) or, for XML, hold a DOCTYPE;
// kInvalidArgument for a document that breaks the format (a field of the
// wrong type, a missing required field or element, an unknown VEX status,
// over kMaxNodes or kMaxEdges). The message names the field ("CycloneDX:
// components[3].purl must be a string") or the element.
Result<EvidenceDocument> Parse(std::string_view content_type, ByteView document,
                               GraphParts parts = GraphParts::kNodesAndEdges);

// A purl in the canonical form the graph joins on (purl.cc), so that two
// tools' spellings of one package are one node. Text that is not a purl is
// returned unchanged.
std::string NormalizePurl(std::string_view purl);

// A purl's name part ("pkg:type/namespace/name") and its version, both
// without qualifiers and subpath, as views into `purl`: the version follows
// the last '@' after the last '/' (an npm scope's '@' comes before one);
// empty when there is none.
struct PurlParts {
  std::string_view base;
  std::string_view version;
};
PurlParts SplitPurlVersion(std::string_view purl);

}  // namespace scitt::evidence

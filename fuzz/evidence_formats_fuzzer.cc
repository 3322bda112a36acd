// Evidence documents as pushed in statements (evidence/formats/parse.h): the
// first byte picks the content type. Whatever parses must give a graph whose
// edges join its own nodes and that stays within the documented bounds, and
// whose licence expressions are canonical; parsed as the indexer does
// (GraphParts::kEdges), the same outcome and the same edges without nodes.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "evidence/formats/license_expression.h"
#include "evidence/formats/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scitt::evidence;
  if (size == 0) return 0;
  static constexpr std::string_view kTypes[] = {
      kCycloneDxJson, kSpdxJson,   kOpenVexJson,
      kInTotoJson,    kDsseEnvelopeJson, "application/vnd.dev.sigstore.bundle.v0.3+json",
      kSarifJson,     kGenericJson,      "",
      kCycloneDxXml,  kSpdxTagValue,     kJsonLd,
      kSwidXml,       kCoSwidCbor,       kEatJwt,
      kEatCwt,        kEatUcsJson,       kEatUcsCbor,
      kGenericXml};
  constexpr size_t kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);
  const std::string_view content_type = kTypes[data[0] % kTypeCount];
  const scitt::ByteView bytes(data + 1, size - 1);
  auto document = Parse(content_type, bytes);
  auto edges_only = Parse(content_type, bytes, GraphParts::kEdges);
  if (document.ok() != edges_only.ok()) __builtin_trap();
  if (!document.ok()) {
    if (document.error().message.empty()) __builtin_trap();
    if (document.error().message != edges_only.error().message) __builtin_trap();
    return 0;
  }
  if (!edges_only->nodes.empty() || edges_only->edges.size() != document->edges.size()) __builtin_trap();
  for (size_t i = 0; i < document->edges.size(); ++i) {
    const Edge& a = document->edges[i];
    const Edge& b = edges_only->edges[i];
    if (a.kind != b.kind || a.from != b.from || a.to != b.to || a.attributes != b.attributes) __builtin_trap();
  }
  if (document->declared != edges_only->declared) __builtin_trap();
  if (document->nodes.size() > kMaxNodes || document->edges.size() > kMaxEdges) __builtin_trap();
  std::set<std::string> ids;
  for (const Node& node : document->nodes) {
    if (!ids.insert(node.id).second) __builtin_trap();  // node ids are distinct
  }
  for (const Edge& edge : document->edges) {
    if (edge.from != kThisDocument && !ids.contains(edge.from)) __builtin_trap();
    if (!ids.contains(edge.to)) __builtin_trap();
    // A licence expression is written in its canonical form, which is its
    // own canonical form, and a deny list can be applied to it.
    if (const auto it = edge.attributes.find("expression"); edge.kind == EdgeKind::kLicensedUnder &&
                                                             it != edge.attributes.end()) {
      if (CanonicalLicenseExpression(it->second) != it->second) __builtin_trap();
      if (!LicenseExpressionDenied(it->second, [](std::string_view id) { return id.size() % 2 == 0; })) {
        __builtin_trap();
      }
    }
  }
  return 0;
}

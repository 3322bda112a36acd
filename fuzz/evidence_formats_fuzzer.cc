// Evidence documents as pushed in statements (evidence/formats/parse.h): the
// first byte picks the content type. Whatever parses must give a graph whose
// edges join its own nodes and that stays within the documented bounds, and
// whose licence expressions are canonical; parsed as the indexer does
// (GraphParts::kEdges, whole and in batches), the same outcome and the same
// edges without nodes.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

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
  // And as the indexer takes a large document's edges, in batches (of 2).
  CollectingEdgeSink sink;
  GraphParts in_batches = GraphParts::kEdges;
  in_batches.edge_sink = &sink;
  in_batches.edges_per_batch = 2;
  auto batched = Parse(content_type, bytes, in_batches);
  if (document.ok() != edges_only.ok() || document.ok() != batched.ok()) __builtin_trap();
  if (!document.ok()) {
    if (document.error().message.empty()) __builtin_trap();
    if (document.error().message != edges_only.error().message) __builtin_trap();
    if (document.error().message != batched.error().message) __builtin_trap();
    return 0;
  }
  const std::vector<Edge> all(document->edges.begin(), document->edges.end());
  if (!edges_only->nodes.empty() || std::vector<Edge>(edges_only->edges.begin(), edges_only->edges.end()) != all) {
    __builtin_trap();
  }
  sink.taken.insert(sink.taken.end(), batched->edges.begin(), batched->edges.end());
  if (!batched->nodes.empty() || sink.taken != all) __builtin_trap();
  if (document->declared != edges_only->declared || document->declared != batched->declared) __builtin_trap();
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

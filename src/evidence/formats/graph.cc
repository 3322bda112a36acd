#include "evidence/formats/graph.h"

#include <cstring>

#include "base/text.h"
#include "crypto/hash.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/license_expression.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence {

std::string_view NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kArtifact: return "artifact";
    case NodeKind::kPackage: return "package";
    case NodeKind::kFile: return "file";
    case NodeKind::kVulnerability: return "vulnerability";
    case NodeKind::kBuilder: return "builder";
    case NodeKind::kSourceRepository: return "source_repository";
    case NodeKind::kIssuer: return "issuer";
    case NodeKind::kLicense: return "license";
  }
  return "unknown";
}

std::string_view EdgeKindName(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kDescribes: return "DESCRIBES";
    case EdgeKind::kContains: return "CONTAINS";
    case EdgeKind::kDependsOn: return "DEPENDS_ON";
    case EdgeKind::kBuiltFrom: return "BUILT_FROM";
    case EdgeKind::kBuiltBy: return "BUILT_BY";
    case EdgeKind::kVulnerableTo: return "VULNERABLE_TO";
    case EdgeKind::kVexStatus: return "VEX_STATUS";
    case EdgeKind::kAttestedBy: return "ATTESTED_BY";
    case EdgeKind::kLinksTo: return "LINKS_TO";
    case EdgeKind::kLicensedUnder: return "LICENSED_UNDER";
    case EdgeKind::kIdentifies: return "IDENTIFIES";
  }
  return "UNKNOWN";
}

std::string_view DocumentFormatName(DocumentFormat format) {
  switch (format) {
    case DocumentFormat::kCycloneDx: return "CycloneDX";
    case DocumentFormat::kSpdx: return "SPDX";
    case DocumentFormat::kOpenVex: return "OpenVEX";
    case DocumentFormat::kInToto: return "in-toto";
    case DocumentFormat::kSarif: return "SARIF";
    case DocumentFormat::kSwid: return "SWID";
    case DocumentFormat::kCoSwid: return "CoSWID";
    case DocumentFormat::kEar: return "EAR";
  }
  return "unknown";
}

namespace internal {

SwidLinkRule SwidLink(std::string_view rel) {
  if (rel == "component") return {EdgeKind::kContains, false, false};
  if (rel == "parent") return {EdgeKind::kContains, true, false};
  if (rel == "requires" || rel == "patches") return {EdgeKind::kDependsOn, false, false};
  if (rel == "supplemental") return {EdgeKind::kDescribes, false, true};
  return {};
}

std::array<uint64_t, 2> Digest128(std::initializer_list<std::string_view> fields) {
  crypto::Sha256Hasher hasher;
  for (std::string_view field : fields) {
    const uint64_t size = field.size();
    hasher.Update(ByteView(reinterpret_cast<const uint8_t*>(&size), sizeof size));
    hasher.Update(AsBytes(field));
  }
  const crypto::Sha256Digest digest = hasher.Finish();
  std::array<uint64_t, 2> out;
  std::memcpy(out.data(), digest.data(), sizeof out);
  return out;
}

size_t CompactStringMap::SlotOf(const std::array<uint64_t, 2>& key) const {
  const size_t mask = slots_.size() - 1;
  size_t i = key[0] & mask;
  while (slots_[i].key != key && slots_[i].key != std::array<uint64_t, 2>{}) i = (i + 1) & mask;
  return i;
}

void CompactStringMap::Grow() {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(std::max<size_t>(64, slots_.size() * 2)));
  for (const Slot& slot : old) {
    if (slot.key != std::array<uint64_t, 2>{}) slots_[SlotOf(slot.key)] = slot;
  }
}

void CompactStringMap::Emplace(std::string_view key, std::string_view value) {
  if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
  const std::array<uint64_t, 2> digest = Digest128({key});
  Slot& slot = slots_[SlotOf(digest)];
  if (slot.key == digest) return;
  const uint64_t size = value.size();
  if (chunks_.empty() || chunks_.back().size() + sizeof size + size > chunks_.back().capacity()) {
    chunks_.emplace_back().reserve(std::max(kChunk, sizeof size + size));
  }
  std::string& chunk = chunks_.back();
  slot = Slot{digest, (chunks_.size() - 1) << 32 | chunk.size()};
  chunk.append(reinterpret_cast<const char*>(&size), sizeof size).append(value);
  ++size_;
}

std::optional<std::string> CompactStringMap::Find(std::string_view key) const {
  if (slots_.empty()) return std::nullopt;
  const std::array<uint64_t, 2> digest = Digest128({key});
  const Slot& slot = slots_[SlotOf(digest)];
  if (slot.key != digest) return std::nullopt;
  const std::string& chunk = chunks_[slot.value >> 32];
  const size_t offset = slot.value & 0xffffffff;
  uint64_t size;
  std::memcpy(&size, chunk.data() + offset, sizeof size);
  return chunk.substr(offset + sizeof size, size);
}

GraphBuilder::GraphBuilder(DocumentFormat format, std::string spec_version, GraphParts parts)
    : parts_(parts),
      node_positions_(0, ById{&document_.nodes}, ById{&document_.nodes}),
      edge_positions_(0, ByIdentity{&document_.edges}, ByIdentity{&document_.edges}) {
  document_.format = format;
  document_.spec_version = std::move(spec_version);
}

Status GraphBuilder::AddNode(NodeKind kind, const std::string& id, Attributes attributes) {
  if (!parts_.nodes) {
    const uint64_t hash = std::hash<std::string_view>()(id);
    // A new id past the bound ends the parse, so the set may hold it.
    if (node_hashes_.Insert({hash == 0 ? 1 : hash}) && node_hashes_.size() > kMaxNodes) return TooManyNodes();
    return Status::Ok();
  }
  if (const auto it = node_positions_.find(std::string_view(id)); it != node_positions_.end()) {
    document_.nodes[*it].attributes.merge(attributes);
    return Status::Ok();
  }
  if (document_.nodes.size() >= kMaxNodes) return TooManyNodes();
  document_.nodes.push_back(Node{kind, id, std::move(attributes)});
  node_positions_.insert(document_.nodes.size() - 1);
  return Status::Ok();
}

Status GraphBuilder::TooManyNodes() const {
  return Invalid(std::string(DocumentFormatName(document_.format)) + ": more than " +
                 std::to_string(kMaxNodes) + " graph nodes");
}

// A VEX status on a subcomponent is scoped to the product it sits in, so the
// same subcomponent may carry different statuses in different products; a
// SARIF result is one finding however many others share its rule and file.
namespace {

constexpr const char* kScopes[] = {"product", "path"};

std::string_view Scope(const Edge& edge, const char* scope) {
  const auto it = edge.attributes.find(scope);
  return it == edge.attributes.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

size_t GraphBuilder::ByIdentity::Hash(const Edge& edge) {
  size_t hash = static_cast<size_t>(edge.kind);
  const auto mix = [&hash](std::string_view text) {
    hash ^= std::hash<std::string_view>()(text) + 0x9e3779b97f4a7c15 + (hash << 6) + (hash >> 2);
  };
  mix(edge.from);
  mix(edge.to);
  for (const char* scope : kScopes) mix(Scope(edge, scope));
  return hash;
}

bool GraphBuilder::ByIdentity::SameIdentity(const Edge& a, const Edge& b) {
  if (a.kind != b.kind || a.from != b.from || a.to != b.to) return false;
  for (const char* scope : kScopes) {
    if (Scope(a, scope) != Scope(b, scope)) return false;
  }
  return true;
}

const Edge* GraphBuilder::FindEdge(const Edge& edge) const {
  const auto it = edge_positions_.find(&edge);
  return it == edge_positions_.end() ? nullptr : &document_.edges[*it];
}

Status GraphBuilder::AddEdge(Edge edge) {
  if (parts_.nodes ? edge_positions_.contains(&edge) : !edge_identities_.Insert(Digest128(
      {EdgeKindName(edge.kind), edge.from, edge.to, Scope(edge, kScopes[0]), Scope(edge, kScopes[1])}))) {
    return Status::Ok();
  }
  if (edges_made_ >= kMaxEdges) {
    return Invalid(std::string(DocumentFormatName(document_.format)) + ": more than " +
                   std::to_string(kMaxEdges) + " graph edges");
  }
  ++edges_made_;
  document_.edges.push_back(std::move(edge));
  if (parts_.nodes) {
    edge_positions_.insert(document_.edges.size() - 1);
  } else if (parts_.edge_sink != nullptr && document_.edges.size() >= parts_.edges_per_batch) {
    return parts_.edge_sink->Take(document_.edges);
  }
  return Status::Ok();
}

Status GraphBuilder::AddLicense(const std::string& from, std::string_view text, LicenseText kind,
                                std::string_view source) {
  const std::string_view trimmed = TrimBlanks(text);
  // "NOASSERTION": the document does not say (SPDX 2.3 §7.13, §7.15, §8.5).
  if (trimmed.empty() || trimmed == "NOASSERTION") return Status::Ok();
  std::optional<std::string> expression;
  if (kind == LicenseText::kExpression) expression = CanonicalLicenseExpression(trimmed);
  const std::string id = "license:" + (expression ? *expression : std::string(trimmed));
  SCITT_RETURN_IF_ERROR(AddNode(NodeKind::kLicense, id));
  Attributes attributes;
  attributes.emplace(expression ? "expression" : "name", expression ? *expression : std::string(trimmed));
  if (!source.empty()) attributes.emplace("source", source);
  return AddEdge(Edge{EdgeKind::kLicensedUnder, from, id, std::move(attributes)});
}

Status GraphBuilder::SetEdge(Edge edge) {
  if (const auto it = edge_positions_.find(&edge); it != edge_positions_.end()) {
    document_.edges[*it] = std::move(edge);
    return Status::Ok();
  }
  return AddEdge(std::move(edge));
}

}  // namespace internal
}  // namespace scitt::evidence

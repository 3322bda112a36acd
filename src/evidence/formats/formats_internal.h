// private to evidence/formats: bounded JSON access and the graph builder the
// format parsers share, and the parsers' entry points behind Parse().
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/json.h"
#include "base/result.h"
#include "evidence/formats/graph.h"

namespace scitt::evidence::internal {

using Json = nlohmann::json;

// Parses JSON within kMaxDocumentBytes and kMaxJsonDepth, refusing a key
// repeated in one object (two readers could take different values). `what`
// names the document in messages.
Result<Json> ParseJson(ByteView bytes, std::string_view what);
// The same checks and errors, returning the outline (base/json.h) for a
// parser that reads the top-level arrays with ForEachTopLevelElement.
Result<JsonOutline> OutlineJson(ByteView bytes, std::string_view what);

// Field access for objects the parsers walk. `where` names the object in
// messages ("CycloneDX: components[3]"). Absent and null fields read as
// absent; a field of another type is a kInvalidArgument error.
Result<const Json*> OptionalArray(const Json& object, std::string_view key, const std::string& where);
Result<const Json*> OptionalObject(const Json& object, std::string_view key,
                                   const std::string& where);
Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key,
                                                  const std::string& where);
Result<std::string> RequiredString(const Json& object, std::string_view key,
                                   const std::string& where);
// `value` itself must be an object / a string.
Status ExpectObject(const Json& value, const std::string& where);
Result<std::string> ExpectString(const Json& value, const std::string& where);

Error Invalid(std::string message);

// Reads the members of a document's top-level object in a fixed order
// whatever their order in the document, so that the graph and the first
// error are those of a reader going through a whole DOM in that order. The
// arrays are read an element at a time as ForEachTopLevelElement hands them
// over; one that comes before its turn waits, whole, until its turn comes.
// Other members are read from the outline.
class OrderedMemberReader : private TopLevelElementVisitor {
 public:
  struct Member {
    // A member that must be an array when present (else "<what>.<key> must
    // be an array"): `element` reads its element `index`.
    Member(std::string_view key, std::function<Status(size_t index, const Json& element)> element)
        : key(key), element(std::move(element)) {}
    // Any other member: `outline` reads it from the outline's top-level
    // object.
    Member(std::string_view key, std::nullptr_t, std::function<Status(const Json& outline)> outline)
        : key(key), outline(std::move(outline)) {}

    std::string_view key;
    std::function<Status(size_t index, const Json& element)> element;
    std::function<Status(const Json& outline)> outline;
  };

  // `what` names the document in messages ("CycloneDX").
  OrderedMemberReader(std::string what, std::vector<Member> members);
  // Reads `document`, whose outline (OutlineJson) is `outline`.
  Status Read(ByteView document, const JsonOutline& outline);

 private:
  bool Wants(const std::string& key) override;
  bool Element(const std::string& key, size_t index, Json element) override;
  bool End(const std::string& key) override;
  size_t Index(std::string_view key) const;
  // Reads the members whose turn it is, up to the first whose array is
  // still to come in the document.
  Status Advance();

  const std::string what_;
  const std::vector<Member> members_;
  const JsonOutline* outline_ = nullptr;  // while Read runs
  size_t next_ = 0;                       // the member being read
  std::vector<bool> arrived_;             // its array was walked, or it has none
  std::vector<std::vector<Json>> waiting_;  // elements read before their turn
  Status status_;                         // why a visitor call stopped the walk
};

// A set of fixed-size keys in one array (open addressing, linear probing):
// 8·N bytes a key at most 3/4 full, where std::unordered_set takes about 56
// (a node, its cached hash, a bucket) for the million ids of a large SBOM.
// The all-zero key marks an empty slot and is never a member.
template <size_t N>
class FlatKeySet {
 public:
  using Key = std::array<uint64_t, N>;
  // Adds `key` (its first word well mixed; not all zero): false when it
  // was there already.
  bool Insert(const Key& key) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = key[0] & mask;; i = (i + 1) & mask) {
      if (slots_[i] == key) return false;
      if (slots_[i] == Key{}) {
        slots_[i] = key;
        ++size_;
        return true;
      }
    }
  }
  size_t size() const { return size_; }

 private:
  void Grow() {
    std::vector<Key> old = std::exchange(slots_, std::vector<Key>(std::max<size_t>(64, slots_.size() * 2)));
    size_ = 0;
    for (const Key& key : old) {
      if (key != Key{}) Insert(key);
    }
  }
  std::vector<Key> slots_;
  size_t size_ = 0;
};

// A collision-resistant 128-bit digest of `fields` (SHA-256, each field with
// its length before it, cut to 128 bits): what the flat tables below keep
// instead of the text, where a crafted collision must not merge two keys.
std::array<uint64_t, 2> Digest128(std::initializer_list<std::string_view> fields);

// Strings by string, compactly: each key as its Digest128 in a FlatKeySet-
// like array, the values back to back in chunks of 1 MiB (no buffer doubled
// and copied as it grows), each after its length: about 70 bytes for a
// bom-ref and its purl, where an unordered_map of strings takes about 150.
class CompactStringMap {
 public:
  // Adds `key` → `value` unless `key` is there (then the first stays).
  void Emplace(std::string_view key, std::string_view value);
  std::optional<std::string> Find(std::string_view key) const;

 private:
  struct Slot {
    std::array<uint64_t, 2> key{};  // all zero: empty
    uint64_t value = 0;             // chunk << 32 | offset: its length, then it
  };
  // The slot of `key`: the one holding it, or the empty one it would take.
  size_t SlotOf(const std::array<uint64_t, 2>& key) const;
  void Grow();

  static constexpr size_t kChunk = size_t{1} << 20;
  std::vector<Slot> slots_;
  size_t size_ = 0;
  std::vector<std::string> chunks_;  // a value longer than kChunk has one of its own
};

// Collects one document's nodes and edges: merges nodes with equal ids
// (attributes already set keep their first value), drops repeated edges and
// enforces kMaxNodes / kMaxEdges. Without nodes (GraphParts), it keeps a
// 64-bit hash of each node id and a 128-bit digest of each edge's identity
// instead, and hands edges to the parts' sink in batches.
class GraphBuilder {
 public:
  GraphBuilder(DocumentFormat format, std::string spec_version,
               GraphParts parts = GraphParts::kNodesAndEdges);
  // The indexes below point into the document: not copied or moved.
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  Status AddNode(NodeKind kind, const std::string& id, Attributes attributes = {});
  // Adds `edge` unless one with the same identity exists (then keeps that).
  Status AddEdge(Edge edge);
  // Adds `edge`, replacing one with the same identity (a later VEX
  // statement overriding an earlier one).
  Status SetEdge(Edge edge);
  // `from` (a package or file node) LICENSED_UNDER the licence `text`
  // says: an SPDX expression (kExpression; text that does not parse as one
  // is kept as a name) or a name (kName). Nothing for empty text or
  // NOASSERTION. `source`: "concluded", "declared" or empty.
  enum class LicenseText { kExpression, kName };
  Status AddLicense(const std::string& from, std::string_view text, LicenseText kind,
                    std::string_view source);
  // The edge with `edge`'s identity, if any. FindEdge and SetEdge need the
  // nodes-and-edges parts (the edges are all kept).
  const Edge* FindEdge(const Edge& edge) const;
  void Declare(const std::string& what, uint64_t count = 1) { document_.declared[what] += count; }
  EvidenceDocument& document() { return document_; }
  EvidenceDocument Finish() && { return std::move(document_); }

 private:
  // Hash and equality of positions in document_.nodes by the node's id,
  // and of an id itself (to look one up).
  struct ById {
    using is_transparent = void;
    std::string_view Id(size_t position) const { return (*nodes)[position].id; }
    std::string_view Id(std::string_view id) const { return id; }
    size_t operator()(auto key) const { return std::hash<std::string_view>()(Id(key)); }
    bool operator()(auto a, auto b) const { return Id(a) == Id(b); }
    const std::vector<Node>* nodes;
  };
  // The same for positions in document_.edges by the edge's identity: kind,
  // from, to and the "product" and "path" attributes (see AddEdge), and of
  // an edge itself.
  struct ByIdentity {
    using is_transparent = void;
    const Edge& At(size_t position) const { return (*edges)[position]; }
    const Edge& At(const Edge* edge) const { return *edge; }
    size_t operator()(auto key) const { return Hash(At(key)); }
    bool operator()(auto a, auto b) const { return SameIdentity(At(a), At(b)); }
    static size_t Hash(const Edge& edge);
    static bool SameIdentity(const Edge& a, const Edge& b);
    const std::deque<Edge>* edges;
  };

  Status TooManyNodes() const;

  EvidenceDocument document_;
  const GraphParts parts_;
  // Without nodes: a hash of each node id, which is all the kMaxNodes bound
  // needs (two ids would have to collide for a node to go uncounted), and
  // a collision-resistant digest of each edge's identity (a crafted
  // collision must not hide an edge), with how many edges were made.
  FlatKeySet<1> node_hashes_;
  FlatKeySet<2> edge_identities_;
  size_t edges_made_ = 0;
  // Positions, not copies of the ids and identities: a large SBOM's
  // hundreds of thousands of ids would otherwise be held twice.
  std::unordered_set<size_t, ById, ById> node_positions_;
  std::unordered_set<size_t, ByIdentity, ByIdentity> edge_positions_;
};

// The id of an artifact named by an in-toto / SLSA digest set: "sha256:<hex>"
// when there is a sha256, else sha512, else the first algorithm in key order.
// nullopt for an empty set or non-string values.
std::optional<std::string> ArtifactIdFromDigests(const Json& digests);

// How an ISO/IEC 19770-2 link (a SWID Link element, a CoSWID link map)
// becomes an edge, one rule for both encodings: "component" the software
// CONTAINS the target; "parent" the target CONTAINS the software;
// "requires" and "patches" DEPENDS_ON the target; "supplemental" the
// document DESCRIBES the target (a supplemental tag is about another one);
// any other relation LINKS_TO it.
struct SwidLinkRule {
  EdgeKind kind = EdgeKind::kLinksTo;
  bool reversed = false;       // the edge goes target → software
  bool from_document = false;  // the edge starts at kThisDocument
};
SwidLinkRule SwidLink(std::string_view rel);

// CycloneDX JSON, given the document and its outline (OutlineJson): the
// top-level arrays are read an element at a time (OrderedMemberReader), so
// that memory follows the graph, not the document.
// `parts`: see Parse (parse.h). The formats whose documents run to many
// megabytes (CycloneDX, SPDX 2) take it; Parse drops the others' nodes
// after the fact.
Result<EvidenceDocument> ParseCycloneDx(ByteView bom, const JsonOutline& outline, GraphParts parts);
// SPDX 2 JSON, the same way.
Result<EvidenceDocument> ParseSpdx(ByteView document, const JsonOutline& outline, GraphParts parts);
// The other format parsers, each given the parsed document.
Result<EvidenceDocument> ParseOpenVex(const Json& document);
// `container` is recorded in the result ("bare-statement", "dsse", …).
Result<EvidenceDocument> ParseInTotoStatement(const Json& statement, std::string container);
Result<EvidenceDocument> ParseDsseEnvelope(const Json& envelope, std::string container);
Result<EvidenceDocument> ParseSigstoreBundle(const Json& bundle);
Result<EvidenceDocument> ParseSarif(const Json& log);
// Parsers of documents that are not JSON, or whose JSON shape needs more
// than one field to recognise, each given the raw bytes (each in its own
// file: cyclonedx_xml.cc, swid.cc, spdx_tag_value.cc, spdx3.cc, coswid.cc,
// ear.cc).
Result<EvidenceDocument> ParseCycloneDxXml(ByteView document, GraphParts parts);
Result<EvidenceDocument> ParseSwidXml(ByteView document);
Result<EvidenceDocument> ParseSpdxTagValue(ByteView document, GraphParts parts);
Result<EvidenceDocument> ParseSpdx3(const Json& document);
Result<EvidenceDocument> ParseCoSwid(ByteView document);
Result<EvidenceDocument> ParseEarJson(const Json& claims);
Result<EvidenceDocument> ParseEarJwt(ByteView document);
Result<EvidenceDocument> ParseEarCbor(ByteView document);

}  // namespace scitt::evidence::internal

#include "evidence/dependency_graph.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "evidence/edge_pages.h"

namespace scitt::evidence {
namespace {

// The edges a dependent reaches its dependency through (graph.h); a Link's
// kind is an index into this.
constexpr std::array<std::string_view, 5> kStructuralKinds = {"DEPENDS_ON", "CONTAINS", "DESCRIBES",
                                                              "BUILT_FROM", "IDENTIFIES"};

std::optional<uint8_t> StructuralKind(std::string_view kind) {
  for (size_t i = 0; i < kStructuralKinds.size(); ++i) {
    if (kStructuralKinds[i] == kind) return static_cast<uint8_t>(i);
  }
  return std::nullopt;
}

constexpr size_t kScanPage = 10'000;
constexpr size_t kBlockBytes = 1 << 20;
// Past this many outgoing links a node gets a hash set of them (wide_).
constexpr size_t kWideLinks = 32;

uint64_t WideKey(uint32_t to, uint8_t kind) { return static_cast<uint64_t>(to) << 8 | kind; }

// An artifact's node is its digest (IndexedEdge).
bool IsArtifact(std::string_view node) { return node.starts_with("sha256:") || node.starts_with("sha512:"); }

}  // namespace

uint32_t DependencyGraph::Intern(std::string_view text) {
  if (auto it = ids_.find(text); it != ids_.end()) return it->second;
  if (block_used_ + text.size() > block_size_) {
    block_size_ = std::max(kBlockBytes, text.size());
    blocks_.push_back(std::make_unique<char[]>(block_size_));
    block_used_ = 0;
  }
  char* copy = blocks_.back().get() + block_used_;
  if (!text.empty()) std::memcpy(copy, text.data(), text.size());
  block_used_ += text.size();
  const auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(copy, text.size());
  ids_.emplace(names_.back(), id);
  incoming_.emplace_back();
  outgoing_.emplace_back();
  return id;
}

std::optional<uint32_t> DependencyGraph::Find(std::string_view text) const {
  const auto it = ids_.find(text);
  return it == ids_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
}

bool DependencyGraph::HasLink(uint32_t from, uint32_t to, uint8_t kind) const {
  if (const auto wide = wide_.find(from); wide != wide_.end()) return wide->second.contains(WideKey(to, kind));
  return std::any_of(outgoing_[from].begin(), outgoing_[from].end(), [&](const Adjacent& next) {
    return next.node == to && links_[next.link].kind == kind;
  });
}

void DependencyGraph::AddEdge(const FoundEdge& found) {
  const std::optional<uint8_t> kind = StructuralKind(found.edge.kind);
  if (!kind) {
    // A fact (a finding, a VEX, …): kept in the store, but its node is
    // marked, so that a walk asks the store only about nodes that have some.
    const uint32_t from = Intern(found.edge.from);
    if (has_facts_.size() <= from) has_facts_.resize(names_.size());
    has_facts_[from] = true;
    return;
  }
  ++edges_read_;
  const uint32_t from = Intern(found.edge.from);
  const uint32_t to = Intern(found.edge.to);
  if (HasLink(from, to, *kind)) return;  // an earlier entry asserted it: its link stands
  const auto index = static_cast<uint32_t>(links_.size());
  links_.push_back(Link{.from = from,
                        .to = to,
                        .issuer = found.issuer ? Intern(*found.issuer) : kNone,
                        .attributes = Intern(found.edge.attributes),
                        .entry = found.entry,
                        .kind = *kind});
  last_entry_ = found.entry;
  std::vector<Adjacent>& out = outgoing_[from];
  out.push_back({to, index});
  incoming_[to].push_back({from, index});
  if (auto wide = wide_.find(from); wide != wide_.end()) {
    wide->second.insert(WideKey(to, *kind));
  } else if (out.size() > kWideLinks) {
    std::unordered_set<uint64_t>& keys = wide_[from];
    for (const Adjacent& next : out) keys.insert(WideKey(next.node, static_cast<uint8_t>(links_[next.link].kind)));
  }
}

Status DependencyGraph::CatchUp() {
  std::lock_guard catching(catch_up_mu_);
  EdgeScan scan{.after = 0, .limit = kScanPage};
  {
    std::shared_lock lock(mu_);
    scan.after = last_position_;
  }
  while (true) {
    SCITT_ASSIGN_OR_RETURN(EdgePage page, store_.ScanEdges(scan));
    std::unique_lock lock(mu_);
    for (const FoundEdge& found : page.edges) AddEdge(found);
    if (page.next) last_position_ = scan.after = *page.next;
    // A short page: every edge of an entry below its indexed size is read
    // (positions grow with entries, EvidenceStore::ScanEdges).
    if (page.edges.size() < scan.limit) {
      complete_below_ = std::max(complete_below_, page.indexed_size);
      return Status::Ok();
    }
  }
}

EdgeView DependencyGraph::Describe(const Link& link) const {
  EdgeView out;
  out.entry = link.entry;
  if (link.issuer != kNone) out.issuer = names_[link.issuer];
  out.kind = kStructuralKinds[link.kind];
  out.from = names_[link.from];
  out.to = names_[link.to];
  out.attributes = names_[link.attributes];
  return out;
}

Result<Walk> DependencyGraph::WalkFrom(const WalkQuery& query) {
  Walk out;
  SCITT_ASSIGN_OR_RETURN(out.tree_size, PinnedSize(store_, query.as_of));
  bool behind;
  {
    std::shared_lock lock(mu_);
    behind = complete_below_ < out.tree_size;
  }
  if (behind) SCITT_RETURN_IF_ERROR(CatchUp());
  const bool dependents = query.direction == WalkDirection::kDependents;
  std::vector<std::string> with_facts;  // the page's nodes that have facts (their order)
  {
    std::shared_lock lock(mu_);
    std::vector<bool> seen(names_.size());
    struct Step {
      uint32_t node;
      int depth;
      uint32_t via;  // the link that reached it
    };
    std::vector<Step> steps;  // the starts in the graph, then what they reach, breadth first
    for (const std::string& start : query.starts) {
      if (auto id = Find(start); id && !seen[*id]) {
        seen[*id] = true;
        steps.push_back({*id, 0, kNone});
      }
    }
    const size_t starts = steps.size();
    // Every link read is below the tree size unless it is pinned lower.
    const bool pinned = !links_.empty() && last_entry_ >= out.tree_size;
    for (size_t head = 0; head < steps.size() && !out.truncated; ++head) {
      const Step step = steps[head];  // a copy: push_back below may move steps
      if (step.depth >= query.max_depth) continue;
      for (const Adjacent& next : dependents ? incoming_[step.node] : outgoing_[step.node]) {
        // Links are added in entry order: the rest are later still.
        if (pinned && links_[next.link].entry >= out.tree_size) break;
        if (seen[next.node]) continue;
        if (steps.size() - starts == query.max_nodes) {
          out.truncated = true;
          break;
        }
        seen[next.node] = true;
        steps.push_back({next.node, step.depth + 1, next.link});
      }
    }
    out.reached = steps.size() - starts;
    for (size_t i = starts; i < steps.size(); ++i) {
      if (IsArtifact(names_[steps[i].node])) out.artifacts.push_back(names_[steps[i].node]);
    }
    const size_t first = starts + std::min(query.skip, out.reached);
    const size_t end = first + std::min(query.limit, steps.size() - first);
    out.nodes.reserve(end - first);
    for (size_t i = first; i < end; ++i) {
      out.nodes.push_back(Reached{names_[steps[i].node], steps[i].depth, Describe(links_[steps[i].via])});
      if (!dependents && steps[i].node < has_facts_.size() && has_facts_[steps[i].node]) {
        with_facts.emplace_back(names_[steps[i].node]);
      }
    }
  }
  if (dependents) return out;
  // The facts about every node visited, from the store (they are not kept
  // here: a VEX or a finding is wanted per issuer, not merged).
  auto gather = [&](const std::string& node) {
    return ForEachEdge(store_, node, /*incoming=*/false, out.tree_size, [&](FoundEdge& found) {
      if (!StructuralKind(found.edge.kind)) out.facts.push_back(std::move(found));
      return true;
    });
  };
  if (query.skip == 0) {
    for (const std::string& start : query.starts) SCITT_RETURN_IF_ERROR(gather(start));
  }
  for (const std::string& node : with_facts) SCITT_RETURN_IF_ERROR(gather(node));
  return out;
}

DependencyGraph::Size DependencyGraph::Measure() const {
  std::shared_lock lock(mu_);
  Size out{.complete_below = complete_below_, .names = names_.size(), .links = links_.size(),
           .edges_read = edges_read_};
  out.bytes = blocks_.size() * kBlockBytes + names_.capacity() * sizeof(std::string_view) +
              ids_.size() * (sizeof(std::string_view) + sizeof(uint32_t) + 2 * sizeof(void*)) +
              ids_.bucket_count() * sizeof(void*) + links_.capacity() * sizeof(Link) +
              (incoming_.capacity() + outgoing_.capacity()) * sizeof(std::vector<Adjacent>);
  for (const auto& list : incoming_) out.bytes += list.capacity() * sizeof(Adjacent);
  for (const auto& list : outgoing_) out.bytes += list.capacity() * sizeof(Adjacent);
  for (const auto& [node, keys] : wide_) out.bytes += keys.size() * 3 * sizeof(uint64_t);
  return out;
}

}  // namespace scitt::evidence

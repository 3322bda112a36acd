#include "evidence/graph_queries.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "evidence/edge_pages.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence {
namespace {

constexpr size_t kNodesPerPage = 1000;

// One string attribute of an edge ("" when absent).
std::string StringAttribute(const std::string& attributes, const char* key) {
  const auto object = nlohmann::json::parse(attributes, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool IsOp(std::string_view op, std::initializer_list<std::string_view> ops) {
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

}  // namespace

int CompareVersions(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool digit_a = std::isdigit(static_cast<unsigned char>(a[i]));
    const bool digit_b = std::isdigit(static_cast<unsigned char>(b[j]));
    if (digit_a && digit_b) {
      size_t end_a = i, end_b = j;
      while (end_a < a.size() && std::isdigit(static_cast<unsigned char>(a[end_a]))) ++end_a;
      while (end_b < b.size() && std::isdigit(static_cast<unsigned char>(b[end_b]))) ++end_b;
      std::string_view x = a.substr(i, end_a - i), y = b.substr(j, end_b - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (const int c = x.compare(y); c != 0) return c < 0 ? -1 : 1;
      i = end_a;
      j = end_b;
      continue;
    }
    if (a[i] != b[j]) {
      // A separator sorts before text ("1.0.1" vs "1.0a"), text by bytes.
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
    }
    ++i;
    ++j;
  }
  // One is a prefix of the other: "1.0.0-rc1" is a pre-release of "1.0.0"
  // (SemVer §11), "1.0.0.1" and "1.0.0+build" come after it.
  auto rest_sorts_first = [](std::string_view rest) { return rest.front() == '-' || rest.front() == '~'; };
  if (i < a.size()) return rest_sorts_first(a.substr(i)) ? -1 : 1;
  if (j < b.size()) return rest_sorts_first(b.substr(j)) ? 1 : -1;
  return 0;
}

Result<VersionRange> VersionRange::Parse(std::string_view text) {
  // "vers:<scheme>/<constraints>": the scheme names how its ecosystem
  // compares versions; one generic comparison serves them here.
  if (text.starts_with("vers:")) {
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "version range: vers: without a /");
    }
    text = text.substr(slash + 1);
  }
  VersionRange range;
  while (!text.empty()) {
    const size_t bar = text.find('|');
    std::string_view item = text.substr(0, bar);
    text = bar == std::string_view::npos ? std::string_view() : text.substr(bar + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "*") {
      range.any_ = true;
      continue;
    }
    size_t op_length = 0;
    while (op_length < item.size() && op_length < 2 && std::string_view("<>=!").find(item[op_length]) != std::string_view::npos) {
      ++op_length;
    }
    std::string op(item.substr(0, op_length));
    if (op.empty()) op = "=";
    if (!IsOp(op, {"=", "!=", "<", "<=", ">", ">="})) {
      return MakeError(ErrorCode::kInvalidArgument, "version range: unknown comparator \"" + op + "\"");
    }
    const std::string_view version = item.substr(op_length);
    if (version.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "version range: a comparator without a version");
    }
    // Other ecosystems' operators ("~>", "^") are not vers comparators.
    if (std::string_view("<>=!~^ ").find(version.front()) != std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "version range: unknown comparator in \"" +
                                                        std::string(item.substr(0, 20)) + "\"");
    }
    range.constraints_.push_back({std::move(op), std::string(version)});
  }
  if (!range.any_ && range.constraints_.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "version range: no constraint");
  }
  std::stable_sort(range.constraints_.begin(), range.constraints_.end(),
                   [](const Constraint& x, const Constraint& y) { return CompareVersions(x.version, y.version) < 0; });
  return range;
}

bool VersionRange::Contains(std::string_view version) const {
  std::vector<const Constraint*> bounds;
  for (const Constraint& c : constraints_) {
    const bool equal = CompareVersions(version, c.version) == 0;
    if (c.op == "!=") {
      if (equal) return false;
      continue;
    }
    if (equal && c.op.find('=') != std::string::npos) return true;
    if (c.op != "=") bounds.push_back(&c);
  }
  if (any_) return true;
  if (bounds.empty()) {
    // Only "=" and "!=": a list of "!=" alone is every other version.
    return std::all_of(constraints_.begin(), constraints_.end(), [](const Constraint& c) { return c.op == "!="; });
  }
  auto below = [&](const Constraint* c) { return CompareVersions(version, c->version) < 0; };
  if (IsOp(bounds.front()->op, {"<", "<="}) && below(bounds.front())) return true;
  if (IsOp(bounds.back()->op, {">", ">="}) && CompareVersions(version, bounds.back()->version) > 0) return true;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    if (IsOp(bounds[i]->op, {">", ">="}) && IsOp(bounds[i + 1]->op, {"<", "<="}) && !below(bounds[i]) &&
        below(bounds[i + 1])) {
      return true;
    }
  }
  return false;
}

Result<PackageVersions> FindPackageVersions(const EvidenceStore& store, std::string_view purl,
                                            const std::optional<VersionRange>& range,
                                            std::optional<uint64_t> as_of, size_t limit) {
  PackageVersions out;
  SCITT_ASSIGN_OR_RETURN(out.tree_size, PinnedSize(store, as_of));
  // Qualifiers and subpath do not take part in the match.
  const std::string base = NormalizePurl(SplitPurlVersion(purl).base);
  NodeQuery query{.prefix = base + "@", .after = std::nullopt, .limit = kNodesPerPage, .as_of = out.tree_size};
  while (true) {
    SCITT_ASSIGN_OR_RETURN(NodePage page, store.FindNodes(query));
    for (std::string& node : page.nodes) {
      if (range && !range->Contains(SplitPurlVersion(node).version)) continue;
      if (out.nodes.size() == limit) {
        out.truncated = true;
        return out;
      }
      out.nodes.push_back(std::move(node));
    }
    if (page.nodes.size() < query.limit) return out;
    query.after = page.nodes.empty() ? std::nullopt : std::optional<std::string>(page.nodes.back());
  }
}

Result<Path> FindPath(const EvidenceStore& store, const PathQuery& query) {
  Path out;
  SCITT_ASSIGN_OR_RETURN(out.tree_size, PinnedSize(store, query.as_of));
  if (query.from == query.to) return out;
  std::unordered_map<std::string, FoundEdge> reached_by;  // node -> the edge that first reached it
  std::deque<std::pair<std::string, int>> frontier{{query.from, 0}};
  bool found = false;
  while (!frontier.empty() && !found && !out.truncated) {
    // Named copies, not structured bindings: the lambda below captures them
    // (which clang 14, the sanitizer build's compiler, does not allow).
    const std::string node = std::move(frontier.front().first);
    const int depth = frontier.front().second;
    frontier.pop_front();
    if (depth >= query.max_depth) continue;
    SCITT_RETURN_IF_ERROR(ForEachEdge(store, node, /*incoming=*/false, out.tree_size, [&](FoundEdge& edge) {
      const std::string next = edge.edge.to;
      if (next == query.from || reached_by.contains(next)) return true;
      if (reached_by.size() == query.max_nodes) {
        out.truncated = true;
        return false;
      }
      reached_by.emplace(next, std::move(edge));
      if (next == query.to) {
        found = true;
        return false;
      }
      frontier.emplace_back(next, depth + 1);
      return true;
    }));
  }
  if (!found) return out;
  for (std::string node = query.to; node != query.from;) {
    FoundEdge& edge = reached_by.at(node);
    node = edge.edge.from;
    out.edges.push_back(std::move(edge));
  }
  std::reverse(out.edges.begin(), out.edges.end());
  return out;
}

std::vector<Vulnerability> ApplyVex(const std::vector<FoundEdge>& facts,
                                    const std::vector<std::string>& trusted_vex_issuers) {
  std::map<std::string, Vulnerability> by_id;
  for (const FoundEdge& fact : facts) {
    if (fact.edge.kind == "VULNERABLE_TO") {
      Vulnerability& vulnerability = by_id[fact.edge.to];
      vulnerability.id = fact.edge.to;
      vulnerability.findings.push_back(fact);
    } else if (fact.edge.kind == "VEX_STATUS") {
      Vulnerability& vulnerability = by_id[fact.edge.to];
      vulnerability.id = fact.edge.to;
      vulnerability.vex.push_back(
          {fact.edge.from, fact.entry, fact.issuer, StringAttribute(fact.edge.attributes, "status"),
           fact.edge.attributes});
    }
  }
  std::vector<Vulnerability> out;
  for (auto& [id, vulnerability] : by_id) {
    std::sort(vulnerability.vex.begin(), vulnerability.vex.end(),
              [](const VexAssessment& x, const VexAssessment& y) { return x.entry < y.entry; });
    for (const VexAssessment& vex : vulnerability.vex) {
      vulnerability.status_by_issuer[vex.issuer.value_or("")] = vex.status;  // later entries override
    }
    for (const auto& [issuer, status] : vulnerability.status_by_issuer) {
      const bool trusted = trusted_vex_issuers.empty() ||
                           std::find(trusted_vex_issuers.begin(), trusted_vex_issuers.end(), issuer) !=
                               trusted_vex_issuers.end();
      if (trusted && (status == "not_affected" || status == "fixed")) vulnerability.open = false;
    }
    out.push_back(std::move(vulnerability));
  }
  return out;
}

}  // namespace scitt::evidence

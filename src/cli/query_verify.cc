#include "cli/query_verify.h"

#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include "cli/commands.h"
#include "cose/receipt.h"
#include "cose/service_keys.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "evidence/statement_indexer.h"

namespace scitt::cli {
namespace {

using EdgeKey = std::tuple<std::string, std::string, std::string>;  // kind, from, to

// The edges an answer attributes to each entry it names.
void CollectEntries(const nlohmann::json& value, std::map<uint64_t, std::set<EdgeKey>>& out) {
  if (value.is_array()) {
    for (const auto& item : value) CollectEntries(item, out);
    return;
  }
  if (!value.is_object()) return;
  if (auto entry = value.find("entry"); entry != value.end() && entry->is_number_unsigned()) {
    auto& edges = out[entry->get<uint64_t>()];
    const auto kind = value.find("kind"), from = value.find("from"), to = value.find("to");
    if (kind != value.end() && from != value.end() && to != value.end() && kind->is_string() &&
        from->is_string() && to->is_string()) {
      edges.emplace(kind->get<std::string>(), from->get<std::string>(), to->get<std::string>());
    }
  }
  for (const auto& [key, item] : value.items()) CollectEntries(item, out);
}

Result<Bytes> FetchBytes(const ClientFlags& client, const std::string& path, const char* accept) {
  SCITT_ASSIGN_OR_RETURN(http::Response res, GetFollowing(client, path, {{"Accept", accept}}));
  if (res.status != 200) return MakeError(ErrorCode::kUnavailable, "GET " + path + ": " + DescribeFailure(res));
  return Bytes(res.body.begin(), res.body.end());
}

// Why entry `index` does not back what the answer says of it; "" when it does.
Result<std::string> CheckEntry(const ClientFlags& client, const std::vector<cose::ServiceKey>& keys, uint64_t index,
                               const std::set<EdgeKey>& claimed) {
  const std::string path = "/entries/" + std::to_string(index);
  SCITT_ASSIGN_OR_RETURN(Bytes statement_bytes, FetchBytes(client, path + "/statement", "application/cose"));
  SCITT_ASSIGN_OR_RETURN(Bytes receipt_bytes, FetchBytes(client, path, "application/cose"));
  auto statement = cose::Sign1::Parse(statement_bytes);
  if (!statement.ok()) return "its statement is not a COSE_Sign1: " + statement.error().message;
  auto receipt = cose::Receipt::Parse(receipt_bytes);
  if (!receipt.ok()) return "its receipt does not parse: " + receipt.error().message;
  const auto& kid = receipt->sign1.protected_headers().kid;
  const cose::ServiceKey* key = kid ? cose::FindServiceKey(keys, *kid) : (keys.size() == 1 ? &keys[0] : nullptr);
  if (key == nullptr) return std::string("its receipt names no key the service publishes");
  auto verified = cose::VerifyInclusionReceipt(*receipt, cose::LogEntry(*statement), key->key);
  if (!verified.ok()) return "its receipt does not verify: " + verified.error().message;
  // The signature covers only the root: the index is checked against the
  // inclusion path, which leads to that root from this position only.
  if (verified->leaf_index != index) {
    return "its receipt proves the statement at index " + std::to_string(verified->leaf_index);
  }
  if (claimed.empty()) return std::string();
  log::LogEntry entry;
  entry.index = index;
  entry.statement = std::move(statement_bytes);
  const auto described = evidence::DescribeStatement(std::move(entry));
  std::set<EdgeKey> derived;
  if (described) {
    for (const evidence::IndexedEdge& edge : described->edges) derived.emplace(edge.kind, edge.from, edge.to);
  }
  for (const EdgeKey& edge : claimed) {
    if (!derived.contains(edge)) {
      return "its statement does not assert " + std::get<1>(edge) + " " + std::get<0>(edge) + " " + std::get<2>(edge);
    }
  }
  return std::string();
}

}  // namespace

int VerifyAnswer(const ClientFlags& client, const nlohmann::json& answer) {
  std::map<uint64_t, std::set<EdgeKey>> entries;
  CollectEntries(answer, entries);
  auto key_set = FetchServiceKeys(client);
  if (!key_set.ok()) return ReportError(key_set.error());
  auto keys = cose::ParseServiceKeys(*key_set);
  if (!keys.ok()) return ReportError("the service's keys: " + keys.error().message);
  size_t failed = 0, edges = 0;
  for (const auto& [index, claimed] : entries) {
    auto problem = CheckEntry(client, *keys, index, claimed);
    if (!problem.ok()) return ReportError(problem.error());
    if (!problem->empty()) {
      std::cerr << "scitt: entry " << index << ": " << *problem << "\n";
      ++failed;
    }
    edges += claimed.size();
  }
  if (failed != 0) {
    std::cout << "verify: " << failed << " of " << entries.size() << " entries do not back the answer\n";
    return kExitCheckFailed;
  }
  std::cout << "verify: " << entries.size() << " entries, each receipt verified against the service's keys; "
            << edges << " edges re-derived from their statements\n";
  return kExitOk;
}

}  // namespace scitt::cli

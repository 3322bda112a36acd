// `scitt query statements | edges | dependents`: what the service's
// evidence index holds (GET /statements, /edges and /dependents,
// docs/api.md "Evidence").
#include <iostream>
#include <map>
#include <variant>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/client.h"
#include "cli/commands.h"
#include "http/message.h"

namespace scitt::cli {
namespace {

struct StatementsOptions {
  ClientFlags client;
  std::string subject;
  std::string issuer;
  std::string type;
  uint64_t limit = 100;
  bool all = false;
  bool json = false;
};

std::string FirstPage(const StatementsOptions& opts) {
  std::string path = "/statements?limit=" + std::to_string(opts.limit);
  if (!opts.subject.empty()) path += "&subject=" + http::PercentEncode(opts.subject);
  if (!opts.issuer.empty()) path += "&issuer=" + http::PercentEncode(opts.issuer);
  if (!opts.type.empty()) path += "&type=" + http::PercentEncode(opts.type);
  return path;
}

// GET `path` and, with `all`, every next page; the pages' `field` lists
// merged under the first page's tree size. An error is already reported:
// its exit code.
std::variant<nlohmann::json, int> FetchPages(const ClientFlags& client, std::string path, const char* field,
                                             bool all) {
  nlohmann::json merged = {{field, nlohmann::json::array()}};
  while (true) {
    auto res = GetFollowing(client, path, {{"Accept", "application/json"}});
    if (!res.ok()) return ReportError(res.error());
    if (res->status != 200) {
      std::cerr << "scitt: " << DescribeFailure(*res) << "\n";
      return kExitCheckFailed;
    }
    auto page = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (page.is_discarded() || !page.is_object() || !page.contains(field) || !page[field].is_array() ||
        !page.contains("tree_size")) {
      return ReportError("the service's answer to GET " + path + " is not a list of " + field);
    }
    if (!merged.contains("tree_size")) merged["tree_size"] = page["tree_size"];
    for (auto& item : page[field]) merged[field].push_back(std::move(item));
    if (!all || !page.contains("next") || !page["next"].is_string()) return merged;
    path = page["next"].get<std::string>();
  }
}

// The entry index of an object from the service ("-" when it has none).
std::string EntryOf(const nlohmann::json& object) {
  auto it = object.find("entry");
  return it != object.end() && it->is_number_unsigned() ? std::to_string(it->get<uint64_t>()) : "-";
}

// A text field of an object from the service, "-" when it has none.
std::string Text(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "-";
}

int QueryStatements(const StatementsOptions& opts) {
  auto fetched = FetchPages(opts.client, FirstPage(opts), "statements", opts.all);
  if (const int* failed = std::get_if<int>(&fetched)) return *failed;
  const nlohmann::json& merged = std::get<nlohmann::json>(fetched);
  if (opts.json) {
    std::cout << merged.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  for (const auto& statement : merged["statements"]) {
    if (!statement.is_object()) continue;
    std::cout << "entry " << EntryOf(statement) << "  " << Text(statement, "registered_at")
              << "  issuer " << Text(statement, "issuer") << "  subject " << Text(statement, "subject") << "  type "
              << Text(statement, "content_type") << "\n";
  }
  std::cout << merged["statements"].size() << " statement(s); the index covers the log up to tree size "
            << merged["tree_size"].dump() << "\n";
  return kExitOk;
}

struct EdgesOptions {
  ClientFlags client;
  std::string node;
  bool incoming = false;
  std::string kind;
  uint64_t limit = 100;
  bool all = false;
  bool json = false;
};

int QueryEdges(const EdgesOptions& opts) {
  std::string path = "/edges?node=" + http::PercentEncode(opts.node) + "&direction=" + (opts.incoming ? "in" : "out") +
                     "&limit=" + std::to_string(opts.limit);
  if (!opts.kind.empty()) path += "&kind=" + http::PercentEncode(opts.kind);
  auto fetched = FetchPages(opts.client, path, "edges", opts.all);
  if (const int* failed = std::get_if<int>(&fetched)) return *failed;
  const nlohmann::json& merged = std::get<nlohmann::json>(fetched);
  if (opts.json) {
    std::cout << merged.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  for (const auto& edge : merged["edges"]) {
    if (!edge.is_object()) continue;
    std::cout << Text(edge, "from") << " " << Text(edge, "kind") << " " << Text(edge, "to") << "  (entry "
              << EntryOf(edge) << ")\n";
  }
  std::cout << merged["edges"].size() << " edge(s); the index covers the log up to tree size "
            << merged["tree_size"].dump() << "\n";
  return kExitOk;
}

struct DependentsOptions {
  ClientFlags client;
  std::string node;
  int depth = 10;
  int64_t tree_size = -1;
  bool json = false;
};

// Each artifact that reaches the node, with the path and the entries that
// justify each step.
int QueryDependents(const DependentsOptions& opts) {
  std::string path = "/dependents?node=" + http::PercentEncode(opts.node) + "&depth=" + std::to_string(opts.depth);
  if (opts.tree_size >= 0) path += "&tree_size=" + std::to_string(opts.tree_size);
  auto res = GetFollowing(opts.client, path, {{"Accept", "application/json"}});
  if (!res.ok()) return ReportError(res.error());
  if (res->status != 200) {
    std::cerr << "scitt: " << DescribeFailure(*res) << "\n";
    return kExitCheckFailed;
  }
  auto answer = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("dependents") ||
      !answer["dependents"].is_array() || !answer.contains("artifacts") || !answer["artifacts"].is_array()) {
    return ReportError("the service's answer to GET " + path + " is not a list of dependents");
  }
  if (opts.json) {
    std::cout << answer.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  std::map<std::string, const nlohmann::json*> via;  // node -> the edge it was reached through
  for (const auto& dependent : answer["dependents"]) {
    if (dependent.is_object() && dependent.contains("via") && dependent["via"].is_object()) {
      via[Text(dependent, "node")] = &dependent["via"];
    }
  }
  for (const auto& artifact : answer["artifacts"]) {
    if (!artifact.is_string()) continue;
    std::string node = artifact.get<std::string>();
    std::cout << node;
    for (size_t steps = 0; steps < via.size() && via.count(node); ++steps) {  // bounded: no cycle runs away
      const nlohmann::json& edge = *via[node];
      std::cout << " -" << Text(edge, "kind") << " (entry " << EntryOf(edge) << ")-> " << Text(edge, "to");
      node = Text(edge, "to");
    }
    std::cout << "\n";
  }
  std::cout << answer["artifacts"].size() << " artifact(s) among " << answer["dependents"].size()
            << " dependent(s) of " << opts.node << " at tree size " << answer.value("tree_size", nlohmann::json()).dump()
            << (answer.contains("truncated") && answer["truncated"] == true ? " (truncated)" : "") << "\n";
  return kExitOk;
}

}  // namespace

void AddQueryCommands(CLI::App& app, Action* action) {
  CLI::App* query = app.add_subcommand("query", "Query the service's evidence index");
  query->require_subcommand(1);
  auto opts = std::make_shared<StatementsOptions>();
  CLI::App* statements = query->add_subcommand(
      "statements", "Registered statements by subject, issuer and payload content type, with receipts");
  AddClientFlags(statements, &opts->client);
  statements->add_option("--subject", opts->subject,
                         "Statements about this subject (CWT sub; an OCI digest also finds name@digest)");
  statements->add_option("--issuer", opts->issuer, "Statements by this issuer (CWT iss)");
  statements->add_option("--type", opts->type, "Statements whose payload (or preimage) has this content type");
  statements->add_option("--limit", opts->limit, "Statements per page (1 to 1000)")->check(CLI::Range(1, 1000));
  statements->add_flag("--all", opts->all, "Follow the pages to the end");
  statements->add_flag("--json", opts->json, "Print the service's JSON (with the receipts, base64)");
  statements->callback([action, opts] { *action = [opts] { return QueryStatements(*opts); }; });

  auto edges_opts = std::make_shared<EdgesOptions>();
  CLI::App* edges = query->add_subcommand(
      "edges", "One hop of the evidence graph: the edges from (or, with --in, to) a node, with their entries");
  AddClientFlags(edges, &edges_opts->client);
  edges->add_option("--node", edges_opts->node, "The node: a purl, a digest, a vulnerability id, …")->required();
  edges->add_flag("--in", edges_opts->incoming, "Edges to the node (its dependents, who contains it, …)");
  edges->add_option("--kind", edges_opts->kind, "Only this kind (DEPENDS_ON, CONTAINS, VULNERABLE_TO, …)");
  edges->add_option("--limit", edges_opts->limit, "Edges per page (1 to 1000)")->check(CLI::Range(1, 1000));
  edges->add_flag("--all", edges_opts->all, "Follow the pages to the end");
  edges->add_flag("--json", edges_opts->json, "Print the service's JSON");
  edges->callback([action, edges_opts] { *action = [edges_opts] { return QueryEdges(*edges_opts); }; });

  auto dependents_opts = std::make_shared<DependentsOptions>();
  CLI::App* dependents = query->add_subcommand(
      "dependents", "Blast radius: every artifact and package that depends on, contains or was built from a node");
  AddClientFlags(dependents, &dependents_opts->client);
  dependents->add_option("--node", dependents_opts->node, "The node: a purl, a digest, …")->required();
  dependents->add_option("--depth", dependents_opts->depth, "Hops at most (1 to 10)")->check(CLI::Range(1, 10));
  dependents->add_option("--tree-size", dependents_opts->tree_size, "The graph as the log held it at this size");
  dependents->add_flag("--json", dependents_opts->json, "Print the service's JSON");
  dependents->callback(
      [action, dependents_opts] { *action = [dependents_opts] { return QueryDependents(*dependents_opts); }; });
}

}  // namespace scitt::cli

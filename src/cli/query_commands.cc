// `scitt query statements | edges | dependents | dependencies | path |
// artifact | graph`: what the service's evidence index holds (GET
// /statements, /edges, /dependents, /dependencies, /path, /evidence;
// docs/api.md "Evidence"), each answer optionally checked entry by entry
// (--verify, query_verify.h).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <variant>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/query_verify.h"
#include "http/message.h"

namespace scitt::cli {
namespace {

struct StatementsOptions {
  ClientFlags client;
  std::string subject;
  std::string issuer;
  std::string type;
  std::string since;
  std::string until;
  uint64_t limit = 100;
  bool all = false;
  bool json = false;
  bool verify = false;
};

std::string FirstPage(const StatementsOptions& opts) {
  std::string path = "/statements?limit=" + std::to_string(opts.limit);
  if (!opts.subject.empty()) path += "&subject=" + http::PercentEncode(opts.subject);
  if (!opts.issuer.empty()) path += "&issuer=" + http::PercentEncode(opts.issuer);
  if (!opts.type.empty()) path += "&type=" + http::PercentEncode(opts.type);
  if (!opts.since.empty()) path += "&since=" + http::PercentEncode(opts.since);
  if (!opts.until.empty()) path += "&until=" + http::PercentEncode(opts.until);
  return path;
}

// GET `path`: a JSON object with a `tree_size` and the array `field`. An
// error is already reported: its exit code.
std::variant<nlohmann::json, int> FetchJson(const ClientFlags& client, const std::string& path, const char* field) {
  auto res = GetFollowing(client, path, {{"Accept", "application/json"}});
  if (!res.ok()) return ReportError(res.error());
  if (res->status != 200) {
    std::cerr << "scitt: " << DescribeFailure(*res) << "\n";
    return kExitCheckFailed;
  }
  auto answer = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains(field) || !answer[field].is_array() ||
      !answer.contains("tree_size")) {
    return ReportError("the service's answer to GET " + path + " is not a list of " + field);
  }
  return answer;
}

// FetchJson, and with `all` every next page: the first page's answer, with
// the `field` and "facts" lists of the others appended (a walk's next
// pages read the first one's tree size).
std::variant<nlohmann::json, int> FetchPages(const ClientFlags& client, std::string path, const char* field,
                                             bool all) {
  nlohmann::json merged;
  while (true) {
    auto fetched = FetchJson(client, path, field);
    if (const int* failed = std::get_if<int>(&fetched)) return *failed;
    nlohmann::json& page = std::get<nlohmann::json>(fetched);
    const auto next = page.find("next");
    const std::optional<std::string> next_path =
        next != page.end() && next->is_string() ? std::optional<std::string>(next->get<std::string>()) : std::nullopt;
    if (merged.is_null()) {
      merged = std::move(page);
    } else {
      for (const char* list : {field, "facts"}) {
        if (!page.contains(list) || !page[list].is_array() || !merged[list].is_array()) continue;
        for (auto& item : page[list]) merged[list].push_back(std::move(item));
      }
    }
    if (!all || !next_path) return merged;
    merged.erase("next");
    path = *next_path;
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

void PrintJson(const nlohmann::json& answer) {
  std::cout << answer.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// After the answer is printed: its entries checked (--verify), or success.
int Finish(const ClientFlags& client, const nlohmann::json& answer, bool verify) {
  return verify ? VerifyAnswer(client, answer) : kExitOk;
}

int QueryStatements(const StatementsOptions& opts) {
  auto fetched = FetchPages(opts.client, FirstPage(opts), "statements", opts.all);
  if (const int* failed = std::get_if<int>(&fetched)) return *failed;
  const nlohmann::json& merged = std::get<nlohmann::json>(fetched);
  if (opts.json) {
    PrintJson(merged);
    return Finish(opts.client, merged, opts.verify);
  }
  for (const auto& statement : merged["statements"]) {
    if (!statement.is_object()) continue;
    std::cout << "entry " << EntryOf(statement) << "  " << Text(statement, "registered_at")
              << "  issuer " << Text(statement, "issuer") << "  subject " << Text(statement, "subject") << "  type "
              << Text(statement, "content_type") << "\n";
  }
  std::cout << merged["statements"].size() << " statement(s); the index covers the log up to tree size "
            << merged["tree_size"].dump() << "\n";
  return Finish(opts.client, merged, opts.verify);
}

struct EdgesOptions {
  ClientFlags client;
  std::string node;
  bool incoming = false;
  std::string kind;
  int64_t tree_size = -1;
  uint64_t limit = 100;
  bool all = false;
  bool json = false;
  bool verify = false;
};

void PrintEdge(const nlohmann::json& edge) {
  std::cout << Text(edge, "from") << " " << Text(edge, "kind") << " " << Text(edge, "to") << "  (entry "
            << EntryOf(edge) << (edge.contains("issuer") ? ", " + Text(edge, "issuer") : "") << ")\n";
}

int QueryEdges(const EdgesOptions& opts) {
  std::string path = "/edges?node=" + http::PercentEncode(opts.node) + "&direction=" + (opts.incoming ? "in" : "out") +
                     "&limit=" + std::to_string(opts.limit);
  if (!opts.kind.empty()) path += "&kind=" + http::PercentEncode(opts.kind);
  if (opts.tree_size >= 0) path += "&tree_size=" + std::to_string(opts.tree_size);
  auto fetched = FetchPages(opts.client, path, "edges", opts.all);
  if (const int* failed = std::get_if<int>(&fetched)) return *failed;
  const nlohmann::json& merged = std::get<nlohmann::json>(fetched);
  if (opts.json) {
    PrintJson(merged);
    return Finish(opts.client, merged, opts.verify);
  }
  for (const auto& edge : merged["edges"]) {
    if (edge.is_object()) PrintEdge(edge);
  }
  std::cout << merged["edges"].size() << " edge(s); the index covers the log up to tree size "
            << merged["tree_size"].dump() << "\n";
  return Finish(opts.client, merged, opts.verify);
}

// What every walk takes: where to start, how far, which graph.
struct WalkOptions {
  ClientFlags client;
  std::string node;
  int depth = 10;
  int64_t tree_size = -1;
  bool json = false;
  bool verify = false;
};

std::string WalkPath(const char* route, const char* name, const WalkOptions& opts) {
  // The largest page the service gives (its next pages are fetched too).
  std::string path = std::string(route) + "?" + name + "=" + http::PercentEncode(opts.node) +
                     "&depth=" + std::to_string(opts.depth) + "&limit=10000";
  if (opts.tree_size >= 0) path += "&tree_size=" + std::to_string(opts.tree_size);
  return path;
}

void AddWalkFlags(CLI::App* cmd, WalkOptions* opts) {
  AddClientFlags(cmd, &opts->client);
  cmd->add_option("--depth", opts->depth, "Hops at most (1 to 10)")->check(CLI::Range(1, 10));
  cmd->add_option("--tree-size", opts->tree_size, "The graph as the log held it at this size");
  cmd->add_flag("--json", opts->json, "Print the service's JSON");
  cmd->add_flag("--verify", opts->verify,
                "Check every entry the answer cites: its receipt, and that its statement asserts the edges");
}

// `node`'s chain of `via` edges to a start ("a -DEPENDS_ON (entry 3)-> b").
void PrintChain(std::string node, const std::map<std::string, const nlohmann::json*>& via, bool backwards) {
  std::cout << node;
  for (size_t steps = 0; steps < via.size() && via.count(node); ++steps) {  // bounded: no cycle runs away
    const nlohmann::json& edge = *via.at(node);
    node = Text(edge, backwards ? "to" : "from");
    std::cout << (backwards ? " -" : " <-") << Text(edge, "kind") << " (entry " << EntryOf(edge)
              << (backwards ? ")-> " : ")- ") << node;
  }
  std::cout << "\n";
}

std::map<std::string, const nlohmann::json*> ViaByNode(const nlohmann::json& reached) {
  std::map<std::string, const nlohmann::json*> via;  // node -> the edge it was reached through
  for (const auto& item : reached) {
    if (item.is_object() && item.contains("via") && item["via"].is_object()) via[Text(item, "node")] = &item["via"];
  }
  return via;
}

// A walk verb's answer: GET `path` (an object with the array `field`) and
// its next pages, printed as the service's JSON with --json, else by `print`; then checked
// with --verify.
int Answer(const WalkOptions& opts, const std::string& path, const char* field,
           const std::function<void(const nlohmann::json&)>& print) {
  auto fetched = FetchPages(opts.client, path, field, /*all=*/true);
  if (const int* failed = std::get_if<int>(&fetched)) return *failed;
  const nlohmann::json& answer = std::get<nlohmann::json>(fetched);
  if (opts.json) {
    PrintJson(answer);
  } else {
    print(answer);
  }
  return Finish(opts.client, answer, opts.verify);
}

struct DependentsOptions {
  WalkOptions walk;
  std::string range;
};

// Each artifact that reaches the node (or, for a purl without a version or
// with --range, any of the package's versions), with the path and the
// entries that justify each step.
int QueryDependents(const DependentsOptions& opts) {
  std::string path = WalkPath("/dependents", "node", opts.walk);
  if (!opts.range.empty()) path += "&range=" + http::PercentEncode(opts.range);
  return Answer(opts.walk, path, "dependents", [&](const nlohmann::json& answer) {
    const auto via = ViaByNode(answer["dependents"]);
    size_t artifacts = 0;
    for (const auto& artifact : answer.value("artifacts", nlohmann::json::array())) {
      if (!artifact.is_string()) continue;
      PrintChain(artifact.get<std::string>(), via, /*backwards=*/true);
      ++artifacts;
    }
    if (answer.contains("versions")) std::cout << "versions matched: " << answer["versions"].dump() << "\n";
    std::cout << artifacts << " artifact(s) among " << answer["dependents"].size() << " dependent(s) of "
              << opts.walk.node << " at tree size " << answer["tree_size"].dump()
              << (answer.value("truncated", false) ? " (truncated)" : "") << "\n";
  });
}

// What a node depends on, contains or was built from, and the facts
// (findings, VEX, attestations) about each.
int QueryDependencies(const WalkOptions& opts) {
  return Answer(opts, WalkPath("/dependencies", "node", opts), "dependencies", [&](const nlohmann::json& answer) {
    for (const auto& item : answer["dependencies"]) {
      if (!item.is_object() || !item.contains("via")) continue;
      std::cout << std::string(2 * static_cast<size_t>(item.value("depth", 1)), ' ') << Text(item, "node") << "  ("
                << Text(item["via"], "kind") << ", entry " << EntryOf(item["via"]) << ")\n";
    }
    for (const auto& fact : answer.value("facts", nlohmann::json::array())) {
      if (fact.is_object()) PrintEdge(fact);
    }
    std::cout << answer["dependencies"].size() << " dependencies and "
              << answer.value("facts", nlohmann::json::array()).size()
              << " fact(s) under " << opts.node << " at tree size " << answer["tree_size"].dump()
              << (answer.value("truncated", false) ? " (truncated)" : "") << "\n";
  });
}

struct PathOptions {
  WalkOptions walk;  // walk.node: from
  std::string to;
};

int QueryPath(const PathOptions& opts) {
  const std::string path = WalkPath("/path", "from", opts.walk) + "&to=" + http::PercentEncode(opts.to);
  auto fetched = FetchJson(opts.walk.client, path, "path");
  if (const int* failed = std::get_if<int>(&fetched)) return *failed;
  const nlohmann::json& answer = std::get<nlohmann::json>(fetched);
  if (opts.walk.json) {
    PrintJson(answer);
  } else if (answer.value("found", false)) {
    for (const auto& edge : answer["path"]) {
      if (edge.is_object()) PrintEdge(edge);
    }
    std::cout << answer["path"].size() << " step(s) at tree size " << answer["tree_size"].dump() << "\n";
  } else {
    std::cout << "no path from " << opts.walk.node << " to " << opts.to << " within " << opts.walk.depth
              << " hops at tree size " << answer["tree_size"].dump() << "\n";
  }
  if (!answer.value("found", false)) return kExitCheckFailed;
  return Finish(opts.walk.client, answer, opts.walk.verify);
}

struct ArtifactOptions {
  WalkOptions walk;  // walk.node: the subject
  std::string vex_issuers;
};

// What we know about an artifact: statements, packages, licences,
// vulnerabilities with VEX applied.
int QueryArtifact(const ArtifactOptions& opts) {
  std::string path = WalkPath("/evidence", "subject", opts.walk);
  if (!opts.vex_issuers.empty()) path += "&vex_issuer=" + http::PercentEncode(opts.vex_issuers);
  return Answer(opts.walk, path, "statements", [&](const nlohmann::json& answer) {
    std::cout << opts.walk.node << " at tree size " << answer["tree_size"].dump() << "\n";
    std::cout << "statements: " << answer["statements"].size() << "\n";
    for (const auto& statement : answer["statements"]) {
      if (!statement.is_object()) continue;
      std::cout << "  entry " << EntryOf(statement) << "  " << Text(statement, "registered_at") << "  "
                << Text(statement, "issuer") << "  " << Text(statement, "content_type")
                << (statement.contains("format") ? "  (" + Text(statement, "format") + ")" : "") << "\n";
    }
    const auto packages = answer.value("packages", nlohmann::json::array());
    std::cout << "packages: " << packages.size() << "\n";
    // Each licence stated, with how many packages and files it was stated for.
    std::map<std::string, std::set<std::string>> licensed;
    for (const auto& edge : answer.value("licenses", nlohmann::json::array())) {
      if (!edge.is_object()) continue;
      std::string license = Text(edge, "to");
      if (license.starts_with("license:")) license.erase(0, std::string_view("license:").size());
      licensed[license].insert(Text(edge, "from"));
    }
    std::cout << "licences: " << licensed.size() << "\n";
    for (const auto& [license, nodes] : licensed) std::cout << "  " << license << "  (" << nodes.size() << ")\n";
    const auto vulnerabilities = answer.value("vulnerabilities", nlohmann::json::array());
    size_t open = 0;
    for (const auto& vulnerability : vulnerabilities) open += vulnerability.value("open", true) ? 1 : 0;
    std::cout << "vulnerabilities: " << vulnerabilities.size() << " (" << open << " open after VEX from "
              << (opts.vex_issuers.empty() ? "any issuer" : opts.vex_issuers) << ")\n";
    for (const auto& vulnerability : vulnerabilities) {
      if (!vulnerability.is_object()) continue;
      std::cout << "  " << Text(vulnerability, "id") << (vulnerability.value("open", true) ? "  open" : "  closed");
      // A named copy: items() of a temporary would outlive it in the loop.
      const nlohmann::json by_issuer = vulnerability.value("status_by_issuer", nlohmann::json::object());
      for (const auto& [issuer, status] : by_issuer.items()) {
        std::cout << "  " << issuer << ": " << (status.is_string() ? status.get<std::string>() : "-");
      }
      std::cout << "\n";
    }
  });
}

struct GraphOptions {
  WalkOptions walk;
  std::string format = "dot";
  std::string output;
};

// DOT text (graphviz.org/doc/info/lang.html): an ID in double quotes with
// `"` and `\` escaped.
std::string DotId(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

// The neighbourhood of a node as a DOT digraph: what depends on it and what
// it depends on, to the depth, and the facts about the nodes under it; each
// edge labelled with its kind and entry.
std::string RenderDot(const std::string& node, const nlohmann::json& dependents, const nlohmann::json& dependencies) {
  std::set<std::string> edges;
  std::set<std::string> nodes{node};
  auto add = [&](const nlohmann::json& edge) {
    if (!edge.is_object()) return;
    const std::string from = Text(edge, "from"), to = Text(edge, "to");
    nodes.insert(from);
    nodes.insert(to);
    edges.insert("  " + DotId(from) + " -> " + DotId(to) + " [label=" +
                 DotId(Text(edge, "kind") + " #" + EntryOf(edge)) + "];\n");
  };
  for (const auto& item : dependents["dependents"]) add(item.value("via", nlohmann::json()));
  for (const auto& item : dependencies["dependencies"]) add(item.value("via", nlohmann::json()));
  for (const auto& fact : dependencies.value("facts", nlohmann::json::array())) add(fact);
  std::string dot = "digraph evidence {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n  edge [fontsize=8];\n";
  for (const std::string& id : nodes) {
    std::string style;
    if (id == node) style = ", style=bold";
    else if (id.starts_with("sha256:") || id.starts_with("sha512:")) style = ", shape=component";
    else if (id.starts_with("CVE-") || id.starts_with("GHSA-")) style = ", shape=octagon, color=red";
    dot += "  " + DotId(id) + " [label=" + DotId(id.size() > 60 ? id.substr(0, 57) + "..." : id) + style + "];\n";
  }
  for (const std::string& edge : edges) dot += edge;
  return dot + "}\n";
}

// Graphviz's `dot` turns DOT into SVG; it reads `dot_file`, writes `output`
// (stdout when empty). Run without a shell: the names are passed as they are.
int RunGraphviz(const std::string& dot_file, const std::string& output) {
  std::vector<std::string> args = {"dot", "-Tsvg", dot_file};
  if (!output.empty()) args.insert(args.end(), {"-o", output});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::cout.flush();
  const pid_t child = fork();
  if (child < 0) return ReportError("cannot start dot: fork failed");
  if (child == 0) {
    execvp("dot", argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return ReportError("--format svg needs Graphviz's dot (Debian package graphviz)");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return ReportError("dot failed on the graph");
  return kExitOk;
}

int QueryGraph(const GraphOptions& opts) {
  auto dependents = FetchPages(opts.walk.client, WalkPath("/dependents", "node", opts.walk), "dependents", true);
  if (const int* failed = std::get_if<int>(&dependents)) return *failed;
  auto dependencies =
      FetchPages(opts.walk.client, WalkPath("/dependencies", "node", opts.walk), "dependencies", true);
  if (const int* failed = std::get_if<int>(&dependencies)) return *failed;
  const std::string dot =
      RenderDot(opts.walk.node, std::get<nlohmann::json>(dependents), std::get<nlohmann::json>(dependencies));
  if (opts.format == "dot") {
    if (opts.output.empty()) {
      std::cout << dot;
    } else if (!(std::ofstream(opts.output, std::ios::binary) << dot)) {
      return ReportError("cannot write " + opts.output);
    }
  } else {
    char dot_file[] = "/tmp/scitt-graph-XXXXXX";
    const int fd = mkstemp(dot_file);
    if (fd < 0) return ReportError("cannot create a temporary file for dot");
    const bool written = write(fd, dot.data(), dot.size()) == static_cast<ssize_t>(dot.size());
    close(fd);
    const int rc = written ? RunGraphviz(dot_file, opts.output) : ReportError("cannot write the DOT file");
    unlink(dot_file);
    if (rc != kExitOk) return rc;
  }
  if (!opts.walk.verify) return kExitOk;
  const nlohmann::json both = {std::get<nlohmann::json>(dependents), std::get<nlohmann::json>(dependencies)};
  return VerifyAnswer(opts.walk.client, both);
}

}  // namespace

void AddQueryCommands(CLI::App& app, Action* action) {
  CLI::App* query = app.add_subcommand("query", "Query the service's evidence index");
  query->require_subcommand(1);
  auto opts = std::make_shared<StatementsOptions>();
  CLI::App* statements = query->add_subcommand(
      "statements", "Registered statements by subject, issuer, payload content type and time, with receipts");
  AddClientFlags(statements, &opts->client);
  statements->add_option("--subject", opts->subject,
                         "Statements about this subject (CWT sub; an OCI digest also finds name@digest)");
  statements->add_option("--issuer", opts->issuer, "Statements by this issuer (CWT iss)");
  statements->add_option("--type", opts->type, "Statements whose payload (or preimage) has this content type");
  statements->add_option("--since", opts->since, "Registered at or after this time (RFC 3339 UTC)");
  statements->add_option("--until", opts->until, "Registered before this time (RFC 3339 UTC)");
  statements->add_option("--limit", opts->limit, "Statements per page (1 to 1000)")->check(CLI::Range(1, 1000));
  statements->add_flag("--all", opts->all, "Follow the pages to the end");
  statements->add_flag("--json", opts->json, "Print the service's JSON (with the receipts, base64)");
  statements->add_flag("--verify", opts->verify, "Check each statement's receipt against the service's keys");
  statements->callback([action, opts] { *action = [opts] { return QueryStatements(*opts); }; });

  auto edges_opts = std::make_shared<EdgesOptions>();
  CLI::App* edges = query->add_subcommand(
      "edges", "One hop of the evidence graph: the edges from (or, with --in, to) a node, with their entries");
  AddClientFlags(edges, &edges_opts->client);
  edges->add_option("--node", edges_opts->node, "The node: a purl, a digest, a vulnerability id, …")->required();
  edges->add_flag("--in", edges_opts->incoming, "Edges to the node (its dependents, who contains it, …)");
  edges->add_option("--kind", edges_opts->kind, "Only this kind (DEPENDS_ON, CONTAINS, VULNERABLE_TO, …)");
  edges->add_option("--tree-size", edges_opts->tree_size, "The graph as the log held it at this size");
  edges->add_option("--limit", edges_opts->limit, "Edges per page (1 to 1000)")->check(CLI::Range(1, 1000));
  edges->add_flag("--all", edges_opts->all, "Follow the pages to the end");
  edges->add_flag("--json", edges_opts->json, "Print the service's JSON");
  edges->add_flag("--verify", edges_opts->verify,
                  "Check every edge's entry: its receipt, and that its statement asserts the edge");
  edges->callback([action, edges_opts] { *action = [edges_opts] { return QueryEdges(*edges_opts); }; });

  auto dependents_opts = std::make_shared<DependentsOptions>();
  CLI::App* dependents = query->add_subcommand(
      "dependents", "Blast radius: every artifact and package that depends on, contains or was built from a node");
  AddWalkFlags(dependents, &dependents_opts->walk);
  dependents->add_option("--node", dependents_opts->walk.node,
                         "The node: a purl (without a version: every version), a digest, …")
      ->required();
  dependents->add_option("--range", dependents_opts->range,
                         "Only the package's versions in this range (vers: \">=1.0.0|<1.4.0\")");
  dependents->callback(
      [action, dependents_opts] { *action = [dependents_opts] { return QueryDependents(*dependents_opts); }; });

  auto dependencies_opts = std::make_shared<WalkOptions>();
  CLI::App* dependencies = query->add_subcommand(
      "dependencies", "What a node depends on, contains or was built from, and the findings and VEX about each");
  AddWalkFlags(dependencies, dependencies_opts.get());
  dependencies->add_option("--node", dependencies_opts->node, "The node: a digest, a purl, …")->required();
  dependencies->callback(
      [action, dependencies_opts] { *action = [dependencies_opts] { return QueryDependencies(*dependencies_opts); }; });

  auto path_opts = std::make_shared<PathOptions>();
  CLI::App* path = query->add_subcommand("path", "A shortest chain of edges from one node to another");
  AddWalkFlags(path, &path_opts->walk);
  path->add_option("--from", path_opts->walk.node, "Where the path starts")->required();
  path->add_option("--to", path_opts->to, "Where it ends")->required();
  path->callback([action, path_opts] { *action = [path_opts] { return QueryPath(*path_opts); }; });

  auto artifact_opts = std::make_shared<ArtifactOptions>();
  CLI::App* artifact = query->add_subcommand(
      "artifact", "What we know about an artifact: statements, packages, licences, vulnerabilities with VEX applied");
  AddWalkFlags(artifact, &artifact_opts->walk);
  artifact->add_option("subject", artifact_opts->walk.node, "The artifact: a digest (sha256:…) or statement subject")
      ->required();
  artifact->add_option("--vex-issuer", artifact_opts->vex_issuers,
                       "Only these issuers' VEX may close a finding (comma-separated; default: any issuer)");
  artifact->callback([action, artifact_opts] { *action = [artifact_opts] { return QueryArtifact(*artifact_opts); }; });

  auto graph_opts = std::make_shared<GraphOptions>();
  CLI::App* graph = query->add_subcommand(
      "graph", "A node's neighbourhood as a picture: DOT, or SVG through Graphviz");
  AddWalkFlags(graph, &graph_opts->walk);
  graph_opts->walk.depth = 2;
  graph->add_option("--node", graph_opts->walk.node, "The node at the centre")->required();
  graph->add_option("--format", graph_opts->format, "dot or svg")->check(CLI::IsMember({"dot", "svg"}));
  graph->add_option("--output,-o", graph_opts->output, "Write here instead of standard output");
  graph->callback([action, graph_opts] { *action = [graph_opts] { return QueryGraph(*graph_opts); }; });
}

}  // namespace scitt::cli

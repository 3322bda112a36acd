// `scitt query statements`: what the service's evidence index holds
// (GET /statements, docs/api.md "Evidence").
#include <iostream>

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

std::string Text(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : "-"; }

int QueryStatements(const StatementsOptions& opts) {
  std::string path = FirstPage(opts);
  nlohmann::json merged = {{"statements", nlohmann::json::array()}};
  while (true) {
    auto res = GetFollowing(opts.client, path, {{"Accept", "application/json"}});
    if (!res.ok()) return ReportError(res.error());
    if (res->status != 200) {
      std::cerr << "scitt: " << DescribeFailure(*res) << "\n";
      return kExitCheckFailed;
    }
    auto page = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (page.is_discarded() || !page.is_object() || !page.contains("statements") ||
        !page["statements"].is_array() || !page.contains("tree_size")) {
      return ReportError("the service's answer to GET " + path + " is not a statement list");
    }
    if (!merged.contains("tree_size")) merged["tree_size"] = page["tree_size"];
    for (auto& statement : page["statements"]) merged["statements"].push_back(std::move(statement));
    if (!opts.all || !page.contains("next") || !page["next"].is_string()) break;
    path = page["next"].get<std::string>();
  }
  if (opts.json) {
    std::cout << merged.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& statement : merged["statements"]) {
    if (!statement.is_object()) continue;
    std::cout << "entry " << statement.value("entry", uint64_t{0}) << "  " << Text(statement["registered_at"])
              << "  issuer " << Text(statement["issuer"]) << "  subject " << Text(statement["subject"]) << "  type "
              << Text(statement["content_type"]) << "\n";
  }
  std::cout << merged["statements"].size() << " statement(s); the index covers the log up to tree size "
            << merged["tree_size"].dump() << "\n";
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
}

}  // namespace scitt::cli

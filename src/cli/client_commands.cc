// Client verbs: `scitt register`, `scitt receipt get`, `scitt keys fetch`.
#include <iostream>
#include <memory>

#include "base/file.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"

namespace scitt::cli {
namespace {

struct RegisterOptions {
  ClientFlags client;
  std::string statement_file;
  std::string out;
  std::string receipt_out;
};

struct ReceiptOptions {
  ClientFlags client;
  std::string entry_id;
  std::string out;
  int64_t tree_size = -1;
  bool statement = false;
};

struct KeysOptions {
  ClientFlags client;
  std::string out;
};

int Register(const RegisterOptions& opts) {
  auto statement = ReadFile(opts.statement_file);
  if (!statement.ok()) return ReportError(statement.error());
  auto parsed = cose::Sign1::Parse(*statement);
  if (!parsed.ok()) return ReportError(opts.statement_file + ": " + parsed.error().message);
  auto res = SubmitStatement(opts.client, *statement);
  if (!res.ok()) return ReportError(res.error());
  if (res->status != 200 && res->status != 201) {
    std::cerr << "scitt: registration refused: " << DescribeFailure(*res) << "\n";
    return kExitCheckFailed;
  }
  Bytes receipt(res->body.begin(), res->body.end());
  std::string location = res->headers.count("Location") ? res->headers.at("Location") : "";
  std::cout << "registered: " << http::ResolveUrl(opts.client.url, location) << "\n"
            << "entry hash: " << HexEncode(cose::LogEntry(*parsed)) << "\n";
  if (!opts.receipt_out.empty() && WriteOutput(opts.receipt_out, receipt) != kExitOk) return kExitUnusable;
  if (!opts.out.empty()) return WriteOutput(opts.out, cose::AttachReceipts(*parsed, {receipt}));
  return kExitOk;
}

int GetReceipt(const ReceiptOptions& opts) {
  std::string path = "/entries/" + opts.entry_id + (opts.statement ? "/statement" : "");
  if (opts.tree_size >= 0) path += "?tree-size=" + std::to_string(opts.tree_size);
  auto res = GetFollowing(opts.client, path, {{"Accept", opts.statement ? cose::media_type::kStatement : cose::media_type::kReceipt}});
  if (!res.ok()) return ReportError(res.error());
  if (res->status != 200) {
    std::cerr << "scitt: " << DescribeFailure(*res) << "\n";
    return kExitCheckFailed;
  }
  Bytes body(res->body.begin(), res->body.end());
  if (opts.out.empty()) {
    std::cout << HexEncode(body) << "\n";
    return kExitOk;
  }
  return WriteOutput(opts.out, body);
}

int FetchKeys(const KeysOptions& opts) {
  auto keys = FetchServiceKeys(opts.client);
  if (!keys.ok()) return ReportError(keys.error());
  return WriteOutput(opts.out, *keys);
}

}  // namespace

void AddClientCommands(CLI::App& app, Action* action) {
  auto reg = std::make_shared<RegisterOptions>();
  CLI::App* register_cmd = app.add_subcommand(
      "register", "Register a signed statement with a transparency service and save its receipt");
  register_cmd->add_option("STATEMENT", reg->statement_file, "Signed statement (COSE_Sign1)")->required();
  AddClientFlags(register_cmd, &reg->client, /*with_token=*/true);
  register_cmd->add_option("--out", reg->out, "Write the transparent statement (statement + receipt)");
  register_cmd->add_option("--receipt-out", reg->receipt_out, "Write the receipt");
  register_cmd->callback([reg, action] { *action = [reg] { return Register(*reg); }; });

  CLI::App* receipt = app.add_subcommand("receipt", "Fetch receipts");
  receipt->require_subcommand(1);
  auto get = std::make_shared<ReceiptOptions>();
  CLI::App* get_cmd = receipt->add_subcommand("get", "Fetch the receipt of an entry (index or entry hash)");
  get_cmd->add_option("ENTRY_ID", get->entry_id, "Log index or 64-hex-digit entry hash")->required();
  AddClientFlags(get_cmd, &get->client);
  get_cmd->add_option("--out", get->out, "Write to a file (default: hex on standard output)");
  get_cmd->add_option("--tree-size", get->tree_size, "A receipt against this (signed) tree size");
  get_cmd->add_flag("--statement", get->statement, "Fetch the transparent statement instead");
  get_cmd->callback([get, action] { *action = [get] { return GetReceipt(*get); }; });

  CLI::App* keys = app.add_subcommand("keys", "Fetch service keys");
  keys->require_subcommand(1);
  auto fetch = std::make_shared<KeysOptions>();
  CLI::App* fetch_cmd = keys->add_subcommand("fetch", "Save the service's receipt keys (COSE_KeySet)");
  AddClientFlags(fetch_cmd, &fetch->client);
  fetch_cmd->add_option("--out", fetch->out, "Where to write the key set")->required();
  fetch_cmd->callback([fetch, action] { *action = [fetch] { return FetchKeys(*fetch); }; });
}

}  // namespace scitt::cli

// `scitt verify`: offline verification of a (transparent) statement.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cose/cose_key.h"
#include "cose/verifier.h"
#include "crypto/x509.h"

namespace scitt::cli {
namespace {

struct VerifyOptions {
  std::string file;
  std::string service_keys;
  ClientFlags service;  // --service-url: fetch the keys from the service
  std::string issuer_key;
  std::string trust_anchors;
  std::string payload;
  std::vector<std::string> receipts;
  int64_t at_time = -1;
  bool json = false;
};

Result<cose::VerifyRequest> BuildRequest(const VerifyOptions& opts, Bytes* statement) {
  SCITT_ASSIGN_OR_RETURN(*statement, ReadFile(opts.file));
  cose::VerifyRequest request;
  request.statement = *statement;
  for (const auto& path : opts.receipts) {
    SCITT_ASSIGN_OR_RETURN(Bytes receipt, ReadFile(path));
    request.extra_receipts.push_back(std::move(receipt));
  }
  if (!opts.service.url.empty()) {
    SCITT_ASSIGN_OR_RETURN(Bytes data, FetchServiceKeys(opts.service));
    SCITT_ASSIGN_OR_RETURN(request.service_keys, cose::ParseServiceKeys(data));
  }
  if (!opts.service_keys.empty()) {
    SCITT_ASSIGN_OR_RETURN(Bytes data, ReadFile(opts.service_keys));
    auto keys = cose::ParseServiceKeys(data);
    if (!keys.ok()) return MakeError(ErrorCode::kMalformed, opts.service_keys + ": " + keys.error().message);
    request.service_keys.insert(request.service_keys.end(), keys->begin(), keys->end());
  }
  if (!opts.issuer_key.empty()) {
    SCITT_ASSIGN_OR_RETURN(Bytes data, ReadFile(opts.issuer_key));
    auto keys = cose::ParseKeySet(data);
    if (!keys.ok()) return MakeError(ErrorCode::kMalformed, opts.issuer_key + ": " + keys.error().message);
    request.issuer_keys = std::move(keys).value();
  }
  if (!opts.trust_anchors.empty()) {
    SCITT_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(opts.trust_anchors));
    auto anchors = crypto::Certificate::ParsePemBundle(pem);
    if (!anchors.ok()) return MakeError(ErrorCode::kMalformed, opts.trust_anchors + ": " + anchors.error().message);
    request.trust_anchors = std::move(anchors).value();
  }
  if (!opts.payload.empty()) {
    SCITT_ASSIGN_OR_RETURN(Bytes payload, ReadFile(opts.payload));
    request.payload = std::move(payload);
  }
  if (opts.at_time >= 0) request.at_time = opts.at_time;
  return request;
}

void PrintReport(const cose::VerifyReport& report, bool as_json) {
  if (as_json) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : report.checks) {
      checks.push_back({{"check", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    }
    nlohmann::json out = {{"verified", report.ok()}, {"checks", checks}, {"notes", report.notes}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto& c : report.checks) {
    std::cout << (c.passed ? "PASS " : "FAIL ") << c.name << ": " << c.detail << "\n";
  }
  for (const auto& note : report.notes) std::cout << "note: " << note << "\n";
  std::cout << (report.ok() ? "verified" : "NOT verified") << "\n";
}

int Verify(const VerifyOptions& opts) {
  if (opts.service_keys.empty() && opts.service.url.empty() && opts.issuer_key.empty() &&
      opts.trust_anchors.empty()) {
    return ReportError("give --service-key, --service-url, --issuer-key or --trust-anchors");
  }
  if (!opts.issuer_key.empty() && !opts.trust_anchors.empty()) {
    return ReportError("--issuer-key and --trust-anchors are alternatives; give one");
  }
  Bytes statement;
  auto request = BuildRequest(opts, &statement);
  if (!request.ok()) return ReportError(request.error());
  auto report = cose::VerifyStatement(*request);
  if (!report.ok()) return ReportError(opts.file + ": " + report.error().message);
  PrintReport(*report, opts.json);
  return report->ok() ? kExitOk : kExitCheckFailed;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Verify a transparent statement offline: every receipt and the issuer signature. "
      "Exit 0 when all checks pass, 1 when one fails, 2 on unusable input");
  cmd->add_option("FILE", opts->file, "Signed or transparent statement")->required();
  cmd->add_option("--service-key", opts->service_keys,
                  "Trusted service keys: PEM, JWKS JSON, CBOR COSE_KeySet or a CCF trust store");
  cmd->add_option("--service-url", opts->service.url, "Fetch the service keys from this transparency service");
  cmd->add_option("--issuer-key", opts->issuer_key, "Issuer public key(s): PEM, JWK(S) or COSE_Key(Set)");
  cmd->add_option("--trust-anchors", opts->trust_anchors, "CA certificates (PEM) for the statement's x5chain");
  cmd->add_option("--payload", opts->payload,
                  "The artifact: checked against the payload or hash envelope, or used as the detached payload");
  cmd->add_option("--receipt", opts->receipts, "A receipt for a statement that does not carry it (repeatable)");
  cmd->add_option("--at-time", opts->at_time,
                  "X.509 validation time, seconds since the epoch (default: the receipt's iat, else now)");
  cmd->add_flag("--json", opts->json, "Machine-readable result");
  cmd->callback([opts, action] { *action = [opts] { return Verify(*opts); }; });
}

}  // namespace scitt::cli

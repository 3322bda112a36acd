// What the client verbs share: talking to a service and reading its errors.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "http/client.h"

namespace CLI {
class App;
}

namespace scitt::cli {

struct ClientFlags {
  std::string url;        // the service's base URL
  std::string token;      // bearer token for POST
  std::string ca_file;    // extra CA for https
  bool insecure = false;  // skip TLS verification (testing only)
  int timeout_seconds = 60;
  http::ClientOptions options() const;
};

void AddClientFlags(CLI::App* cmd, ClientFlags* flags, bool with_token = false);

// GET `path` (relative to flags.url, or absolute), following 302/303 with
// Retry-After pacing until a final answer or the timeout.
Result<http::Response> GetFollowing(const ClientFlags& flags, const std::string& path_or_url,
                                    const http::Headers& headers);

// POST /entries, then follow 303 → 302… → 200 to the receipt (SCRAPI
// §2.1.3); the final response (200/201 with the receipt, or a refusal).
Result<http::Response> SubmitStatement(const ClientFlags& flags, ByteView statement);

// "status title: detail" from concise problem details, or the raw status.
std::string DescribeFailure(const http::Response& response);

// The service's receipt keys (COSE_KeySet at /.well-known/scitt-keys).
Result<Bytes> FetchServiceKeys(const ClientFlags& flags);

}  // namespace scitt::cli

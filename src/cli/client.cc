#include "cli/client.h"

#include <chrono>
#include <thread>

#include <CLI/CLI.hpp>

#include "cbor/decoder.h"
#include "cose/labels.h"

namespace scitt::cli {

http::ClientOptions ClientFlags::options() const {
  http::ClientOptions options;
  options.timeout = std::chrono::seconds(timeout_seconds);
  options.ca_file = ca_file;
  options.verify_tls = !insecure;
  return options;
}

void AddClientFlags(CLI::App* cmd, ClientFlags* flags, bool with_token) {
  cmd->add_option("--url", flags->url, "Base URL of the transparency service")->required();
  if (with_token) cmd->add_option("--token", flags->token, "Bearer token for registration");
  cmd->add_option("--ca-file", flags->ca_file, "CA certificate (PEM) to trust for https");
  cmd->add_flag("--insecure", flags->insecure, "Do not verify the service's TLS certificate");
  cmd->add_option("--timeout", flags->timeout_seconds, "Give up after this many seconds")->capture_default_str();
}

Result<http::Response> GetFollowing(const ClientFlags& flags, const std::string& path_or_url,
                                    const http::Headers& headers) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(flags.timeout_seconds);
  std::string url = http::ResolveUrl(flags.url, path_or_url);
  for (;;) {
    SCITT_ASSIGN_OR_RETURN(http::Response res, http::Fetch("GET", url, headers, "", flags.options()));
    bool pending = res.status == 302 || res.status == 303;
    bool throttled = res.status == 429 || res.status == 503;
    if (!pending && !throttled) return res;
    if (pending) {
      auto location = res.headers.find("Location");
      if (location == res.headers.end()) {
        return MakeError(ErrorCode::kMalformed, "the service answered " + std::to_string(res.status) + " without a Location");
      }
      url = http::ResolveUrl(url, location->second);
    }
    int wait = 1;
    if (auto retry = res.headers.find("Retry-After"); retry != res.headers.end()) {
      wait = std::clamp(std::atoi(retry->second.c_str()), 1, 30);
    }
    if (std::chrono::steady_clock::now() + std::chrono::seconds(wait) > deadline) {
      return MakeError(ErrorCode::kIo, "gave up waiting for " + url + " after " + std::to_string(flags.timeout_seconds) + " s");
    }
    std::this_thread::sleep_for(std::chrono::seconds(wait));
  }
}

Result<http::Response> SubmitStatement(const ClientFlags& flags, ByteView statement) {
  http::Headers headers = {{"Content-Type", cose::media_type::kCose},
                           {"Accept", cose::media_type::kReceipt}};
  if (!flags.token.empty()) headers["Authorization"] = "Bearer " + flags.token;
  std::string url = http::ResolveUrl(flags.url, "/entries");
  SCITT_ASSIGN_OR_RETURN(http::Response res, http::Fetch("POST", url, headers, ToString(statement), flags.options()));
  if (res.status != 303) return res;
  auto location = res.headers.find("Location");
  if (location == res.headers.end()) return MakeError(ErrorCode::kMalformed, "303 without a Location");
  return GetFollowing(flags, http::ResolveUrl(url, location->second), {{"Accept", cose::media_type::kReceipt}});
}

std::string DescribeFailure(const http::Response& response) {
  std::string out = std::to_string(response.status);
  auto type = response.headers.find("Content-Type");
  if (type != response.headers.end() && type->second == cose::media_type::kProblemDetails) {
    auto doc = cbor::Decode(AsBytes(response.body));
    if (doc.ok()) {
      const cbor::Value* title = doc->Find(-1);
      const cbor::Value* detail = doc->Find(-2);
      if (title != nullptr && title->is_text()) out += " " + title->text();
      if (detail != nullptr && detail->is_text()) out += ": " + detail->text();
    }
  }
  return out;
}

Result<Bytes> FetchServiceKeys(const ClientFlags& flags) {
  SCITT_ASSIGN_OR_RETURN(http::Response res,
                         GetFollowing(flags, "/.well-known/scitt-keys", {{"Accept", cose::media_type::kCbor}}));
  if (res.status != 200) {
    return MakeError(ErrorCode::kIo, "fetching the service keys failed: " + DescribeFailure(res));
  }
  return Bytes(res.body.begin(), res.body.end());
}

}  // namespace scitt::cli

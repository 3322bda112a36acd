// The http layer's own parsers of untrusted text: request-targets (path and
// query decoding), Accept headers, Location resolution and route matching.
// A target that parses must give a path the router can rely on: rooted, no
// NUL, no dot-segment; routing must answer exactly once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/client.h"
#include "http/message.h"
#include "http/router.h"

namespace {

using scitt::http::Request;
using scitt::http::Responder;
using scitt::http::Response;

void Check(bool condition) {
  if (!condition) std::abort();
}

const scitt::http::Router& TestRouter() {
  static const scitt::http::Router* router = [] {
    auto* r = new scitt::http::Router();
    auto ok = [](Request, Responder respond) { respond(Response{}); };
    r->Add("GET", "/entries/{id}", ok);
    r->Add("POST", "/entries", ok);
    r->Add("GET", "/.well-known/scitt-keys/{kid}", ok);
    r->Add("GET", "/tile/{path...}", ok);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string path;
  std::multimap<std::string, std::string> query;
  if (scitt::http::ParseTarget(input, &path, &query).ok()) {
    Check(!path.empty() && path[0] == '/');
    Check(path.find('\0') == std::string::npos);
    Check(path.find("/../") == std::string::npos && path.find("/./") == std::string::npos);
    Check(!path.ends_with("/..") && !path.ends_with("/."));

    for (const char* method : {"GET", "HEAD", "POST"}) {
      Request request;
      request.method = method;
      request.path = path;
      int answers = 0;
      TestRouter().Dispatch(std::move(request), [&answers](Response) { ++answers; });
      Check(answers == 1);
    }
  }

  for (bool plus_as_space : {false, true}) {
    std::optional<std::string> decoded = scitt::http::PercentDecode(input, plus_as_space);
    if (decoded) Check(decoded->size() <= input.size());
  }

  const std::optional<std::string> accept{std::string(input)};
  const bool cose = scitt::http::Accepts(accept, "application/cose");
  const bool cbor = scitt::http::Accepts(accept, "application/cbor");
  (void)cose;
  (void)cbor;

  const std::string location(input);
  const std::string resolved = scitt::http::ResolveUrl("https://ts.example/a/b?q", location);
  (void)scitt::http::ResolveUrl(location, "../x");
  // A reference without a scheme inherits the base's.
  if (location.find(':') == std::string::npos) Check(resolved.starts_with("https:"));
  return 0;
}

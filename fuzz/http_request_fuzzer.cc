// The http layer's parsers of untrusted text: request-targets (path and
// query decoding through Boost.URL, with our own rules on top), Accept
// headers, Location resolution (Boost.URL plus a fix for boostorg/url#808)
// and route matching.
// A target that parses must give a path the router can rely on: rooted, no
// NUL, no dot-segment; routing must answer exactly once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/url/parse.hpp>
#include <boost/url/segments_encoded_view.hpp>
#include <boost/url/url_view.hpp>

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
  auto reference = boost::urls::parse_uri_reference(location);
  // RFC 3986 §3.3 (Boost.URL 1.81 accepts "//host:x/" as host, path "x/").
  const bool valid = reference && (!reference->has_authority() || reference->encoded_path().empty() ||
                                   reference->encoded_path().starts_with('/'));
  if (valid) {
    // A valid reference resolves to a valid URI, with no dot-segment left
    // in its path (RFC 3986 §5.2.4); one without a scheme inherits the base's.
    auto uri = boost::urls::parse_uri(resolved);
    Check(uri.has_value());
    Check(!reference->has_scheme() == resolved.starts_with("https:") || reference->scheme() == "https");
    if (uri->has_authority()) {
      for (const auto segment : uri->encoded_segments()) Check(segment != ".." && segment != ".");
    }
  } else {
    Check(resolved == location);  // an invalid reference comes back unchanged
  }
  return 0;
}

#include "http/client.h"

#include <openssl/ssl.h>

#include <cctype>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/asio_util.h"

namespace scitt::http {
namespace {

using namespace internal;

// RFC 3986 Appendix B: the five components of a URI reference; absent
// components (as opposed to empty ones) are nullopt.
struct UriReference {
  std::optional<std::string> scheme;
  std::optional<std::string> authority;
  std::string path;
  std::optional<std::string> query;
  std::optional<std::string> fragment;
};

UriReference ParseReference(std::string_view s) {
  UriReference r;
  const size_t scheme_end = s.find_first_of(":/?#");
  if (scheme_end != std::string_view::npos && scheme_end > 0 && s[scheme_end] == ':') {
    r.scheme = std::string(s.substr(0, scheme_end));
    s.remove_prefix(scheme_end + 1);
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    const size_t end = s.find_first_of("/?#");
    r.authority = std::string(s.substr(0, end));
    s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  }
  const size_t hash = s.find('#');
  if (hash != std::string_view::npos) {
    r.fragment = std::string(s.substr(hash + 1));
    s = s.substr(0, hash);
  }
  const size_t question = s.find('?');
  if (question != std::string_view::npos) {
    r.query = std::string(s.substr(question + 1));
    s = s.substr(0, question);
  }
  r.path = std::string(s);
  return r;
}

// RFC 3986 §5.2.4.
std::string RemoveDotSegments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.starts_with("../")) {
      input.remove_prefix(3);
    } else if (input.starts_with("./")) {
      input.remove_prefix(2);
    } else if (input.starts_with("/./")) {
      input.remove_prefix(2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.starts_with("/../") || input == "/..") {
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      const size_t last = output.rfind('/');
      output.erase(last == std::string::npos ? 0 : last);
    } else if (input == "." || input == "..") {
      input = {};
    } else {
      const size_t next = input.find('/', input[0] == '/' ? 1 : 0);
      output += input.substr(0, next);
      input.remove_prefix(next == std::string_view::npos ? input.size() : next);
    }
  }
  return output;
}

// RFC 3986 §5.3.
std::string Recompose(const UriReference& r) {
  std::string out;
  if (r.scheme) out += *r.scheme + ":";
  if (r.authority) out += "//" + *r.authority;
  out += r.path;
  if (r.query) out += "?" + *r.query;
  if (r.fragment) out += "#" + *r.fragment;
  return out;
}

struct Url {
  bool https = false;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string host_header;
  std::string target;  // path and query
};

Result<Url> ParseUrl(const std::string& text) {
  UriReference r = ParseReference(text);
  Url url;
  std::string scheme = r.scheme.value_or("");
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https") {
    url.https = true;
  } else if (scheme != "http") {
    return MakeError(ErrorCode::kInvalidArgument, "not an http or https URL: " + text);
  }
  if (!r.authority || r.authority->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "URL has no host: " + text);
  }
  std::string_view authority = *r.authority;
  if (authority.find('@') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "credentials in URLs are not supported: " + text);
  }
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return MakeError(ErrorCode::kInvalidArgument, "bad IPv6 host: " + text);
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return MakeError(ErrorCode::kInvalidArgument, "bad host: " + text);
      port = rest.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return MakeError(ErrorCode::kInvalidArgument, "URL has no host: " + text);
  if (port.empty()) {
    url.port = url.https ? "443" : "80";
  } else {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(port)) > 65535) {
      return MakeError(ErrorCode::kInvalidArgument, "bad port in URL: " + text);
    }
    url.port = std::string(port);
  }
  url.host_header = std::string(authority);
  url.target = r.path.empty() ? "/" : r.path;
  if (r.query) url.target += "?" + *r.query;
  return url;
}

// One request and its response over a fresh connection, driven by
// callbacks on a private io_context; the caller bounds it with run_for.
class Exchange {
 public:
  Exchange(asio::io_context& ioc, Url url, bhttp::request<bhttp::string_body> request,
           const ClientOptions& options, asio::ssl::context* tls)
      : url_(std::move(url)), request_(std::move(request)), options_(options), resolver_(ioc) {
    if (tls != nullptr) {
      tls_stream_.emplace(ioc, *tls);
    } else {
      plain_stream_.emplace(ioc);
    }
  }

  void Start() {
    resolver_.async_resolve(url_.host, url_.port, [this](const error_code& ec, tcp::resolver::results_type endpoints) {
      if (ec) return Finish(MakeError(ErrorCode::kIo, "cannot resolve " + url_.host + ": " + ec.message()));
      Lowest().async_connect(endpoints, [this](const error_code& connect_ec, const tcp::endpoint&) {
        if (connect_ec) {
          return Finish(MakeError(ErrorCode::kIo, "cannot connect to " + url_.host_header + ": " +
                                                      connect_ec.message()));
        }
        if (tls_stream_) {
          Handshake();
        } else {
          Write();
        }
      });
    });
  }

  const std::optional<Result<Response>>& result() const { return result_; }

 private:
  beast::tcp_stream& Lowest() {
    return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *plain_stream_;
  }

  template <typename F>
  void WithStream(F&& f) {
    if (tls_stream_) {
      f(*tls_stream_);
    } else {
      f(*plain_stream_);
    }
  }

  void Handshake() {
    SSL* ssl = tls_stream_->native_handle();
    error_code ec;
    const bool ip_literal = (asio::ip::make_address(url_.host, ec), !ec);
    // RFC 6066 §3: SNI carries DNS names only, never address literals.
    if (!ip_literal && SSL_set_tlsext_host_name(ssl, url_.host.c_str()) != 1) {
      return Finish(MakeError(ErrorCode::kIo, "cannot set TLS server name " + url_.host));
    }
    if (options_.verify_tls) {
      tls_stream_->set_verify_mode(asio::ssl::verify_peer);
      // RFC 9110 §4.3.4: the certificate must name the host we asked for.
      tls_stream_->set_verify_callback(asio::ssl::host_name_verification(url_.host));
    } else {
      tls_stream_->set_verify_mode(asio::ssl::verify_none);
    }
    tls_stream_->async_handshake(asio::ssl::stream_base::client, [this](const error_code& handshake_ec) {
      if (handshake_ec) {
        return Finish(MakeError(ErrorCode::kIo, "TLS handshake with " + url_.host_header + " failed: " +
                                                    handshake_ec.message()));
      }
      Write();
    });
  }

  void Write() {
    WithStream([this](auto& stream) {
      bhttp::async_write(stream, request_, [this](const error_code& ec, size_t) {
        if (ec) return Finish(MakeError(ErrorCode::kIo, "cannot send to " + url_.host_header + ": " + ec.message()));
        Read();
      });
    });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.max_response_bytes);
    if (request_.method() == bhttp::verb::head) parser_->skip(true);
    WithStream([this](auto& stream) {
      bhttp::async_read(stream, buffer_, *parser_, [this](const error_code& ec, size_t) { OnRead(ec); });
    });
  }

  void OnRead(const error_code& ec) {
    if (ec) {
      return Finish(MakeError(ErrorCode::kIo, "cannot read the response from " + url_.host_header + ": " +
                                                  ec.message()));
    }
    const auto& message = parser_->get();
    // RFC 9110 §15.2: interim responses precede the final one.
    if (message.result_int() / 100 == 1) return Read();
    Response response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      auto [it, inserted] =
          response.headers.try_emplace(std::string(field.name_string()), std::string(field.value()));
      if (!inserted) {
        it->second += ", ";
        it->second += field.value();
      }
    }
    response.body = parser_->release().body();
    Finish(std::move(response));
  }

  void Finish(Result<Response> result) { result_.emplace(std::move(result)); }

  const Url url_;
  bhttp::request<bhttp::string_body> request_;
  const ClientOptions& options_;
  tcp::resolver resolver_;
  std::optional<beast::tcp_stream> plain_stream_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  std::optional<Result<Response>> result_;
};

}  // namespace

Result<Response> Fetch(const std::string& method, const std::string& url_text, const Headers& headers,
                       const std::string& body, const ClientOptions& options) {
  SCITT_ASSIGN_OR_RETURN(Url url, ParseUrl(url_text));

  std::optional<asio::ssl::context> tls;
  if (url.https) {
    tls.emplace(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    error_code ec;
    tls->set_default_verify_paths(ec);
    if (ec) return MakeError(ErrorCode::kIo, "cannot load the system trust store: " + ec.message());
    if (!options.ca_file.empty()) {
      tls->load_verify_file(options.ca_file, ec);
      if (ec) return MakeError(ErrorCode::kIo, "cannot load CA file " + options.ca_file + ": " + ec.message());
    }
  }

  bhttp::request<bhttp::string_body> request;
  const bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    request.method_string(method);
  } else {
    request.method(verb);
  }
  request.target(url.target);
  request.version(11);
  request.set(bhttp::field::host, url.host_header);
  request.set(bhttp::field::user_agent, "scitt");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.keep_alive(false);  // one request per connection
  request.prepare_payload();

  asio::io_context ioc;
  Exchange exchange(ioc, std::move(url), std::move(request), options, tls ? &*tls : nullptr);
  exchange.Start();
  ioc.run_for(options.timeout);
  if (!exchange.result()) {
    return MakeError(ErrorCode::kIo, "no response from " + url_text + " within " +
                                         std::to_string(options.timeout.count()) + " s");
  }
  return *exchange.result();
}

std::string ResolveUrl(const std::string& base_text, const std::string& location) {
  // RFC 3986 §5.2.2, strict: a reference with a scheme is taken as is.
  const UriReference base = ParseReference(base_text);
  const UriReference reference = ParseReference(location);
  UriReference target;
  if (reference.scheme) {
    target = reference;
    target.path = RemoveDotSegments(reference.path);
  } else {
    if (reference.authority) {
      target.authority = reference.authority;
      target.path = RemoveDotSegments(reference.path);
      target.query = reference.query;
    } else {
      if (reference.path.empty()) {
        target.path = base.path;
        target.query = reference.query ? reference.query : base.query;
      } else {
        if (reference.path.starts_with("/")) {
          target.path = RemoveDotSegments(reference.path);
        } else {
          // §5.2.3 merge.
          std::string merged;
          if (base.authority && base.path.empty()) {
            merged = "/" + reference.path;
          } else {
            const size_t slash = base.path.rfind('/');
            merged = (slash == std::string::npos ? std::string() : base.path.substr(0, slash + 1)) +
                     reference.path;
          }
          target.path = RemoveDotSegments(merged);
        }
        target.query = reference.query;
      }
      target.authority = base.authority;
    }
    target.scheme = base.scheme;
  }
  target.fragment = reference.fragment;
  return Recompose(target);
}

}  // namespace scitt::http

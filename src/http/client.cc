#include "http/client.h"

#include <openssl/ssl.h>

#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include "base/text.h"
#include "http/asio_util.h"

namespace scitt::http {
namespace {

using namespace internal;

// RFC 3986 §3.3: after an authority the path is empty or starts with '/'.
// Boost.URL 1.81 parses "http://host:x/" as host "host", an empty port and
// the path "x/"; such a parse is not a URI.
bool PathFollowsAuthority(const boost::urls::url_view& uri) {
  return !uri.has_authority() || uri.encoded_path().empty() || uri.encoded_path().starts_with('/');
}

struct Url {
  bool https = false;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string host_header;
  std::string target;  // path and query
};

Result<Url> ParseUrl(const std::string& text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return MakeError(ErrorCode::kInvalidArgument, "not a valid URL: " + text);
  const boost::urls::url_view& uri = *parsed;
  if (!PathFollowsAuthority(uri)) return MakeError(ErrorCode::kInvalidArgument, "not a valid URL: " + text);
  Url url;
  if (uri.scheme_id() == boost::urls::scheme::https) {
    url.https = true;
  } else if (uri.scheme_id() != boost::urls::scheme::http) {
    return MakeError(ErrorCode::kInvalidArgument, "not an http or https URL: " + text);
  }
  if (uri.has_userinfo()) {
    return MakeError(ErrorCode::kInvalidArgument, "credentials in URLs are not supported: " + text);
  }
  url.host = uri.host_address();
  if (!uri.has_authority() || url.host.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "URL has no host: " + text);
  }
  const std::string_view port = uri.port();
  if (port.empty()) {
    url.port = url.https ? "443" : "80";
  } else {
    const std::optional<uint64_t> number = ParseDecimal(port);
    if (!number || *number > 65535) return MakeError(ErrorCode::kInvalidArgument, "bad port in URL: " + text);
    url.port = std::string(port);
  }
  url.host_header = std::string(uri.encoded_authority());
  url.target = uri.encoded_path().empty() ? "/" : std::string(uri.encoded_path());
  if (uri.has_query()) url.target += "?" + std::string(uri.encoded_query());
  return url;
}

// Where a 2xx response body goes instead of memory (FetchToFile).
struct Download {
  std::string path;
  uint64_t max_bytes = 0;
};

// One request and its response over a fresh connection, driven by
// callbacks on a private io_context; the caller bounds it with run_for.
// The request body is a string or a file (RequestBody); the response head is
// read first, then its body into memory or, for a 2xx with a Download, into
// the file, by the body type the parser is converted to (Beast's "change
// body type" pattern).
template <typename RequestBody>
class Exchange {
 public:
  Exchange(asio::io_context& ioc, Url url, bhttp::request<RequestBody> request, const ClientOptions& options,
           asio::ssl::context* tls, std::optional<Download> download)
      : url_(std::move(url)),
        request_(std::move(request)),
        options_(options),
        download_(std::move(download)),
        resolver_(ioc) {
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
    head_.emplace();
    // Beast checks a Content-Length against the limit while it parses the
    // head, before the body's destination is known: OnHead checks it.
    head_->body_limit(boost::none);
    if (request_.method() == bhttp::verb::head) head_->skip(true);
    WithStream([this](auto& stream) {
      bhttp::async_read_header(stream, buffer_, *head_, [this](const error_code& ec, size_t) { OnHead(ec); });
    });
  }

  void OnHead(const error_code& ec) {
    if (ec) return ReadFailed(ec);
    // RFC 9110 §15.2: interim responses precede the final one.
    if (head_->get().result_int() / 100 == 1) return Read();
    if (head_->is_done()) {  // HEAD, 204, 304, or Content-Length: 0
      Response response = Head(head_->get());
      return Finish(std::move(response));
    }
    const bool to_file = download_ && head_->get().result_int() / 100 == 2;
    const uint64_t limit = to_file ? download_->max_bytes : options_.max_response_bytes;
    if (head_->content_length() && *head_->content_length() > limit) {
      return Finish(MakeError(ErrorCode::kIo, "the response from " + url_.host_header + " is " +
                                                  std::to_string(*head_->content_length()) + " bytes, over the limit of " +
                                                  std::to_string(limit)));
    }
    if (to_file) {
      to_file_.emplace(std::move(*head_));
      to_file_->body_limit(limit);  // a chunked or unframed body is counted as it comes
      error_code open_ec;
      to_file_->get().body().open(download_->path.c_str(), beast::file_mode::write, open_ec);
      if (open_ec) return Finish(MakeError(ErrorCode::kIo, "cannot write " + download_->path + ": " + open_ec.message()));
      WithStream([this](auto& stream) {
        bhttp::async_read(stream, buffer_, *to_file_, [this](const error_code& read_ec, size_t) {
          if (read_ec) return ReadFailed(read_ec);
          to_file_->get().body().close();
          Finish(Head(to_file_->get()));
        });
      });
      return;
    }
    to_memory_.emplace(std::move(*head_));
    to_memory_->body_limit(limit);
    WithStream([this](auto& stream) {
      bhttp::async_read(stream, buffer_, *to_memory_, [this](const error_code& read_ec, size_t) {
        if (read_ec) return ReadFailed(read_ec);
        Response response = Head(to_memory_->get());
        response.body = to_memory_->release().body();
        Finish(std::move(response));
      });
    });
  }

  void ReadFailed(const error_code& ec) {
    Finish(MakeError(ErrorCode::kIo, "cannot read the response from " + url_.host_header + ": " + ec.message()));
  }

  // The status and header fields; repeated fields are joined with ", ".
  template <typename Message>
  static Response Head(const Message& message) {
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
    return response;
  }

  void Finish(Result<Response> result) { result_.emplace(std::move(result)); }

  const Url url_;
  bhttp::request<RequestBody> request_;
  const ClientOptions& options_;
  const std::optional<Download> download_;
  tcp::resolver resolver_;
  std::optional<beast::tcp_stream> plain_stream_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  // The head's parser, converted to one of the two for the body.
  std::optional<bhttp::response_parser<bhttp::empty_body>> head_;
  std::optional<bhttp::response_parser<bhttp::string_body>> to_memory_;
  std::optional<bhttp::response_parser<bhttp::file_body>> to_file_;
  std::optional<Result<Response>> result_;
};

// Sends `request` (its target, Host and body still to be set from `url`)
// and waits for the answer, at most options.timeout.
template <typename RequestBody>
Result<Response> Run(const std::string& method, const std::string& url_text, const Headers& headers,
                     bhttp::request<RequestBody> request, const ClientOptions& options,
                     std::optional<Download> download) {
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
  request.keep_alive(false);  // one request per connection
  request.prepare_payload();

  asio::io_context ioc;
  Exchange<RequestBody> exchange(ioc, std::move(url), std::move(request), options, tls ? &*tls : nullptr,
                                 std::move(download));
  exchange.Start();
  ioc.run_for(options.timeout);
  if (!exchange.result()) {
    return MakeError(ErrorCode::kIo, "no response from " + url_text + " within " +
                                         std::to_string(options.timeout.count()) + " s");
  }
  return *exchange.result();
}

}  // namespace

Result<Response> Fetch(const std::string& method, const std::string& url, const Headers& headers,
                       const std::string& body, const ClientOptions& options) {
  bhttp::request<bhttp::string_body> request;
  request.body() = body;
  return Run(method, url, headers, std::move(request), options, std::nullopt);
}

Result<Response> FetchToFile(const std::string& method, const std::string& url, const Headers& headers,
                             const std::string& path, uint64_t max_file_bytes, const ClientOptions& options) {
  return Run(method, url, headers, bhttp::request<bhttp::empty_body>(), options, Download{path, max_file_bytes});
}

Result<Response> FetchFromFile(const std::string& method, const std::string& url, const Headers& headers,
                               const std::string& path, const ClientOptions& options) {
  bhttp::request<bhttp::file_body> request;
  error_code ec;
  request.body().open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot read " + path + ": " + ec.message());
  return Run(method, url, headers, std::move(request), options, std::nullopt);
}

std::string ResolveUrl(const std::string& base_text, const std::string& location) {
  auto base = boost::urls::parse_uri(base_text);
  auto reference = boost::urls::parse_uri_reference(location);
  if (!base || !reference || !PathFollowsAuthority(*base) || !PathFollowsAuthority(*reference)) return location;
  boost::urls::url resolved;
  if (!boost::urls::resolve(*base, *reference, resolved)) return location;
  // RFC 3986 §5.2.4 drops ".." segments above the root ("../../../g" from
  // "http://a/b/c/d;p?q" is "http://a/g"); Boost.URL 1.81 keeps them
  // (boostorg/url#808, fixed later), and only there: strip them.
  std::string_view path = resolved.encoded_path();
  const size_t before = path.size();
  while (path.starts_with("/../")) path.remove_prefix(3);
  if (path == "/..") path = "/";
  // RFC 3986 §3.3: without an authority a path cannot begin with "//", yet
  // resolve can make one ("h:h:/..//:." gives "h://:.", which reads back as
  // an authority); set_encoded_path writes such a path as "/.//:.".
  if (path.size() != before || (!resolved.has_authority() && path.starts_with("//"))) {
    resolved.set_encoded_path(std::string(path));
  }
  return std::string(resolved.buffer());
}

}  // namespace scitt::http

// HTTP requests and responses as plain data, independent of the server, and
// the two interfaces through which a body too large to hold in memory is
// streamed instead: BodySink (a request body, ServerOptions::stream_body)
// and BodySource (a response body, Response::body_source).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::http {

class BodySink;
class BodySource;

// Header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;       // "GET", "POST", …
  std::string target;       // as sent: path and query
  std::string path;         // percent-decoded path without the query
  std::multimap<std::string, std::string> query;  // decoded parameters
  Headers headers;
  std::string body;  // empty when body_stream took it
  // The sink that received the whole body (ServerOptions::stream_body), or
  // null when `body` holds it. The handler finishes the upload through it.
  std::shared_ptr<BodySink> body_stream;
  std::string remote_address;  // client IP, for rate limiting and logs
  bool client_certificate = false;  // a TLS client certificate verified against ServerOptions::tls_client_ca_file
  std::map<std::string, std::string> params;  // filled by the Router from {name} segments

  std::optional<std::string> Header(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  // Fields sent once per value, after `headers` (e.g. OCI-Tag: one field
  // per tag), for peers that do not combine a list into one field.
  std::vector<std::pair<std::string, std::string>> repeated_headers;
  std::string body;
  // When set, the body is read from this source instead (and `body` must be
  // empty, or the response is invalid: 500). Content-Length is its size().
  std::shared_ptr<BodySource> body_source;
  // Added to this request's access-log line (e.g. {"entry", "42"}); never
  // sent. Keys should not repeat the server's own: method, path, status,
  // ms, bytes, remote.
  std::vector<std::pair<std::string, std::string>> log_fields;

  Response& Set(std::string name, std::string value) {
    headers[std::move(name)] = std::move(value);
    return *this;
  }
};

// Completes a request; may be called from any thread, exactly once.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request, Responder)>;

// Takes a request body piece by piece, e.g. to write an upload of gigabytes
// to disk; chosen from the request's header by ServerOptions::stream_body.
//
// Backpressure: the server hands over one piece (at most
// ServerOptions::stream_piece_bytes, with any chunked transfer coding
// removed) and reads nothing more from the connection until that piece's
// `done` is called, so a connection holds one piece whatever the body's
// size. Write and Abort are called one at a time, never while a Write is
// outstanding. Neither may block, since they may run on an I/O thread: hand
// disk work to a worker pool and call `done` from there.
//
// Exactly one of two things ends a sink's request. Either the whole body was
// written and the handler is called with Request::body_stream set to this
// sink (it then finishes the upload, e.g. fsync and rename, and responds), or
// Abort() is called once and the handler is not: the client disconnected,
// stopped sending for body_timeout, sent a malformed body or one over
// max_bytes(), a Write failed, or the server stopped.
class BodySink {
 public:
  // Ends a Write, from any thread: nullopt when the piece was taken (the
  // server reads on), or the response that ends the request (disk full: 507,
  // say); the connection closes after it and Abort follows. A Done destroyed
  // uncalled, or a Write that throws, ends the request with 500 (rendered by
  // ServerOptions::render_refusal).
  using Done = std::function<void(std::optional<Response> failure)>;

  virtual ~BodySink() = default;
  // The most body bytes this sink takes, asked once when it is chosen: a
  // Content-Length over it is answered 413 before any body byte is read, a
  // chunked body 413 as soon as its chunk sizes add up to more.
  virtual uint64_t max_bytes() const noexcept = 0;
  // The body's next bytes (never empty), valid until `done` is called.
  virtual void Write(ByteView piece, Done done) = 0;
  // The body will not arrive whole and the handler will not be called; the
  // sink discards what it wrote. Called once, from any thread (an I/O thread,
  // the one that calls or drops a Write's `done`, or the one destroying the
  // Server), after any outstanding Write has ended.
  virtual void Abort() = 0;
  // Body bytes this sink keeps in memory once the body is written (one that
  // writes to disk: 0); counted as the request's size where requests queue
  // (api::OnPool).
  virtual uint64_t held_bytes() const noexcept { return 0; }
};

// A request body kept whole in memory, up to `max_bytes`: for bodies past
// the server's buffered-body limit (OCI manifests) or wanted as Bytes, the
// buffer a handler takes (registrations: api::StatementBodySink). `reserve`:
// bytes allocated at once, e.g. the Content-Length, so the body is never
// copied to grow.
class BufferSink final : public BodySink {
 public:
  explicit BufferSink(uint64_t max_bytes, uint64_t reserve = 0) : max_bytes_(max_bytes) {
    if (reserve > 0) body_.reserve(static_cast<size_t>(reserve));
  }
  uint64_t max_bytes() const noexcept override { return max_bytes_; }
  void Write(ByteView piece, Done done) override {
    body_.insert(body_.end(), piece.begin(), piece.end());
    done(std::nullopt);
  }
  void Abort() override { Bytes().swap(body_); }
  uint64_t held_bytes() const noexcept override { return body_.size(); }
  Bytes& body() { return body_; }
  const Bytes& body() const { return body_; }

 private:
  const uint64_t max_bytes_;
  Bytes body_;
};

// Produces a response body piece by piece, e.g. a blob of gigabytes read
// from disk, so that it is never in memory whole (Response::body_source).
//
// Backpressure: the server asks for the next piece only once the previous
// one is written to the socket, so a connection holds one piece (at most
// ServerOptions::stream_piece_bytes) whatever the body's size. The response
// head goes out in one write with the first piece. The server releases its
// reference once the body is written, when the client disconnects, or at
// once when the response has no body (HEAD, 204, 304); a Read in progress
// keeps the source until its `done` is called or destroyed.
class BodySource {
 public:
  // Ends a Read, from any thread, with how many bytes were put at the start
  // of `into`: at least 1 and at most into.size(). An error, 0 bytes, a Done
  // destroyed uncalled or a Read that throws closes the connection mid-body
  // (the client sees fewer bytes than the Content-Length): the status line
  // is gone already. The server logs it at warn level.
  using Done = std::function<void(Result<size_t> filled)>;

  virtual ~BodySource() = default;
  // The body's exact length: the Content-Length, and what the Reads deliver
  // in total. Must not change; may be called from any thread.
  virtual uint64_t size() const = 0;
  // Fills the start of `into` with the body's next bytes, in order from the
  // first; `into` stays valid until `done` is called. Never called for bytes
  // past size(), nor while a Read is outstanding. Called on an I/O thread: it
  // must not block (pread on a worker pool, then `done`).
  virtual void Read(std::span<uint8_t> into, Done done) = 0;
};

// RFC 9290 §6.3 media type; clients compare it exactly, so no parameters.
inline constexpr std::string_view kProblemDetailsMediaType =
    "application/concise-problem-details+cbor";

// RFC 9290 concise problem details: CBOR {-1: title, -2: detail} (an empty
// detail is left out) with Content-Type kProblemDetailsMediaType. No -4: RFC
// 9290 §2 defines it as a one-byte CoAP code (4.04 is 132), not an HTTP status.
Response ProblemDetails(int status, std::string_view title, std::string_view detail);

// RFC 9110 §12.5.1: true when `accept` (an Accept header value, possibly
// absent) allows `media_type` (exact, "type/*" or "*/*", q > 0).
bool Accepts(const std::optional<std::string>& accept, std::string_view media_type);

// RFC 3986 §2.1 percent-decoding; '+' becomes a space when `plus_as_space`
// (form-encoded query strings). nullopt when a '%' is not followed by two hex
// digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);
// RFC 3986 §2.1 percent-encoding of everything but the unreserved
// characters: safe as a query parameter's value or a path segment.
std::string PercentEncode(std::string_view text);

// Splits a request-target (origin-form, or absolute-form per RFC 9112 §3.2.2)
// into its percent-decoded path and its decoded query parameters ('+' is a
// space; "a" alone is a parameter with an empty value). kMalformed for an
// invalid escape, a path not starting with '/', a decoded NUL, or a "." or
// ".." segment (which could escape a {name...} route).
Status ParseTarget(std::string_view target, std::string* path,
                   std::multimap<std::string, std::string>* query);

}  // namespace scitt::http

// An asynchronous HTTP/1.1 server (Boost.Beast/Asio) with keep-alive,
// optional TLS, and limits against slow and abusive clients.
//
// Responses are written with headers and body in one gather write and
// TCP_NODELAY set (a two-piece write stalls on Nagle + delayed ACK); bodies
// are moved into the write, never copied. Bodies too large for memory are
// streamed: a request body into a BodySink (ServerOptions::stream_body), a
// response body from a BodySource (Response::body_source), one bounded piece
// at a time with backpressure in both directions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"

namespace scitt::http {

// Decides on a request from its header alone, before any of its body is
// read or 100 Continue is sent: nullopt admits it; a response refuses it
// (authentication, rate limits). `head` has no body. Runs on an I/O thread:
// it must not block.
using Admission = std::function<std::optional<Response>(const Request& head)>;

// Decides from a request's header, once it is admitted and before any of its
// body is read or 100 Continue is sent, whether the body is streamed into a
// sink (see BodySink; max_body_bytes then does not apply, the sink's
// max_bytes() does) or, for nullptr, buffered whole in Request::body. Called
// for every admitted request whose target parses, with a body or not (a sink
// chosen for an empty body gets no Write). Runs on an I/O thread: it must not
// block. If it throws, the request gets 500 and its body is not read.
using BodyStreamChoice = std::function<std::shared_ptr<BodySink>(const Request& head)>;

// Renders the responses the server gives on its own (the status and a
// human-readable title and detail): 400 for a malformed request, 413 for a
// body over its limit, 431 for a header or trailer section over its limit,
// 501 for an unknown transfer coding, 500 when the admission check or
// stream_body throws, a handler throws, drops its Responder or responds with
// an invalid response, or a BodySink's Done is dropped. `head` is the request
// as the admission check sees it, or null when its header did not parse; for
// a 500 after the handler was called it has no header fields (the handler
// took them). Responses by the application itself (an admission refusal, a
// BodySink failure, the Router's 404 and 405) do not come here. May run on
// any thread, I/O threads included: it must not block. When it throws or
// produces an invalid response, problem details are sent instead.
using RefusalRenderer = std::function<Response(const Request* head, int status, std::string_view title,
                                               std::string_view detail)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;          // 0 picks a free port (see Server::port())
  int threads = 2;               // I/O threads
  std::string tls_cert_file;     // PEM; TLS when both are set
  std::string tls_key_file;
  // PEM CA certificates: a client may present a certificate, which must
  // then chain to one of them (a bad one fails the handshake);
  // Request::client_certificate says whether one did. Routes that require
  // one check it (mutual TLS, as OPA Gatekeeper calls its providers).
  std::string tls_client_ca_file;
  size_t max_body_bytes = 1 << 20;      // larger buffered bodies get 413
  size_t max_header_bytes = 16 * 1024;  // larger headers get 431
  // Chunked bodies (RFC 9112 §7.1): a chunk-size line with its extensions
  // over this gets 400, and so do more chunk-extension bytes in one body
  // than max_header_bytes; a trailer section over max_trailer_bytes, or with
  // more than max_trailer_fields fields, gets 431. Trailer fields are
  // discarded (RFC 9110 §6.5.1), never merged into Request::headers.
  size_t max_chunk_line_bytes = 1024;
  size_t max_trailer_bytes = 8 * 1024;
  size_t max_trailer_fields = 32;
  size_t max_connections = 10000;       // beyond it new connections are closed
  // Open connections from one client address; beyond it that address's new
  // connections are closed at once, so one address cannot take every slot.
  size_t max_connections_per_address = 256;
  // When set, called for every request whose target parses. A refused
  // request with a body is answered and its connection closed without
  // reading the body (RFC 9112 §9.6 linger); one without keeps it.
  Admission admit;
  // When set, chooses the requests whose body is streamed (BodyStreamChoice).
  BodyStreamChoice stream_body;
  // The most bytes of a streamed body, request or response, that one
  // connection holds at once: the size of a piece handed to a BodySink (the
  // last may be smaller) and of the buffer a BodySource fills.
  size_t stream_piece_bytes = 256 * 1024;
  // When set, renders the server's own refusals; unset, they are RFC 9290
  // problem details (ProblemDetails).
  RefusalRenderer render_refusal;
  std::chrono::seconds header_timeout{10};  // to receive a complete header (slowloris)
  // To receive a buffered body. For a streamed body, the longest wait for
  // its next bytes instead (an idle timeout, so an upload of any size that
  // keeps making progress is never cut off); time spent waiting for the
  // sink's Done does not count.
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds idle_timeout{60};    // keep-alive idle
  // To send one response (slow readers); for a streamed response body, to
  // send each of its pieces.
  std::chrono::seconds write_timeout{30};
  size_t max_pipelined = 16;            // requests queued per connection before reads pause
  // Response bytes ready but not yet written (or being written) on one
  // connection, and on all: over either, a connection stops reading requests
  // until its own responses drain (a client pipelining large reads without
  // reading the answers). A connection with nothing queued may always read
  // one more request, so one response per connection can exceed these. A
  // streamed response counts only what it holds: its head, then the piece
  // being written.
  size_t max_queued_response_bytes = 8 << 20;
  size_t max_queued_response_bytes_total = 256 << 20;
};

// The handler runs on an I/O thread, so it must not block (hand slow work to
// another thread and respond from there). It must call the Responder exactly
// once, from any thread; later calls are ignored, and a Responder destroyed
// without being called answers 500. Responses on one connection go out in
// request order, however their handlers finish. A Responder called after its
// connection closed, or after the Server is destroyed, does nothing.
//
// Limits: a buffered body over max_body_bytes (a streamed one over its
// sink's max_bytes()) gets 413 and a header over max_header_bytes 431, and an
// unparseable request 400 (so does an HTTP/1.1 request without exactly one
// Host, RFC 9112 §3.2), all rendered by render_refusal; each closes the
// connection after the response. A streamed request body that fails after
// some of it was read (malformed, too large, the client gone or too slow, the
// sink's Write failed) aborts its sink and closes the connection too. A
// streamed response whose source fails mid-body closes the connection, so
// the client sees a short body. Timeouts and excess connections (over
// max_connections, or over max_connections_per_address from one address)
// close without a response; excess connections are logged at warn level, at
// most once a second per kind. Every request, refused or not,
// gets one info line "request" (method, path, status, ms, bytes, remote and
// the Response's log_fields; never header fields).
class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // Stop()

  // Binds and starts the I/O threads; returns once listening.
  Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes
  // connections and joins the threads. A request whose body is still being
  // read is cut off (its BodySink aborted); a streamed response goes on
  // until written or `grace` ends. Idempotent. May be called from any
  // thread (a signal-handling one included) but not from a handler.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  struct Stats {
    uint64_t connections_open = 0;
    uint64_t connections_total = 0;
    uint64_t requests_total = 0;
    uint64_t rejected_connections = 0;              // over max_connections, or stopping
    uint64_t rejected_connections_per_address = 0;  // over max_connections_per_address
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scitt::http

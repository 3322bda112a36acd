// One file by design: Session is one state machine (read, parse, admit,
// stream or buffer the body, dispatch, queue, write, linger) whose steps
// share its members and its single-threaded executor, and each limit is
// enforced at the step it bounds. Apart, as concepts of their own: the
// response's wire form (wire_response.cc), log lines (server_log.cc), the
// completions the application calls back from any thread and how they reach
// a connection (completion.cc), and a streamed body's state (body_stream.cc).
#include "http/server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/parser.hpp>

#include "base/logging.h"
#include "http/asio_util.h"
#include "http/body_stream.h"
#include "http/completion.h"
#include "http/server_log.h"
#include "http/wire_response.h"

namespace scitt::http {
namespace {

using namespace internal;

constexpr size_t kReadSize = 16 * 1024;
// RFC 9112 §9.6: after the last response, half-close and drain what the
// client still sends for this long, so that closing does not reset the
// connection before the client has read the response (a 413 in particular).
constexpr auto kLingerTime = std::chrono::seconds(2);


std::string ClientAddress(const tcp::socket& socket) {
  error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  asio::ip::address address = endpoint.address();
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; rate limits
  // and logs want the IPv4 address.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}


// The connection whose handler call is on this thread's stack (see
// Session::Complete).
thread_local const Connection* dispatching_ = nullptr;

// Everything the connections share; Server::Impl is this.
struct ServerState {
  ServerState(ServerOptions options_in, Handler handler_in)
      : options(std::move(options_in)),
        handler(std::move(handler_in)),
        contexts(MakeContexts(std::max(1, options.threads))),
        acceptor(contexts.front()->get_executor()),
        accept_retry(acceptor.get_executor()) {}

  // One single-threaded io_context per I/O thread, each with its own epoll:
  // a connection lives on one thread, so no handler is handed to another
  // thread and no lock is shared between them (one context run by several
  // threads woke a second thread for most completions: ~15% of the CPU).
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < n; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  // Round-robin over the contexts for new connections (acceptor's thread only).
  asio::io_context& NextContext() { return *contexts[next_context++ % contexts.size()]; }

  void Accept();
  void OnAccept(const error_code& ec, tcp::socket socket);
  void Unregister(uint64_t id, const std::string& remote_address);
  // Waits until no connection is open or `deadline`; true when none is.
  bool WaitForNoConnections(std::chrono::steady_clock::time_point deadline);
  std::vector<std::shared_ptr<Connection>> Connections();

  const ServerOptions options;
  const Handler handler;
  const std::shared_ptr<Lifeline> lifeline = std::make_shared<Lifeline>();
  std::optional<asio::ssl::context> tls;  // outlives the TLS streams in the contexts' handlers
  const std::vector<std::unique_ptr<asio::io_context>> contexts;
  size_t next_context = 0;
  tcp::acceptor acceptor;           // on the first context
  asio::steady_timer accept_retry;  // after an accept error such as EMFILE
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::atomic<uint16_t> port{0};

  std::mutex control_mu;  // serializes Start and Stop
  bool started = false;
  bool stopped = false;

  std::mutex connections_mu;  // guards connections, next_id, stopping
  std::condition_variable connections_cv;  // signalled when a connection closes
  // Owns the open connections: a connection lives until it closes, whether
  // or not an I/O operation holds it.
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections;
  std::unordered_map<std::string, size_t> connections_per_address;  // open ones, by client address
  uint64_t next_id = 0;
  bool stopping = false;

  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> requests_total{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> rejected_connections_per_address{0};
  std::atomic<size_t> queued_response_bytes{0};  // over all connections (Session::Backlogged)
  ThrottledWarning connection_limit_warning{"connection limit reached: new connections closed"};
  ThrottledWarning address_limit_warning{"per-address connection limit reached: new connections closed"};
};

template <typename Stream>
class Session final : public Connection {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  Session(ServerState& server, uint64_t id, tcp::socket socket, std::string remote_address)
    requires(!kTls)
      : server_(server),
        id_(id),
        executor_(socket.get_executor()),
        stream_(std::move(socket)),
        remote_address_(std::move(remote_address)),
        read_deadline_(executor_),
        write_deadline_(executor_) {}

  Session(ServerState& server, uint64_t id, tcp::socket socket, std::string remote_address)
    requires(kTls)
      : server_(server),
        id_(id),
        executor_(socket.get_executor()),
        stream_(std::move(socket), *server.tls),
        remote_address_(std::move(remote_address)),
        read_deadline_(executor_),
        write_deadline_(executor_) {}

  void Start() override {
    asio::post(executor_, [self = Self()] { self->Begin(); });
  }

  void Complete(uint64_t sequence, WireResponse response) override {
    // A handler that answers at once, on this connection's thread, fills its
    // slot before the next pipelined request is read, so the queued-bytes
    // bound sees it (a posted Fill would run only after every buffered
    // request had been dispatched).
    if (dispatching_ == this) {
      Fill(sequence, std::move(response));
      return;
    }
    asio::post(executor_, [self = Self(), sequence, response = std::move(response)]() mutable {
      self->Fill(sequence, std::move(response));
    });
  }

  void SinkWritten(std::shared_ptr<SinkStream> stream, SinkOutcome outcome) override {
    asio::post(executor_, [self = Self(), stream = std::move(stream), outcome = std::move(outcome)]() mutable {
      self->OnSinkWritten(stream, std::move(outcome));
    });
  }

  void PieceRead(std::shared_ptr<SourceStream> stream, Result<size_t> filled) override {
    asio::post(executor_, [self = Self(), stream = std::move(stream), filled = std::move(filled)]() mutable {
      self->OnPieceRead(stream, std::move(filled));
    });
  }

  void Drain() override {
    asio::post(executor_, [self = Self()] {
      self->draining_ = true;
      self->read_stopped_ = true;
      self->CheckQuiet();
    });
  }

  void Abort() override {
    asio::post(executor_, [self = Self()] { self->Close(); });
  }

 private:
  enum class Phase { kIdle, kHeader, kBody };
  // kWriting: a piece of a streamed body is with its sink (OnSinkWritten goes on).
  enum class Parsed { kNeedMore, kDispatched, kStopped, kWriting };

  // A response slot, in request order. Filled when its handler responds.
  struct Slot {
    bool ready = false;
    bool close = false;
    WireResponse response;
  };

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  tcp::socket& Socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  const ServerOptions& options() const { return server_.options; }

  void Begin() {
    if constexpr (kTls) {
      ArmRead(options().header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = Self()](const error_code& ec) {
        if (self->closed_) return;
        if (ec) {
          self->Close();
          return;
        }
        // With SSL_VERIFY_PEER a certificate that was sent has verified.
        X509* peer = SSL_get_peer_certificate(self->stream_.native_handle());
        self->client_certificate_ = peer != nullptr && SSL_get_verify_result(self->stream_.native_handle()) == X509_V_OK;
        X509_free(peer);
        self->ReadNext();
      });
    } else {
      ReadNext();
    }
  }

  // Starts on the next request: from bytes already buffered (pipelining),
  // or by reading. Pauses while a request of this connection is still being
  // handled, while max_pipelined responses are outstanding, or while too
  // many response bytes wait to be written (a client that pipelines large
  // reads without reading the answers); OnWrite resumes it. One request at a
  // time per connection: handlers run on worker pools, and a client that
  // pipelines 16 page reads would otherwise have all 16 pages built at once
  // before the byte bound could see any of them.
  void ReadNext() {
    // A request whose streamed body waits for its sink is still being read.
    if (phase_ != Phase::kIdle) return;
    while (!closed_ && !read_stopped_ && !reading_) {
      if (Handling() || queue_.size() >= std::max<size_t>(1, options().max_pipelined) || Backlogged()) {
        DisarmRead();  // resumed when a response has been written
        return;
      }
      parser_.emplace();
      parser_->header_limit(static_cast<uint32_t>(std::min<size_t>(options().max_header_bytes, UINT32_MAX)));
      // Set in EnterBody, once it is known whether a sink takes the body:
      // Beast checks a Content-Length against it as the header completes.
      parser_->body_limit(boost::none);
      parser_->on_chunk_header(on_chunk_header_);
      chunk_extension_bytes_ = 0;
      request_.method.clear();  // unknown until the header is whole (Access)
      request_.target.clear();
      have_head_ = false;
      phase_ = Phase::kIdle;
      if (buffer_.size() == 0) {
        DisarmRead();
        DoRead();
        CheckQuiet();  // arms the idle timeout when nothing is in flight
        return;
      }
      EnterHeader();
      const Parsed parsed = Parse();
      if (parsed == Parsed::kStopped) return;
      if (parsed == Parsed::kNeedMore) {
        DoRead();
        return;
      }
    }
  }

  void DoRead() {
    reading_ = true;
    stream_.async_read_some(buffer_.prepare(kReadSize),
                            [self = Self()](const error_code& ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const error_code& ec, size_t n) {
    reading_ = false;
    if (closed_ || read_stopped_) return;
    if (ec) {
      const bool clean_end = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      if (clean_end && phase_ == Phase::kIdle) {
        // The client half-closed: answer what it asked, then close.
        peer_closed_ = true;
        read_stopped_ = true;
        DisarmRead();
        CheckQuiet();
      } else {
        Close();
      }
      return;
    }
    buffer_.commit(n);
    if (phase_ == Phase::kIdle) EnterHeader();
    // A streamed body may take any time as long as bytes keep coming.
    if (sink_) ArmRead(options().body_timeout);
    Continue(Parse());
  }

  void Continue(Parsed parsed) {
    switch (parsed) {
      case Parsed::kNeedMore:
        DoRead();
        break;
      case Parsed::kDispatched:
        ReadNext();
        break;
      case Parsed::kStopped:
      case Parsed::kWriting:
        break;
    }
  }

  // The header timeout runs from the first byte of a request (slowloris).
  void EnterHeader() {
    phase_ = Phase::kHeader;
    ArmRead(options().header_timeout);
  }

  // Called once the header is complete; false when the request was refused.
  bool EnterBody() {
    const auto& header = parser_->get();
    StartRequest(header);
    // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host and for any
    // request with more than one (which would leave the authority ambiguous).
    const size_t hosts = header.count(bhttp::field::host);
    if (hosts > 1 || (hosts == 0 && header.version() >= 11)) {
      Reject(Refusal(400, "Malformed request", "The request needs exactly one Host header field"));
      return false;
    }
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
    // framing, even with a Content-Length; answer and close.
    if (header.version() < 11 && header.count(bhttp::field::transfer_encoding) != 0) {
      Reject(Refusal(400, "Malformed request", "Transfer-Encoding is not defined in HTTP/1.0"));
      return false;
    }
    // RFC 9112 §6.3: a request whose Transfer-Encoding does not end in
    // chunked has no determinable length (400); §6.1: codings other than
    // chunked are not implemented here (501). Beast would read no body.
    if (header.count(bhttp::field::transfer_encoding) != 0) {
      ptrdiff_t codings = 0;
      for (const auto& field : header) {
        if (field.name() != bhttp::field::transfer_encoding) continue;
        const bhttp::token_list list(field.value());
        codings += std::distance(list.begin(), list.end());
      }
      if (!parser_->chunked()) {
        Reject(Refusal(400, "Malformed request", "The request body length cannot be determined"));
        return false;
      }
      if (codings != 1) {
        Reject(Refusal(501, "Not Implemented", "Only the chunked transfer coding is supported"));
        return false;
      }
    }
    header_fields_ = std::distance(header.begin(), header.end());
    if (target_.ok() && options().admit) {
      std::optional<Response> refusal;
      try {
        refusal = options().admit(request_);
      } catch (const std::exception&) {
        refusal = Refusal(500, "Internal Server Error", "The admission check failed");
      }
      if (refusal) {
        // Refused on its header (authentication, rate limits): no byte of a
        // body is read, no 100 Continue sent, and the connection closes,
        // since the unread body cannot be told from the next request. A
        // request without a body keeps its connection.
        if (!parser_->is_done()) {
          Reject(std::move(*refusal));
          return false;
        }
        refusal_ = std::move(refusal);
      }
    }
    if (target_.ok() && !refusal_ && options().stream_body) {
      std::shared_ptr<BodySink> sink;
      try {
        sink = options().stream_body(request_);
      } catch (const std::exception&) {
        Reject(Refusal(500, "Internal Server Error", "The request body could not be taken"));
        return false;
      }
      if (sink) sink_ = std::make_shared<SinkStream>(std::move(sink), options().stream_piece_bytes);
    }
    body_limit_ = sink_ ? sink_->max_bytes : options().max_body_bytes;
    if (!parser_->is_done()) {
      // Before any body byte is read, and before 100 Continue.
      if (const boost::optional<uint64_t> length = parser_->content_length(); length && *length > body_limit_) {
        Reject(BodyTooLarge());
        return false;
      }
      parser_->body_limit(body_limit_);  // for a chunked body
      if (sink_) {
        sink_->piece.reserve(sink_->piece_capacity);  // allocated only when there is a body
        RequestBody::value_type& body = parser_->get().body();
        body.piece = &sink_->piece;
        body.piece_capacity = sink_->piece_capacity;
      }
    }
    phase_ = Phase::kBody;
    ArmRead(options().body_timeout);
    // RFC 9110 §10.1.1: a client that sent Expect: 100-continue may wait for
    // the interim response before sending the body; it takes its place in
    // the response order like any other.
    if (!parser_->is_done() && header.version() >= 11 &&
        beast::iequals(header[bhttp::field::expect], "100-continue")) {
      WireResponse interim;
      interim.status = 100;
      interim.head = "HTTP/1.1 100 Continue\r\n\r\n";
      queue_.push_back(Slot{true, false, std::move(interim)});
      AddQueued(queue_.back().response.size());
      MaybeWrite();
    }
    return true;
  }

  Parsed Parse() {
    error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec == bhttp::error::need_buffer) return WriteToSink();  // the piece is full
      if (ec) {
        Reject(ParseError(ec));
        return Parsed::kStopped;
      }
      if (parser_->is_header_done() && phase_ != Phase::kBody && !EnterBody()) return Parsed::kStopped;
      if (used == 0) break;
    }
    if (parser_->is_header_done() && phase_ != Phase::kBody && !EnterBody()) return Parsed::kStopped;
    if (!parser_->is_done()) {
      if (std::optional<Response> refusal = CheckChunkBacklog()) {
        Reject(std::move(*refusal));
        return Parsed::kStopped;
      }
      return Parsed::kNeedMore;
    }
    const size_t fields = std::distance(parser_->get().begin(), parser_->get().end());
    if (fields - header_fields_ > options().max_trailer_fields) {
      Reject(TrailerTooLarge());
      return Parsed::kStopped;
    }
    if (sink_ && !sink_->piece.empty()) return WriteToSink();  // the body's last piece
    Dispatch();
    return Parsed::kDispatched;
  }

  // Hands the piece to the sink. Nothing more is read from the connection
  // until its Done (OnSinkWritten): that is the backpressure that bounds an
  // upload's memory to one piece.
  Parsed WriteToSink() {
    DisarmRead();  // the time the sink takes is not the client's
    BodySink::Done done = SinkDone(server_.lifeline, weak_from_this(), sink_);
    try {
      sink_->sink().Write(AsBytes(sink_->piece), done);
    } catch (const std::exception&) {
      done(Refusal(500, "Internal Server Error", "The request body could not be stored"));  // unless it called Done
    }
    return Parsed::kWriting;
  }

  void OnSinkWritten(const std::shared_ptr<SinkStream>& stream, SinkOutcome outcome) {
    if (closed_ || stream != sink_) return;
    sink_->piece.clear();
    if (outcome.dropped) {
      Reject(Refusal(500, "Internal Server Error", "The request body could not be stored"));
      return;
    }
    if (outcome.failure) {
      Reject(std::move(*outcome.failure));
      return;
    }
    if (read_stopped_) {  // Server::Stop while the sink wrote
      Close();
      return;
    }
    if (!parser_->is_done()) ArmRead(options().body_timeout);
    Continue(Parse());
  }

  // Beast keeps an incomplete chunk-size line or trailer section in the read
  // buffer, unbounded (its header_limit covers only the header): 572 MB of
  // one endless chunk extension once grew the server to 1.2 GB. Chunk data
  // is consumed as it arrives, so what stays buffered while the parser needs
  // more is [CRLF ending the previous chunk] chunk-line, or, once the
  // last-chunk line is complete, the trailer section.
  std::optional<Response> CheckChunkBacklog() const {
    if (phase_ != Phase::kBody || !parser_->chunked()) return std::nullopt;
    std::string_view pending(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    if (pending.starts_with("\r\n")) pending.remove_prefix(2);
    const size_t line_end = pending.find("\r\n");
    if (line_end == std::string_view::npos) {
      if (pending.size() <= options().max_chunk_line_bytes) return std::nullopt;
      return Refusal(400, "Malformed request",
                     "A chunk-size line is longer than " + std::to_string(options().max_chunk_line_bytes) + " bytes");
    }
    const std::string_view trailer = pending.substr(line_end + 2);
    const size_t trailer_fields = static_cast<size_t>(std::count(trailer.begin(), trailer.end(), '\n'));
    if (trailer.size() <= options().max_trailer_bytes && trailer_fields <= options().max_trailer_fields) {
      return std::nullopt;
    }
    return TrailerTooLarge();
  }

  Response TrailerTooLarge() const {
    return Refusal(431, "Request Header Fields Too Large",
                   "The trailer section is larger than " + std::to_string(options().max_trailer_bytes) +
                       " bytes or has more than " + std::to_string(options().max_trailer_fields) + " fields");
  }

  Response BodyTooLarge() const {
    return Refusal(413, "Content Too Large", "The request body is larger than " + std::to_string(body_limit_) + " bytes");
  }

  // A refusal by the server itself, rendered by render_refusal.
  Response Refusal(int status, std::string_view title, std::string_view detail) const {
    return RenderRefusal(options(), have_head_ ? &request_ : nullptr, status, title, detail);
  }

  // Beast's chunk-header callback: bounds the extensions of one body (they
  // are parsed and discarded, so only their cost matters).
  void OnChunkHeader(std::string_view extensions, error_code& ec) {
    chunk_extension_bytes_ += extensions.size();
    if (extensions.size() > options().max_chunk_line_bytes ||
        chunk_extension_bytes_ > options().max_header_bytes) {
      ec = bhttp::error::bad_chunk_extension;
    }
  }

  Response ParseError(const error_code& ec) const {
    if (ec == bhttp::error::header_limit) {
      return Refusal(431, "Request Header Fields Too Large",
                     "The request header is larger than " + std::to_string(options().max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) return BodyTooLarge();
    if (ec == bhttp::error::bad_chunk_extension) {
      return Refusal(400, "Malformed request", "A chunk extension is malformed or too long");
    }
    return Refusal(400, "Malformed request", "The request could not be parsed");
  }

  // Answers a request that cannot be served (unparseable, over a limit) and
  // closes: what follows it on the connection cannot be framed reliably.
  void Reject(Response response) {
    ++server_.requests_total;
    Framing framing;
    framing.close = true;
    framing.head = parser_ && parser_->is_header_done() && parser_->get().method() == bhttp::verb::head;
    parser_.reset();
    sink_.reset();  // Abort, now or when its Write ends (after the parser, which points into it)
    read_stopped_ = true;
    DisarmRead();
    const auto log_fields = std::move(response.log_fields);
    WireResponse wire = Serialize(std::move(response), framing);
    if (std::optional<AccessRecord> access = Access()) LogAccess(*access, wire, log_fields);
    queue_.push_back(Slot{true, true, std::move(wire)});
    AddQueued(queue_.back().response.size());
    MaybeWrite();
  }

  void Dispatch() {
    bhttp::request<RequestBody> message = parser_->release();
    parser_.reset();
    phase_ = Phase::kIdle;
    DisarmRead();  // no deadline while the handler works; ReadNext sets the next
    ++server_.requests_total;

    Framing framing;
    framing.head = message.method() == bhttp::verb::head;
    framing.close = !message.keep_alive();
    framing.http10_keep_alive = message.version() == 10 && message.keep_alive();
    if (framing.close) read_stopped_ = true;
    const uint64_t sequence = base_sequence_ + queue_.size();
    queue_.push_back(Slot{false, framing.close, {}});

    std::optional<AccessRecord> access = Access();
    std::optional<Response> refusal = std::move(refusal_);
    refusal_.reset();
    if (!target_.ok()) refusal = Refusal(400, "Malformed request", target_.message());
    // What render_refusal gets if this request ends in a 500 after all (a
    // dropped Responder): the head without its fields, which are not copied
    // for every request.
    std::optional<Request> refusal_head;
    if (options().render_refusal) {
      refusal_head.emplace();
      refusal_head->method = request_.method;
      refusal_head->target = request_.target;
      refusal_head->path = request_.path;
      refusal_head->query = request_.query;
      refusal_head->remote_address = request_.remote_address;
    }
    Request request = std::move(request_);
    have_head_ = false;
    request.body = std::move(message.body().text);
    if (sink_) {
      request.body_stream = sink_->Deliver();
      sink_.reset();
    }

    auto pending = std::make_shared<PendingResponse>(server_.lifeline, options(), weak_from_this(), sequence, framing,
                                                     std::move(access), std::move(refusal_head));
    dispatching_ = this;
    if (refusal) {
      pending->Respond(std::move(*refusal));
      dispatching_ = nullptr;
      return;
    }
    try {
      server_.handler(std::move(request), [pending](Response response) {
        pending->Respond(std::move(response));
      });
      dispatching_ = nullptr;
    } catch (const std::exception&) {
      dispatching_ = nullptr;
      // Ignored when the handler responded before throwing.
      pending->Fail("The request handler failed");
    }
  }

  // The current request's access record, now complete; nullopt when info
  // lines are off (nothing is copied then). Method and path are empty when
  // the request was refused before its header was whole.
  std::optional<AccessRecord> Access() const {
    if (!logging::Enabled(logging::Level::kInfo)) return std::nullopt;
    const std::string_view target = request_.target;
    return AccessRecord{request_.method, std::string(target.substr(0, target.find('?'))), remote_address_,
                        std::chrono::steady_clock::now()};
  }

  // The request as handlers and the admission check see it, from its
  // header: method, target, path and query, header fields, client address.
  void StartRequest(const bhttp::request_header<>& header) {
    request_ = Request();
    have_head_ = true;
    request_.method = std::string(header.method_string());
    request_.target = std::string(header.target());
    // Built before the body is read, so the trailer fields Beast appends
    // later never count as header fields (RFC 9110 §6.5.1 lets a recipient
    // discard them; an Authorization after the body must not authorize).
    for (const auto& field : header) {
      // RFC 9110 §5.3: repeated fields combine into one comma-separated list.
      auto [it, inserted] = request_.headers.try_emplace(std::string(field.name_string()),
                                                          std::string(field.value()));
      if (!inserted) {
        it->second += ", ";
        it->second += field.value();
      }
    }
    request_.remote_address = remote_address_;
    request_.client_certificate = client_certificate_;
    target_ = ParseTarget(request_.target, &request_.path, &request_.query);
  }

  void Fill(uint64_t sequence, WireResponse response) {
    if (closed_ || sequence < base_sequence_ || sequence - base_sequence_ >= queue_.size()) return;
    Slot& slot = queue_[sequence - base_sequence_];
    AddQueued(response.size());
    slot.response = std::move(response);
    slot.ready = true;
    MaybeWrite();
  }

  // Response bytes ready or being written, on this connection and in all.
  void AddQueued(size_t bytes) {
    queued_bytes_ += bytes;
    server_.queued_response_bytes += bytes;
  }
  void RemoveQueued(size_t bytes) {
    queued_bytes_ -= bytes;
    server_.queued_response_bytes -= bytes;
  }
  // True while a request read on this connection has not been answered.
  bool Handling() const { return !queue_.empty() && !queue_.back().ready; }

  // True when no further request may be read until responses drain: over
  // this connection's bound, or over the server's while this connection has
  // responses of its own to drain (one with none may always go on, so no
  // connection waits on another's slow reader).
  bool Backlogged() const {
    if (queued_bytes_ == 0) return false;
    return queued_bytes_ >= options().max_queued_response_bytes ||
           server_.queued_response_bytes.load(std::memory_order_relaxed) >=
               options().max_queued_response_bytes_total;
  }

  // Writes every ready response at the head of the queue in one gather
  // write; bodies are moved into it, never copied. A response with a body
  // source goes on its own, after those before it (StartSource).
  void MaybeWrite() {
    if (writing_ || closed_ || source_) return;
    in_flight_.clear();
    bool close_after = false;
    while (!queue_.empty() && queue_.front().ready && !close_after) {
      if (queue_.front().response.body_source) {
        if (in_flight_.empty()) StartSource();
        break;
      }
      close_after = queue_.front().close;
      in_flight_.push_back(std::move(queue_.front().response));
      queue_.pop_front();
      ++base_sequence_;
    }
    if (in_flight_.empty()) {
      CheckQuiet();
      return;
    }
    write_buffers_.clear();
    for (const WireResponse& response : in_flight_) {
      write_buffers_.push_back(asio::buffer(response.head));
      if (!response.body.empty()) write_buffers_.push_back(asio::buffer(response.body));
    }
    writing_ = true;
    ArmWrite();
    asio::async_write(stream_, write_buffers_, [self = Self(), close_after](const error_code& ec, size_t) {
      self->OnWrite(ec, close_after);
    });
  }

  void OnWrite(const error_code& ec, bool close_after) {
    writing_ = false;
    DisarmWrite();
    size_t written = 0;
    for (const WireResponse& response : in_flight_) written += response.size();
    RemoveQueued(written);
    in_flight_.clear();
    if (closed_) return;
    if (ec) {
      Close();
      return;
    }
    if (close_after) {
      LingerClose();
      return;
    }
    Written();
  }

  // A response is written whole: on to the next, and to the next request.
  void Written() {
    MaybeWrite();
    if (!reading_) ReadNext();
    CheckQuiet();
  }

  // Starts streaming the response at the head of the queue: its head waits
  // for the first piece, to go out in one write with it.
  void StartSource() {
    Slot slot = std::move(queue_.front());
    queue_.pop_front();
    ++base_sequence_;
    source_close_ = slot.close;
    source_queued_ = slot.response.size();  // counted since Fill
    source_ = std::make_shared<SourceStream>(std::move(slot.response.body_source), std::move(slot.response.head),
                                             options().stream_piece_bytes);
    // Posted: a handler that answers on this thread fills its slot under the
    // lifeline's lock (Complete), which a source's Done takes when it is
    // called at once, within Read.
    asio::post(executor_, [self = Self(), stream = source_] {
      if (!self->closed_ && self->source_ == stream) self->ReadPiece();
    });
  }

  // Asks the source for the next piece; called only when the previous one is
  // written, so the socket's pace bounds the source's.
  void ReadPiece() {
    BodySource::Done done = SourceDone(server_.lifeline, weak_from_this(), source_);
    try {
      source_->source().Read(source_->NextPiece(), done);
    } catch (const std::exception& e) {
      done(MakeError(ErrorCode::kInternal, e.what()));  // ignored if it called Done first
    }
  }

  void OnPieceRead(const std::shared_ptr<SourceStream>& stream, Result<size_t> filled) {
    if (closed_ || stream != source_) return;
    if (!filled.ok() || *filled == 0 || *filled > stream->NextPiece().size()) {
      // The status line and Content-Length are sent (or about to be):
      // closing is the only way left to tell the client.
      logging::Warn("a response body source failed: connection closed mid-body",
                    {{"error", filled.ok() ? "read " + std::to_string(*filled) + " bytes" : filled.error().message},
                     {"remote", remote_address_}});
      Close();
      return;
    }
    stream->Filled(*filled);
    AddQueued(*filled);
    source_queued_ += *filled;
    write_buffers_.clear();
    if (!stream->head.empty()) write_buffers_.push_back(asio::buffer(stream->head));
    write_buffers_.push_back(asio::buffer(stream->piece().data(), stream->piece().size()));
    writing_ = true;
    ArmWrite();
    // The handler holds the stream: the buffers stay valid however the
    // connection ends.
    asio::async_write(stream_, write_buffers_, [self = Self(), stream](const error_code& ec, size_t) {
      self->OnPieceWritten(ec);
    });
  }

  void OnPieceWritten(const error_code& ec) {
    writing_ = false;
    DisarmWrite();
    RemoveQueued(source_queued_);
    source_queued_ = 0;
    if (closed_) return;
    if (ec) {
      Close();
      return;
    }
    source_->head = std::string();
    if (source_->remaining() > 0) {
      ReadPiece();
      return;
    }
    source_.reset();
    if (source_close_) {
      LingerClose();
      return;
    }
    Written();
  }

  // Called when the queue may have emptied: closes a draining or half-closed
  // connection, or starts the keep-alive idle timeout.
  void CheckQuiet() {
    if (closed_ || writing_ || source_ || !queue_.empty()) return;
    if (draining_ || peer_closed_) {
      Close();
    } else if (reading_ && phase_ == Phase::kIdle) {
      ArmRead(options().idle_timeout);
    }
  }

  void LingerClose() {
    error_code ignored;
    Socket().shutdown(tcp::socket::shutdown_send, ignored);
    ArmRead(kLingerTime);
    if (!reading_) Discard();
  }

  void Discard() {
    reading_ = true;
    Socket().async_read_some(asio::buffer(linger_buffer_), [self = Self()](const error_code& ec, size_t) {
      self->reading_ = false;
      if (self->closed_) return;
      if (ec) {
        self->Close();
      } else {
        self->Discard();
      }
    });
  }

  void ArmRead(std::chrono::steady_clock::duration timeout) { Arm(read_deadline_, timeout); }
  void DisarmRead() { read_deadline_.due = Deadline::kNone; }
  void ArmWrite() { Arm(write_deadline_, options().write_timeout); }
  void DisarmWrite() { write_deadline_.due = Deadline::kNone; }

  // A deadline is a time and at most one timer wait that fires no later
  // than it. Arming for a later time (every keep-alive request moves its
  // deadlines later) only stores the time: the wait in progress fires,
  // finds the deadline moved and waits again. Setting the timer at every
  // arm and disarm cost a timerfd_settime system call most times (asio
  // resets the timerfd whenever the earliest of its timers changes): about
  // 4.5% of the server's CPU under receipt reads, 2% under registrations.
  struct Deadline {
    static constexpr auto kNone = std::chrono::steady_clock::time_point::max();
    explicit Deadline(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    std::chrono::steady_clock::time_point due = kNone;  // Close() then, unless moved
    // When the wait in progress, if any, ends: never after `due`.
    std::optional<std::chrono::steady_clock::time_point> waiting_until;
  };

  void Arm(Deadline& deadline, std::chrono::steady_clock::duration timeout) {
    deadline.due = std::chrono::steady_clock::now() + timeout;
    if (deadline.waiting_until && *deadline.waiting_until <= deadline.due) return;  // it fires first
    Wait(deadline);
  }

  // Sets the timer for `due` (a wait in progress ends as operation_aborted).
  void Wait(Deadline& deadline) {
    deadline.waiting_until = deadline.due;
    deadline.timer.expires_at(deadline.due);
    deadline.timer.async_wait([self = Self(), &deadline](const error_code& ec) {
      if (ec == asio::error::operation_aborted) return;  // replaced by an earlier wait, or closed
      deadline.waiting_until.reset();
      if (self->closed_ || deadline.due == Deadline::kNone) return;
      if (std::chrono::steady_clock::now() >= deadline.due) {
        self->Close();
      } else {
        self->Wait(deadline);  // moved later meanwhile
      }
    });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    for (Deadline* deadline : {&read_deadline_, &write_deadline_}) {
      deadline->due = Deadline::kNone;
      deadline->timer.cancel();
    }
    error_code ignored;
    Socket().close(ignored);
    // The write in progress, if any, still owns in_flight_ (OnWrite releases
    // it) or the source's bytes (OnPieceWritten).
    for (const Slot& slot : queue_) RemoveQueued(slot.response.size());
    queue_.clear();
    if (!writing_) {
      RemoveQueued(source_queued_);
      source_queued_ = 0;
    }
    source_.reset();  // released now, or when its Read or write in progress ends
    parser_.reset();
    sink_.reset();  // Abort, now or when its Write ends (after the parser, which points into it)
    server_.Unregister(id_, remote_address_);
  }

  ServerState& server_;
  const uint64_t id_;
  asio::any_io_executor executor_;  // the socket's: one single-threaded io_context
  Stream stream_;
  const std::string remote_address_;
  bool client_certificate_ = false;  // set by the TLS handshake
  Deadline read_deadline_;   // header, body, idle or linger
  Deadline write_deadline_;  // write_timeout for the write in progress

  beast::flat_buffer buffer_;  // received bytes not yet parsed
  std::optional<bhttp::request_parser<RequestBody>> parser_;
  size_t header_fields_ = 0;          // fields of the current request's header (the rest are trailers)
  Request request_;                   // the current request without its body (StartRequest)
  Status target_ = Status::Ok();      // whether its target parsed
  std::optional<Response> refusal_;   // the admission check's answer to a request without a body
  size_t chunk_extension_bytes_ = 0;  // of the current request's body
  bool have_head_ = false;            // request_ holds the current request's header (Refusal)
  // The sink taking the current request's body, until the handler gets it;
  // a piece is with the sink while Parse has returned kWriting.
  std::shared_ptr<SinkStream> sink_;
  uint64_t body_limit_ = 0;           // the current request's: max_body_bytes or the sink's
  // Beast keeps a reference to the callback: it lives as long as the session.
  std::function<void(uint64_t, std::string_view, error_code&)> on_chunk_header_ =
      [this](uint64_t, std::string_view extensions, error_code& ec) { OnChunkHeader(extensions, ec); };
  Phase phase_ = Phase::kIdle;
  bool reading_ = false;
  bool read_stopped_ = false;  // no more requests on this connection
  bool peer_closed_ = false;   // the client half-closed after its requests
  bool draining_ = false;      // Server::Stop: close once the queue empties
  bool closed_ = false;

  // Responses in request order; queue_[i] answers request base_sequence_ + i.
  std::deque<Slot> queue_;
  uint64_t base_sequence_ = 0;
  bool writing_ = false;
  std::vector<WireResponse> in_flight_;          // the responses of the write in progress
  std::vector<asio::const_buffer> write_buffers_;  // their heads and bodies, in order
  size_t queued_bytes_ = 0;  // in ready slots, in_flight_ and source_ (see Backlogged)
  // The response whose body is being streamed, taken off the queue; it
  // closes the connection when source_close_.
  std::shared_ptr<SourceStream> source_;
  bool source_close_ = false;
  size_t source_queued_ = 0;  // its head and piece, while in queued_bytes_
  std::array<char, 4096> linger_buffer_;
};

}  // namespace

struct Server::Impl : ServerState {
  using ServerState::ServerState;
};

void ServerState::Accept() {
  acceptor.async_accept(NextContext(), [this](const error_code& ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerState::OnAccept(const error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors or similar: try again shortly instead of spinning.
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec && acceptor.is_open()) Accept();
    });
    return;
  }
  Accept();

  error_code ignored;
  std::string remote_address = ClientAddress(socket);
  std::lock_guard lock(connections_mu);
  if (stopping || connections.size() >= options.max_connections) {
    ++rejected_connections;
    socket.close(ignored);
    if (!stopping) connection_limit_warning.Note(remote_address);
    return;
  }
  // One address cannot hold every connection slot (the others would be
  // closed unanswered until its idle connections time out).
  size_t& from_address = connections_per_address[remote_address];
  if (from_address >= options.max_connections_per_address) {
    ++rejected_connections_per_address;
    socket.close(ignored);
    address_limit_warning.Note(remote_address);
    return;
  }
  ++from_address;
  socket.set_option(tcp::no_delay(true), ignored);
  const uint64_t id = next_id++;
  std::shared_ptr<Connection> connection;
  if (tls) {
    connection = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(*this, id, std::move(socket),
                                                                            std::move(remote_address));
  } else {
    connection =
        std::make_shared<Session<tcp::socket>>(*this, id, std::move(socket), std::move(remote_address));
  }
  connections.emplace(id, connection);
  ++connections_total;
  connection->Start();
}

void ServerState::Unregister(uint64_t id, const std::string& remote_address) {
  std::shared_ptr<Connection> connection;  // released outside the lock
  {
    std::lock_guard lock(connections_mu);
    auto it = connections.find(id);
    if (it == connections.end()) return;
    connection = std::move(it->second);
    connections.erase(it);
    auto count = connections_per_address.find(remote_address);
    if (count != connections_per_address.end() && --count->second == 0) connections_per_address.erase(count);
  }
  connections_cv.notify_all();
}

bool ServerState::WaitForNoConnections(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(connections_mu);
  return connections_cv.wait_until(lock, deadline, [this] { return connections.empty(); });
}

std::vector<std::shared_ptr<Connection>> ServerState::Connections() {
  std::lock_guard lock(connections_mu);
  std::vector<std::shared_ptr<Connection>> out;
  out.reserve(connections.size());
  for (const auto& [id, connection] : connections) out.push_back(connection);
  return out;
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  Stop();
  std::lock_guard lock(impl_->lifeline->mu);
  impl_->lifeline->alive = false;
}

Status Server::Start() {
  std::lock_guard control(impl_->control_mu);
  if (impl_->started) return MakeError(ErrorCode::kInternal, "the server was already started");
  const ServerOptions& options = impl_->options;

  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
  }
  if (!options.tls_client_ca_file.empty() && options.tls_cert_file.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "client certificates need TLS (a certificate and a key file)");
  }
  if (!options.tls_cert_file.empty()) {
    asio::ssl::context& tls = impl_->tls.emplace(asio::ssl::context::tls_server);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
    // TLS 1.2 is the oldest version without known protocol-level breaks.
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    error_code ec;
    tls.use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) {
      return MakeError(ErrorCode::kIo, "cannot load TLS certificate " + options.tls_cert_file + ": " +
                                           ec.message());
    }
    tls.use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return MakeError(ErrorCode::kIo, "cannot load TLS key " + options.tls_key_file + ": " + ec.message());
    }
    if (!options.tls_client_ca_file.empty()) {
      tls.load_verify_file(options.tls_client_ca_file, ec);
      if (ec) {
        return MakeError(ErrorCode::kIo, "cannot load TLS client CA certificates " + options.tls_client_ca_file +
                                             ": " + ec.message());
      }
      // Asked for, not required: other clients of the same listener have none.
      tls.set_verify_mode(asio::ssl::verify_peer, ec);
      // The CAs named in the certificate request (the context takes the list).
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.tls_client_ca_file.c_str())) {
        SSL_CTX_set_client_CA_list(tls.native_handle(), names);
      }
    }
  }

  error_code ec;
  tcp::resolver resolver(*impl_->contexts.front());
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return MakeError(ErrorCode::kIo, "cannot resolve " + options.host + ": " + ec.message());
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = impl_->acceptor;
  const std::string where = options.host + ":" + std::to_string(options.port);
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return MakeError(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message());
  }
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    acceptor.close();
    return MakeError(ErrorCode::kIo, "cannot bind " + where + ": " + ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    acceptor.close();
    return MakeError(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint(ec).port();

  impl_->started = true;
  asio::post(acceptor.get_executor(), [impl = impl_.get()] { impl->Accept(); });
  for (const auto& context : impl_->contexts) {
    impl_->work.emplace_back(context->get_executor());
    impl_->threads.emplace_back([context = context.get()] { context->run(); });
  }
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->port; }

void Server::Stop(std::chrono::milliseconds grace) {
  std::lock_guard control(impl_->control_mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  {
    std::lock_guard lock(impl_->connections_mu);
    impl_->stopping = true;  // connections accepted from now on are closed
  }
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    error_code ignored;
    impl->acceptor.close(ignored);
    impl->accept_retry.cancel();
  });
  for (const auto& connection : impl_->Connections()) connection->Drain();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  if (!impl_->WaitForNoConnections(deadline)) {
    for (const auto& connection : impl_->Connections()) connection->Abort();
    // Closing is immediate once the contexts run; the bound only guards
    // against a handler that blocks an I/O thread.
    (void)impl_->WaitForNoConnections(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
  impl_->work.clear();
  for (const auto& context : impl_->contexts) context->stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  std::lock_guard lock(impl_->connections_mu);
  impl_->connections.clear();
  impl_->connections_per_address.clear();
}

Server::Stats Server::stats() const {
  Stats stats;
  {
    std::lock_guard lock(impl_->connections_mu);
    stats.connections_open = impl_->connections.size();
  }
  stats.connections_total = impl_->connections_total;
  stats.requests_total = impl_->requests_total;
  stats.rejected_connections = impl_->rejected_connections;
  stats.rejected_connections_per_address = impl_->rejected_connections_per_address;
  return stats;
}

}  // namespace scitt::http

// Internal to src/http: how what the application calls back from any thread
// (a Responder, the Done of a BodySink's Write or of a BodySource's Read)
// reaches its connection: only while the server lives (Lifeline), and
// through the Connection interface, whose methods post to the connection's
// own thread. Also the rendering of the server's own refusals.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "http/body_stream.h"
#include "http/message.h"
#include "http/server.h"
#include "http/server_log.h"
#include "http/wire_response.h"

namespace scitt::http::internal {

// The server's own refusal: rendered by options.render_refusal, or problem
// details when there is none or it fails.
Response RenderRefusal(const ServerOptions& options, const Request* head, int status, std::string_view title,
                       std::string_view detail);

// Keeps completions from touching the server after it is destroyed.
struct Lifeline {
  std::mutex mu;  // held while a completion posts to a connection
  bool alive = true;
};

// One accepted connection, whatever its stream type.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void Start() = 0;
  // The remaining methods are thread-safe: they post to the connection's
  // single-threaded io_context.
  virtual void Complete(uint64_t sequence, WireResponse response) = 0;
  // A BodySink's Write of `stream`'s piece ended.
  virtual void SinkWritten(std::shared_ptr<SinkStream> stream, SinkOutcome outcome) = 0;
  // A BodySource's Read into `stream`'s buffer ended.
  virtual void PieceRead(std::shared_ptr<SourceStream> stream, Result<size_t> filled) = 0;
  // Stop reading; close once the requests already read are answered.
  virtual void Drain() = 0;
  virtual void Abort() = 0;
};

// The state behind one Responder: answers exactly once, or 500 when dropped.
class PendingResponse {
 public:
  // `head` is what render_refusal gets for a 500 (when there is a hook).
  PendingResponse(std::shared_ptr<Lifeline> lifeline, const ServerOptions& options,
                  std::weak_ptr<Connection> connection, uint64_t sequence, Framing framing,
                  std::optional<AccessRecord> access, std::optional<Request> head);
  ~PendingResponse();
  PendingResponse(const PendingResponse&) = delete;
  PendingResponse& operator=(const PendingResponse&) = delete;

  // An invalid response (see IsValid) is answered with Fail instead.
  void Respond(Response response);
  // Answers 500 with `detail`, rendered by render_refusal.
  void Fail(std::string_view detail);

 private:
  WireResponse Finish(Response response) const;

  const std::shared_ptr<Lifeline> lifeline_;
  const ServerOptions& options_;  // the server's: used only while lifeline_ says it lives
  const std::weak_ptr<Connection> connection_;
  const uint64_t sequence_;
  const Framing framing_;
  const std::optional<AccessRecord> access_;  // when access lines are written
  const std::optional<Request> head_;
  std::atomic<bool> done_{false};
};

// The Done for one BodySink::Write of `stream`'s piece: its first call, or
// its destruction uncalled (SinkOutcome::dropped), reaches
// connection.SinkWritten. It holds the stream until then, so that a
// connection that closed meanwhile leaves the sink's Abort to it, after the
// Write (SinkStream).
BodySink::Done SinkDone(std::shared_ptr<Lifeline> lifeline, std::weak_ptr<Connection> connection,
                        std::shared_ptr<SinkStream> stream);

// The Done for one BodySource::Read into `stream`'s buffer: its first call,
// or its destruction uncalled (an error), reaches connection.PieceRead. It
// holds the stream, whose buffer the Read fills, until then.
BodySource::Done SourceDone(std::shared_ptr<Lifeline> lifeline, std::weak_ptr<Connection> connection,
                            std::shared_ptr<SourceStream> stream);

}  // namespace scitt::http::internal

#include "http/completion.h"

#include <functional>
#include <utility>

namespace scitt::http::internal {
namespace {

// Passes `call` the connection, under the lifeline's lock, unless the server
// or the connection is gone.
template <typename Call>
void WithConnection(Lifeline& lifeline, const std::weak_ptr<Connection>& weak, Call&& call) {
  std::lock_guard lock(lifeline.mu);
  if (!lifeline.alive) return;
  if (std::shared_ptr<Connection> connection = weak.lock()) call(*connection);
}

// The state behind a completion the application calls at most once, from
// any thread: the first call passes its value to `deliver`, and destruction
// without a call passes `if_dropped`. `deliver` is released once called, so
// what it holds (the stream, the connection) does not live on in a Done the
// application keeps.
template <typename T>
class OnceCompletion {
 public:
  OnceCompletion(std::function<void(T)> deliver, T if_dropped)
      : deliver_(std::move(deliver)), if_dropped_(std::move(if_dropped)) {}
  ~OnceCompletion() { Call(std::move(if_dropped_)); }
  OnceCompletion(const OnceCompletion&) = delete;
  OnceCompletion& operator=(const OnceCompletion&) = delete;

  void Call(T value) {
    if (called_.exchange(true)) return;
    std::function<void(T)> deliver = std::move(deliver_);
    deliver_ = nullptr;
    deliver(std::move(value));
  }

 private:
  std::function<void(T)> deliver_;
  T if_dropped_;
  std::atomic<bool> called_{false};
};

}  // namespace

Response RenderRefusal(const ServerOptions& options, const Request* head, int status, std::string_view title,
                       std::string_view detail) {
  if (options.render_refusal) {
    try {
      Response response = options.render_refusal(head, status, title, detail);
      if (IsValid(response)) return response;
    } catch (const std::exception&) {
      // Problem details instead: the refusal must go out.
    }
  }
  return ProblemDetails(status, title, detail);
}

PendingResponse::PendingResponse(std::shared_ptr<Lifeline> lifeline, const ServerOptions& options,
                                 std::weak_ptr<Connection> connection, uint64_t sequence, Framing framing,
                                 std::optional<AccessRecord> access, std::optional<Request> head)
    : lifeline_(std::move(lifeline)),
      options_(options),
      connection_(std::move(connection)),
      sequence_(sequence),
      framing_(framing),
      access_(std::move(access)),
      head_(std::move(head)) {}

PendingResponse::~PendingResponse() {
  if (!done_.load()) Fail("The request was dropped without a response");
}

void PendingResponse::Respond(Response response) {
  if (!IsValid(response)) {
    Fail("The handler produced an invalid response");
    return;
  }
  if (done_.exchange(true)) return;
  WireResponse wire = Finish(std::move(response));
  WithConnection(*lifeline_, connection_,
                 [&](Connection& connection) { connection.Complete(sequence_, std::move(wire)); });
}

void PendingResponse::Fail(std::string_view detail) {
  if (done_.exchange(true)) return;
  // Rendered under the lifeline's lock: the hook is the server's, valid only
  // while it lives (a rare path: a dropped Responder, a handler that threw
  // or produced an invalid response).
  WithConnection(*lifeline_, connection_, [&](Connection& connection) {
    const Request* head = head_ ? &*head_ : nullptr;
    connection.Complete(sequence_, Finish(RenderRefusal(options_, head, 500, "Internal Server Error", detail)));
  });
}

WireResponse PendingResponse::Finish(Response response) const {
  const auto log_fields = std::move(response.log_fields);
  WireResponse wire = Serialize(std::move(response), framing_);
  if (access_) LogAccess(*access_, wire, log_fields);
  return wire;
}

BodySink::Done SinkDone(std::shared_ptr<Lifeline> lifeline, std::weak_ptr<Connection> connection,
                        std::shared_ptr<SinkStream> stream) {
  auto completion = std::make_shared<OnceCompletion<SinkOutcome>>(
      [lifeline = std::move(lifeline), connection = std::move(connection),
       stream = std::move(stream)](SinkOutcome outcome) mutable {
        WithConnection(*lifeline, connection,
                       [&](Connection& live) { live.SinkWritten(std::move(stream), std::move(outcome)); });
      },
      SinkOutcome{std::nullopt, /*dropped=*/true});
  return [completion](std::optional<Response> failure) {
    completion->Call(SinkOutcome{std::move(failure), /*dropped=*/false});
  };
}

BodySource::Done SourceDone(std::shared_ptr<Lifeline> lifeline, std::weak_ptr<Connection> connection,
                            std::shared_ptr<SourceStream> stream) {
  auto completion = std::make_shared<OnceCompletion<Result<size_t>>>(
      [lifeline = std::move(lifeline), connection = std::move(connection),
       stream = std::move(stream)](Result<size_t> filled) mutable {
        WithConnection(*lifeline, connection,
                       [&](Connection& live) { live.PieceRead(std::move(stream), std::move(filled)); });
      },
      Result<size_t>(MakeError(ErrorCode::kInternal, "the body source dropped a Read")));
  return [completion](Result<size_t> filled) { completion->Call(std::move(filled)); };
}

}  // namespace scitt::http::internal

#include "api/dispatch.h"

#include <memory>
#include <utility>

namespace scitt::api {

http::Handler OnPool(WorkerPool& pool, http::Handler handler) {
  return OnPool(pool, std::move(handler), [] {
    http::Response busy = http::ProblemDetails(503, "Service Unavailable",
                                               "the service is busy; retry shortly");
    busy.Set("Retry-After", "1");
    return busy;
  });
}

http::Handler OnPool(WorkerPool& pool, http::Handler handler, std::function<http::Response()> busy) {
  auto shared = std::make_shared<const http::Handler>(std::move(handler));
  return [&pool, shared, busy = std::move(busy)](http::Request req, http::Responder respond) {
    const size_t bytes = req.body.size() + req.target.size() + (req.body_stream ? req.body_stream->held_bytes() : 0);
    // The task owns the request and the responder; a copy of the responder
    // answers 503 when the pool refuses the task (which is then dropped).
    auto task = std::make_shared<std::pair<http::Request, http::Responder>>(std::move(req), respond);
    if (!pool.Post([shared, task] { (*shared)(std::move(task->first), std::move(task->second)); }, bytes)) {
      respond(busy());
    }
  };
}

}  // namespace scitt::api

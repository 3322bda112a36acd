// The transparency service as `scitt serve` runs it: the composition root.
// It reads the configuration, builds every layer and wires them together;
// the behaviour lives in those layers (registration, log, storage, api).
//
// Start-up: listen (so the URL and origin name the port actually bound, which
// matters with port 0; until start-up finishes every request gets 503), open
// the data directory and its keys, open the log (which refuses to start if
// the stored tree does not match the last signed tree head), register the
// trust configuration and the registration policy as statements signed by
// the service when they are new or changed, then serve. Stop: stop accepting,
// answer what is in flight, finish the batch, flush.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "service/config.h"

namespace scitt::service {

struct StartupInfo {
  std::string url;
  std::string origin;
  std::string receipt_kid;      // hex
  std::string checkpoint_key;   // C2SP verifier key string
  uint64_t tree_size = 0;
  bool created = false;         // a new log was created
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> Start(ServiceConfig config);
  ~Service();  // Stop()

  const StartupInfo& info() const;
  uint16_t port() const;
  // Graceful: no new connections, in-flight requests answered, the batch in
  // flight committed. Idempotent.
  void Stop();

 private:
  Service() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scitt::service

// A blocking HTTP/1.1 client over a plain socket, for tests that need control
// the real Client does not give: keep-alive, pipelining, partial requests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/message.h"

namespace scitt::http::testing {

struct RawReply {
  int status = 0;
  Headers headers;
  std::string body;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:port from `source` (any loopback address on
  // Linux); every read gives up after 10 s.
  explicit RawClient(uint16_t port, const char* source = "127.0.0.1");
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False when the peer has closed or reset the connection.
  bool Send(std::string_view data);
  void ShutdownWrite();
  // Sends what the kernel takes at once without blocking; 0 when its
  // buffers are full, and also when the peer is gone.
  size_t SendAvailable(std::string_view data);
  // Reads one response; a response to HEAD (`head`) and 1xx have no body.
  // nullopt on close, timeout or a malformed response.
  std::optional<RawReply> Read(bool head = false);
  // Reads one response's status line and fields only, leaving its body to
  // ReadSome (for bodies too large to hold).
  std::optional<RawReply> ReadHeader();
  // Puts up to into.size() bytes of what follows (buffered bytes first) in
  // `into`; 0 on close, error or timeout. Allocates nothing, so that tests
  // can measure the process's memory while they read.
  size_t ReadSome(std::span<char> into);
  // True when the server closes the connection within 10 s (data before the
  // close is discarded).
  bool WaitClosed();

 private:
  bool Fill();  // reads more into buffer_; false on close, error or timeout

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace scitt::http::testing

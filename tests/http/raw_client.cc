#include "raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace scitt::http::testing {

RawClient::RawClient(uint16_t port, const char* source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  timeval timeout{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source, &local.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::Send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

size_t RawClient::SendAvailable(std::string_view data) {
  const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

void RawClient::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool RawClient::Fill() {
  char chunk[16384];
  const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<RawReply> RawClient::Read(bool head) {
  std::optional<RawReply> reply = ReadHeader();
  if (!reply || head || reply->status / 100 == 1) return reply;
  auto length = reply->headers.find("Content-Length");
  if (length == reply->headers.end()) return reply;
  const size_t size = std::strtoul(length->second.c_str(), nullptr, 10);
  while (buffer_.size() < size) {
    if (!Fill()) return std::nullopt;
  }
  reply->body = buffer_.substr(0, size);
  buffer_.erase(0, size);
  return reply;
}

size_t RawClient::ReadSome(std::span<char> into) {
  if (!buffer_.empty()) {
    const size_t n = std::min(into.size(), buffer_.size());
    std::copy_n(buffer_.begin(), n, into.begin());
    buffer_.erase(0, n);
    return n;
  }
  const ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

std::optional<RawReply> RawClient::ReadHeader() {
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  const std::string header = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);

  RawReply reply;
  if (!header.starts_with("HTTP/1.1 ") || header.size() < 12) return std::nullopt;
  reply.status = std::atoi(header.substr(9, 3).c_str());
  size_t line = header.find("\r\n") + 2;
  while (line < header.size()) {
    const size_t next = header.find("\r\n", line);
    const std::string field = header.substr(line, next - line);
    const size_t colon = field.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string value = field.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers[field.substr(0, colon)] = value;
    line = next + 2;
  }
  return reply;
}

bool RawClient::WaitClosed() {
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

}  // namespace scitt::http::testing

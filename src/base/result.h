// Errors as values: every fallible function returns Result<T> (or Status).
// No exception crosses a layer boundary.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace scitt {

// What kind of failure happened; callers map it to HTTP status codes or CLI
// exit codes. The message is for humans and says what to fix.
enum class ErrorCode {
  kMalformed,           // input bytes are not what the format requires
  kInvalidArgument,     // well-formed but not acceptable (wrong type, value)
  kUnsupported,         // recognised but not implemented/allowed (alg, crit)
  kVerificationFailed,  // a signature, proof or chain does not verify
  kNotFound,            // a requested object does not exist
  kIo,                  // file system or network failure
  kUnavailable,         // temporarily unable (busy, stopping): retry later
  kConflict,            // the state changed under the caller (another writer
                        // appended first); re-read and decide again
  kInternal,            // a bug or an unexpected library failure
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

// Either a T or an Error. Accessing value() of an error is a bug (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}       // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for operations that return nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }
  const std::string& message() const { return error_.message; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace scitt

// Propagates an error from an expression returning Status or Result<T>.
#define SCITT_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    auto scitt_status_ = (expr);                    \
    if (!scitt_status_.ok()) return scitt_status_.error(); \
  } while (0)

#define SCITT_CONCAT_INNER_(a, b) a##b
#define SCITT_CONCAT_(a, b) SCITT_CONCAT_INNER_(a, b)

// `SCITT_ASSIGN_OR_RETURN(auto x, Expr())` declares x from a Result or returns its error.
#define SCITT_ASSIGN_OR_RETURN(lhs, expr) \
  SCITT_ASSIGN_OR_RETURN_IMPL_(SCITT_CONCAT_(scitt_result_, __LINE__), lhs, expr)
#define SCITT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.error();                 \
  lhs = std::move(tmp).value()

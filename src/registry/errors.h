// The distribution-spec error codes ("Error Codes") and the error document
// `{"errors":[{"code","message","detail"}]}`, written once for the /v2/
// routes that send it and the client verbs that read it from any registry.
// Registry operations answer an OciError when they refuse a request; what
// HTTP status goes with it is the api layer's (api/oci).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::registry {

enum class OciCode {
  kBlobUnknown,          // BLOB_UNKNOWN
  kBlobUploadInvalid,    // BLOB_UPLOAD_INVALID
  kBlobUploadUnknown,    // BLOB_UPLOAD_UNKNOWN
  kDigestInvalid,        // DIGEST_INVALID
  kManifestBlobUnknown,  // MANIFEST_BLOB_UNKNOWN
  kManifestInvalid,      // MANIFEST_INVALID
  kManifestUnknown,      // MANIFEST_UNKNOWN
  kNameInvalid,          // NAME_INVALID
  kNameUnknown,          // NAME_UNKNOWN
  kSizeInvalid,          // SIZE_INVALID
  kUnauthorized,         // UNAUTHORIZED
  kDenied,               // DENIED
  kUnsupported,          // UNSUPPORTED
  kTooManyRequests,      // TOOMANYREQUESTS
  // From CNCF distribution, which clients know: a tag that is not valid,
  // and an `n` query parameter that is not a count.
  kTagInvalid,                // TAG_INVALID
  kPaginationNumberInvalid,   // PAGINATION_NUMBER_INVALID
  // Sent as BLOB_UPLOAD_INVALID with 416: a chunk that does not start where
  // the upload ends ("Pushing a blob in chunks").
  kUploadOutOfOrder,
  // Sent as SIZE_INVALID with 413: over a limit of this registry.
  kTooLarge,
  // Sent as DENIED with 412: an If-Match or If-None-Match that does not
  // hold (RFC 9110 §13.1).
  kPreconditionFailed,
  // Not in the spec's table; sent as "UNKNOWN" (as CNCF distribution does)
  // for failures of the registry itself and for being busy.
  kUnavailable,
  kInternal,
};

std::string_view OciCodeName(OciCode code);
// The code named `name`; nullopt for a name not in the table (a client
// reading another registry's errors keeps the text).
std::optional<OciCode> OciCodeFromName(std::string_view name);

struct OciError {
  OciCode code = OciCode::kInternal;
  std::string message;
};

// An Error of a lower layer as what the registry answers: kUnavailable
// stays kUnavailable, anything else is kInternal (the message is kept).
OciError FromError(const Error& error);

// The error document with one error.
std::string EncodeErrors(const OciError& error);
// The first error of a document another registry sent; nullopt when it is
// not one.
std::optional<OciError> DecodeErrors(ByteView body);

// Either a T or an OciError.
template <typename T>
class [[nodiscard]] OciResult {
 public:
  OciResult(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  OciResult(OciError error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  OciResult(const Error& error) : v_(FromError(error)) {}  // NOLINT: lower layers' failures

  bool ok() const { return v_.index() == 0; }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const OciError& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, OciError> v_;
};

}  // namespace scitt::registry

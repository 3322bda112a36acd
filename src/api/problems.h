// Responses of the HTTP-facing layer: layer errors and registration refusals
// become RFC 9290 concise problem details here, once (DESIGN.md §2, api).
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "http/message.h"
#include "registration/registrar.h"

namespace scitt::api {

http::Response CborResponse(int status, ByteView body, std::string_view content_type);

// kNotFound → 404; kInvalidArgument, kMalformed, kUnsupported → 400;
// kUnavailable → 503 with Retry-After (SCRAPI §2: 5xx is transient, the
// client may retry); anything else → 500.
http::Response ProblemFor(const Error& error);

// kTooLarge → 413 ("Payload Too Large"); every other refusal → 400, with the
// refusal's title and detail.
http::Response ProblemFor(const registration::Refusal& refusal);

}  // namespace scitt::api

// Request parameters, parsed without exceptions (base/text.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "http/message.h"
#include "log/transparency_log.h"

namespace scitt::api {

// A canonical decimal query parameter (no sign, no leading zero, at most
// 2^64 - 1); nullopt when absent, kInvalidArgument when malformed.
Result<std::optional<uint64_t>> QueryNumber(const http::Request& req, const char* name);
// The same with a default for an absent parameter.
Result<uint64_t> QueryNumberOr(const http::Request& req, const char* name, uint64_t fallback);
// The same, required: kInvalidArgument when absent.
Result<uint64_t> RequiredQueryNumber(const http::Request& req, const char* name);

// An entry id of SCRAPI's /entries/{id}: a decimal log index below the log's
// size, or the 64-hex-digit entry hash of a registered statement; kNotFound
// otherwise (SCRAPI §2.1.4: "not known to this Transparency Service").
Result<uint64_t> ResolveEntryId(const log::TransparencyLog& log, const std::string& id);

}  // namespace scitt::api

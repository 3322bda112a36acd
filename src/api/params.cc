#include "api/params.h"

#include <algorithm>

#include "base/text.h"

namespace scitt::api {

Result<std::optional<uint64_t>> QueryNumber(const http::Request& req, const char* name) {
  auto text = req.Query(name);
  if (!text) return std::optional<uint64_t>();
  auto value = ParseDecimal(*text);
  if (!value) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(name) + " must be a decimal number from 0 to 18446744073709551615");
  }
  return std::optional<uint64_t>(*value);
}

Result<uint64_t> QueryNumberOr(const http::Request& req, const char* name, uint64_t fallback) {
  SCITT_ASSIGN_OR_RETURN(auto value, QueryNumber(req, name));
  return value.value_or(fallback);
}

Result<uint64_t> RequiredQueryNumber(const http::Request& req, const char* name) {
  SCITT_ASSIGN_OR_RETURN(auto value, QueryNumber(req, name));
  if (!value) return MakeError(ErrorCode::kInvalidArgument, std::string("query parameter ") + name + " is required");
  return *value;
}

Result<uint64_t> ResolveEntryId(const log::TransparencyLog& log, const std::string& id) {
  const std::string not_known = "Receipt with entry ID " + id + " not known to this Transparency Service";
  if (id.size() == 64) {
    if (auto hash = HexDecode(id)) {
      crypto::Sha256Digest digest;
      std::copy(hash->begin(), hash->end(), digest.begin());
      SCITT_ASSIGN_OR_RETURN(auto index, log.FindEntry(digest));
      if (index) return *index;
    }
    return MakeError(ErrorCode::kNotFound, not_known);
  }
  auto index = ParseDecimal(id);
  if (!index) {
    return MakeError(ErrorCode::kNotFound,
                     "entry ID " + id + " is neither a log index nor a 64-hex-digit entry hash");
  }
  if (*index >= log.size()) return MakeError(ErrorCode::kNotFound, not_known);
  return *index;
}

}  // namespace scitt::api

#include "registry/errors.h"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

#include "base/text.h"

namespace scitt::registry {
namespace {

constexpr std::array<std::pair<OciCode, std::string_view>, 21> kNames = {{
    {OciCode::kBlobUnknown, "BLOB_UNKNOWN"},
    {OciCode::kBlobUploadInvalid, "BLOB_UPLOAD_INVALID"},
    {OciCode::kBlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN"},
    {OciCode::kDigestInvalid, "DIGEST_INVALID"},
    {OciCode::kManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN"},
    {OciCode::kManifestInvalid, "MANIFEST_INVALID"},
    {OciCode::kManifestUnknown, "MANIFEST_UNKNOWN"},
    {OciCode::kNameInvalid, "NAME_INVALID"},
    {OciCode::kNameUnknown, "NAME_UNKNOWN"},
    {OciCode::kSizeInvalid, "SIZE_INVALID"},
    {OciCode::kUnauthorized, "UNAUTHORIZED"},
    {OciCode::kDenied, "DENIED"},
    {OciCode::kUnsupported, "UNSUPPORTED"},
    {OciCode::kTooManyRequests, "TOOMANYREQUESTS"},
    {OciCode::kTagInvalid, "TAG_INVALID"},
    {OciCode::kPaginationNumberInvalid, "PAGINATION_NUMBER_INVALID"},
    {OciCode::kUploadOutOfOrder, "BLOB_UPLOAD_INVALID"},
    {OciCode::kTooLarge, "SIZE_INVALID"},
    {OciCode::kPreconditionFailed, "DENIED"},
    {OciCode::kInternal, "UNKNOWN"},
    {OciCode::kUnavailable, "UNKNOWN"},
}};

}  // namespace

std::string_view OciCodeName(OciCode code) {
  for (const auto& [known, name] : kNames) {
    if (known == code) return name;
  }
  return "UNKNOWN";
}

std::optional<OciCode> OciCodeFromName(std::string_view name) {
  for (const auto& [code, known] : kNames) {
    // The first code with the name: the spec's own before ours.
    if (known == name) return code;
  }
  return std::nullopt;
}

OciError FromError(const Error& error) {
  return OciError{error.code == ErrorCode::kUnavailable ? OciCode::kUnavailable : OciCode::kInternal,
                  error.message};
}

std::string EncodeErrors(const OciError& error) {
  nlohmann::json entry = {{"code", OciCodeName(error.code)},
                          {"message", ToValidUtf8(error.message)}};
  return nlohmann::json{{"errors", nlohmann::json::array({entry})}}.dump();
}

std::optional<OciError> DecodeErrors(ByteView body) {
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  const auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return std::nullopt;
  const auto errors = document.find("errors");
  if (errors == document.end() || !errors->is_array() || errors->empty()) return std::nullopt;
  const auto& first = (*errors)[0];
  if (!first.is_object()) return std::nullopt;
  OciError out;
  const auto code = first.find("code");
  if (code == first.end() || !code->is_string()) return std::nullopt;
  out.code = OciCodeFromName(code->get<std::string>()).value_or(OciCode::kInternal);
  if (const auto message = first.find("message"); message != first.end() && message->is_string()) {
    out.message = message->get<std::string>();
  }
  if (!OciCodeFromName(code->get<std::string>())) out.message = code->get<std::string>() + ": " + out.message;
  return out;
}

}  // namespace scitt::registry

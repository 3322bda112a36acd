#include "api/oci/oci_paths.h"

namespace scitt::api {

std::optional<OciPath> ParseOciPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/v2/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  auto ends_with = [&](std::string_view suffix) {
    return rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix;
  };
  auto make = [](OciPath::Endpoint endpoint, std::string_view name, std::string_view last) {
    return OciPath{endpoint, std::string(name), std::string(last)};
  };
  // Extensions (distribution-spec extensions/README.md).
  if (rest == "_oci/ext/discover") return make(OciPath::Endpoint::kDiscover, "", "");
  if (ends_with("/_oci/ext/discover")) {
    return make(OciPath::Endpoint::kDiscover, rest.substr(0, rest.size() - 18), "");
  }
  if (ends_with("/blobs/uploads/")) {
    return make(OciPath::Endpoint::kUploads, rest.substr(0, rest.size() - 15), "");
  }
  if (ends_with("/tags/list")) return make(OciPath::Endpoint::kTags, rest.substr(0, rest.size() - 10), "");
  // ".../<kind>/<last>" with one segment after the kind.
  const size_t last_slash = rest.rfind('/');
  if (last_slash == std::string_view::npos || last_slash + 1 == rest.size()) return std::nullopt;
  const std::string_view last = rest.substr(last_slash + 1);
  const std::string_view before = rest.substr(0, last_slash);
  if (before.size() > 14 && before.substr(before.size() - 14) == "/blobs/uploads") {
    return make(OciPath::Endpoint::kUpload, before.substr(0, before.size() - 14), last);
  }
  if (before.size() > 18 && before.substr(before.size() - 18) == "/_scitt/statements") {
    return make(OciPath::Endpoint::kScittStatements, before.substr(0, before.size() - 18), last);
  }
  const size_t kind_slash = before.rfind('/');
  if (kind_slash == std::string_view::npos || kind_slash == 0) return std::nullopt;
  const std::string_view kind = before.substr(kind_slash + 1);
  const std::string_view name = before.substr(0, kind_slash);
  if (kind == "blobs") return make(OciPath::Endpoint::kBlob, name, last);
  if (kind == "manifests") return make(OciPath::Endpoint::kManifest, name, last);
  if (kind == "referrers") return make(OciPath::Endpoint::kReferrers, name, last);
  return std::nullopt;
}

}  // namespace scitt::api

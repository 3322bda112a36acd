#include "oci_client/referrers_index.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace scitt::oci_client {
namespace {

nlohmann::ordered_json DescriptorJson(const registry::Descriptor& descriptor) {
  nlohmann::ordered_json out = {{"mediaType", descriptor.media_type},
                                {"digest", descriptor.digest.ToString()},
                                {"size", descriptor.size}};
  if (descriptor.artifact_type) out["artifactType"] = *descriptor.artifact_type;
  if (!descriptor.annotations.empty()) out["annotations"] = descriptor.annotations;
  return out;
}

}  // namespace

Result<std::optional<std::string>> AddToReferrersIndex(std::optional<ByteView> current,
                                                       std::string_view content_type,
                                                       const registry::Descriptor& referrer) {
  nlohmann::ordered_json index = {{"schemaVersion", 2}, {"mediaType", registry::kOciIndex},
                                  {"manifests", nlohmann::ordered_json::array()}};
  if (current) {
    auto parsed = registry::ParseManifest(content_type, *current);
    if (!parsed.ok() || parsed->kind != registry::ManifestKind::kIndex) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the referrers tag holds something other than an image index" +
                           (parsed.ok() ? std::string() : ": " + parsed.error().message));
    }
    const bool listed = std::any_of(parsed->manifests.begin(), parsed->manifests.end(),
                                    [&](const registry::Descriptor& d) { return d.digest == referrer.digest; });
    if (listed) return std::optional<std::string>();
    // ParseManifest checked it; this keeps its fields and order.
    const std::string_view text(reinterpret_cast<const char*>(current->data()), current->size());
    index = nlohmann::ordered_json::parse(text);
  }
  index["manifests"].push_back(DescriptorJson(referrer));
  return std::optional<std::string>(index.dump());
}

std::vector<registry::Descriptor> FilterByArtifactType(std::vector<registry::Descriptor> descriptors,
                                                       const std::optional<std::string>& artifact_type) {
  if (!artifact_type) return descriptors;
  std::erase_if(descriptors, [&](const registry::Descriptor& d) { return d.artifact_type != artifact_type; });
  return descriptors;
}

std::optional<std::string> NextPageLink(std::string_view link_header) {
  // link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param ), several
  // joined by ",". A '<' … '>' cannot hold a comma-free split safely, so
  // walk the values by their angle brackets.
  size_t pos = 0;
  while ((pos = link_header.find('<', pos)) != std::string_view::npos) {
    const size_t close = link_header.find('>', pos);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view target = link_header.substr(pos + 1, close - pos - 1);
    const size_t next = link_header.find('<', close);
    const std::string params = AsciiLower(link_header.substr(close + 1, next == std::string_view::npos
                                                                        ? std::string_view::npos
                                                                        : next - close - 1));
    // rel="next" or rel=next; rel may hold several space-separated types.
    const size_t rel = params.find("rel");
    if (rel != std::string::npos) {
      std::string value = params.substr(rel + 3);
      const size_t eq = value.find('=');
      if (eq != std::string::npos) {
        value = value.substr(eq + 1);
        value.erase(0, value.find_first_not_of(" \t\""));
        value = value.substr(0, value.find_first_of("\";,"));
        size_t start = 0;
        while (start < value.size()) {
          const size_t space = value.find(' ', start);
          if (value.substr(start, space - start) == "next") return std::string(target);
          if (space == std::string::npos) break;
          start = space + 1;
        }
      }
    }
    pos = close + 1;
  }
  return std::nullopt;
}

}  // namespace scitt::oci_client

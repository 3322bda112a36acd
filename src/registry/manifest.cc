#include "registry/manifest.h"

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "base/text.h"
#include "crypto/hash.h"

namespace scitt::registry {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;

Error Invalid(const std::string& why) { return MakeError(ErrorCode::kInvalidArgument, why); }

std::string_view WithoutParameters(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return type;
}

// Strict JSON (base/json.h): a key repeated in one object would let the
// registry and a client read different values.
Result<json> ParseManifestJson(ByteView bytes) {
  auto parsed = ParseStrictJson(bytes, kMaxDepth);
  if (!parsed.ok()) return Invalid("manifest: " + parsed.error().message);
  return std::move(*parsed);
}

Result<std::string> StringField(const json& object, const char* name, const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Invalid(where + ": \"" + name + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<Annotations> ParseAnnotations(const json& object, const std::string& where) {
  Annotations out;
  const auto it = object.find("annotations");
  if (it == object.end()) return out;
  if (!it->is_object()) return Invalid(where + ": \"annotations\" must be an object");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) return Invalid(where + ": annotation \"" + key + "\" must be a string");
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

// RFC 6838 §4.2 type "/" subtype, restricted-name characters only.
bool IsMediaType(std::string_view text) {
  auto is_name = [](std::string_view part) {
    if (part.empty() || part.size() > 127) return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
      if (!ok) return false;
    }
    return true;
  };
  const size_t slash = text.find('/');
  return slash != std::string_view::npos && is_name(text.substr(0, slash)) &&
         is_name(text.substr(slash + 1));
}

Result<Descriptor> ParseDescriptor(const json& value, const std::string& where) {
  if (!value.is_object()) return Invalid(where + ": a descriptor must be an object");
  Descriptor out;
  SCITT_ASSIGN_OR_RETURN(out.media_type, StringField(value, "mediaType", where));
  if (!IsMediaType(out.media_type)) return Invalid(where + ": \"mediaType\" is not a media type");
  SCITT_ASSIGN_OR_RETURN(const std::string digest, StringField(value, "digest", where));
  auto parsed = Digest::Parse(digest);
  if (!parsed.ok()) return Invalid(where + ": " + parsed.error().message);
  out.digest = *parsed;
  const auto size = value.find("size");
  if (size == value.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return Invalid(where + ": \"size\" must be a non-negative integer");
  }
  out.size = size->get<int64_t>();
  if (const auto it = value.find("artifactType"); it != value.end()) {
    if (!it->is_string() || !IsMediaType(it->get<std::string>())) {
      return Invalid(where + ": \"artifactType\" is not a media type");
    }
    out.artifact_type = it->get<std::string>();
  }
  SCITT_ASSIGN_OR_RETURN(out.annotations, ParseAnnotations(value, where));
  if (const auto it = value.find("urls"); it != value.end()) {
    if (!it->is_array()) return Invalid(where + ": \"urls\" must be an array");
    for (const auto& url : *it) {
      if (!url.is_string()) return Invalid(where + ": \"urls\" must hold strings");
      out.urls.push_back(url.get<std::string>());
    }
  }
  // descriptor.md "Embedded Content": data MUST match the digest and size.
  if (const auto it = value.find("data"); it != value.end()) {
    if (!it->is_string()) return Invalid(where + ": \"data\" must be a base64 string");
    const std::optional<Bytes> data = Base64Decode(it->get<std::string>());
    if (!data) return Invalid(where + ": \"data\" is not valid base64");
    if (static_cast<int64_t>(data->size()) != out.size ||
        Digest::Of(out.digest.algorithm(), crypto::Digest(out.digest.algorithm(), *data)) !=
            out.digest) {
      return Invalid(where + ": \"data\" does not match the descriptor's digest and size");
    }
  }
  return out;
}

Result<std::vector<Descriptor>> ParseDescriptors(const json& object, const char* name,
                                                 bool required) {
  std::vector<Descriptor> out;
  const auto it = object.find(name);
  if (it == object.end()) {
    if (required) return Invalid(std::string("manifest: \"") + name + "\" is missing");
    return out;
  }
  if (!it->is_array()) return Invalid(std::string("manifest: \"") + name + "\" must be an array");
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    SCITT_ASSIGN_OR_RETURN(Descriptor descriptor,
                           ParseDescriptor((*it)[i], std::string(name) + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(descriptor));
  }
  return out;
}

json DescriptorJson(const Descriptor& descriptor) {
  json out = json::object();
  out["mediaType"] = descriptor.media_type;
  out["digest"] = descriptor.digest.ToString();
  out["size"] = descriptor.size;
  if (descriptor.artifact_type) out["artifactType"] = *descriptor.artifact_type;
  if (!descriptor.annotations.empty()) out["annotations"] = descriptor.annotations;
  return out;
}

}  // namespace

Result<Manifest> ParseManifest(std::string_view content_type, ByteView bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!IsValidUtf8(text)) return Invalid("manifest: not valid UTF-8");
  SCITT_ASSIGN_OR_RETURN(const json document, ParseManifestJson(bytes));
  if (!document.is_object()) return Invalid("manifest: not a JSON object");
  const auto version = document.find("schemaVersion");
  if (version == document.end() || !version->is_number_integer() || version->get<int64_t>() != 2) {
    return Invalid("manifest: \"schemaVersion\" must be 2");
  }
  Manifest out;
  const std::string_view header_type = WithoutParameters(content_type);
  if (const auto it = document.find("mediaType"); it != document.end()) {
    if (!it->is_string()) return Invalid("manifest: \"mediaType\" must be a string");
    out.media_type = it->get<std::string>();
    // image-spec: a client MUST send a manifest's mediaType as Content-Type.
    if (!header_type.empty() && header_type != out.media_type) {
      return Invalid("manifest: its mediaType \"" + ToValidUtf8(out.media_type).substr(0, 100) +
                     "\" differs from the Content-Type \"" +
                     ToValidUtf8(std::string(header_type)).substr(0, 100) + "\"");
    }
  } else {
    out.media_type = std::string(header_type);
  }
  if (out.media_type == kOciManifest || out.media_type == kDockerManifest) {
    out.kind = ManifestKind::kImage;
  } else if (out.media_type == kOciIndex || out.media_type == kDockerManifestList) {
    out.kind = ManifestKind::kIndex;
  } else if (out.media_type.empty()) {
    return Invalid("manifest: no mediaType and no Content-Type say what it is");
  } else {
    return Invalid("manifest: unsupported manifest media type \"" +
                   ToValidUtf8(out.media_type).substr(0, 100) + "\"");
  }

  if (const auto it = document.find("artifactType"); it != document.end()) {
    if (!it->is_string() || !IsMediaType(it->get<std::string>())) {
      return Invalid("manifest: \"artifactType\" is not a media type");
    }
    out.artifact_type = it->get<std::string>();
  }
  if (out.kind == ManifestKind::kImage) {
    const auto config = document.find("config");
    if (config == document.end()) return Invalid("manifest: \"config\" is missing");
    SCITT_ASSIGN_OR_RETURN(out.config, ParseDescriptor(*config, "config"));
    SCITT_ASSIGN_OR_RETURN(out.layers, ParseDescriptors(document, "layers", /*required=*/false));
    // image-spec manifest.md: artifactType MUST be set when the config is
    // the empty descriptor.
    if (out.config->media_type == kOciEmpty && !out.artifact_type) {
      return Invalid("manifest: \"artifactType\" is required when the config is the empty "
                     "descriptor");
    }
  } else {
    SCITT_ASSIGN_OR_RETURN(out.manifests, ParseDescriptors(document, "manifests", /*required=*/true));
  }
  if (const auto it = document.find("subject"); it != document.end()) {
    SCITT_ASSIGN_OR_RETURN(out.subject, ParseDescriptor(*it, "subject"));
  }
  SCITT_ASSIGN_OR_RETURN(out.annotations, ParseAnnotations(document, "manifest"));
  return out;
}

Descriptor ReferrerDescriptor(const Manifest& manifest, const Digest& digest, int64_t size) {
  Descriptor out;
  out.media_type = manifest.media_type;
  out.digest = digest;
  out.size = size;
  out.artifact_type = manifest.artifact_type;
  if (!out.artifact_type && manifest.kind == ManifestKind::kImage && manifest.config) {
    out.artifact_type = manifest.config->media_type;
  }
  out.annotations = manifest.annotations;
  return out;
}

std::string EncodeIndex(std::span<const Descriptor> manifests) {
  json list = json::array();
  for (const Descriptor& descriptor : manifests) list.push_back(DescriptorJson(descriptor));
  json index = json::object();
  index["schemaVersion"] = 2;
  index["mediaType"] = kOciIndex;
  index["manifests"] = std::move(list);
  return index.dump();
}

}  // namespace scitt::registry

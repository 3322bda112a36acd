// What a registry client pushes: manifests and indexes (registry/manifest.h)
// and the references in routes (registry/reference.h). The first byte picks
// the Content-Type. Whatever parses must give a referrer descriptor that
// encodes to an index which parses back to the same descriptor.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/manifest.h"
#include "registry/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scitt::registry;
  if (size == 0) return 0;
  static constexpr std::string_view kTypes[] = {kOciManifest, kOciIndex, kDockerManifest,
                                                kDockerManifestList, ""};
  const std::string_view content_type = kTypes[data[0] % 5];
  const scitt::ByteView input(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
  (void)IsValidName(text);
  (void)IsValidTag(text);
  if (auto digest = Digest::Parse(text); digest.ok()) {
    if (Digest::Parse(digest->ToString()).value() != *digest) __builtin_trap();
    if (!IsValidTag(ReferrersTag(*digest))) __builtin_trap();
  }
  auto manifest = ParseManifest(content_type, input);
  if (!manifest.ok()) return 0;
  const Descriptor referrer = ReferrerDescriptor(*manifest, Digest::Sha256Of(input),
                                                 static_cast<int64_t>(input.size()));
  const std::string index = EncodeIndex(std::span(&referrer, 1));
  auto reparsed = ParseManifest(kOciIndex, scitt::AsBytes(index));
  if (!reparsed.ok() || reparsed->manifests.size() != 1) __builtin_trap();
  const Descriptor& back = reparsed->manifests[0];
  if (back.digest != referrer.digest || back.media_type != referrer.media_type ||
      back.artifact_type != referrer.artifact_type || back.annotations != referrer.annotations) {
    __builtin_trap();
  }
  return 0;
}

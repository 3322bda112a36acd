// What a Kubernetes API server sends the admission webhook (AdmissionReview
// v1), what Gatekeeper sends the external-data provider (ProviderRequest),
// the gate configuration, and the image references inside them
// (gates/kubernetes.h, gates/gate_config.h): whatever parses must be
// usable as parsed (a uid to echo, bounded lists, a reference with a
// registry and a repository).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gates/gate_config.h"
#include "gates/kubernetes.h"

namespace {

void CheckImage(std::string_view image) {
  auto reference = scitt::gates::ParseKubernetesImage(image);
  if (!reference.ok()) return;
  if (reference->registry.empty() || reference->repository.empty()) __builtin_trap();
  // A reference reads back as itself.
  auto again = scitt::gates::ParseKubernetesImage(reference->ToString());
  if (!again.ok() || again->ToString() != reference->ToString()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scitt::gates;
  const scitt::ByteView bytes(data, size);
  if (auto review = ParseAdmissionReview(bytes); review.ok()) {
    if (review->uid.empty() || review->images.size() > kMaxImages) __builtin_trap();
    for (const ContainerImage& container : review->images) {
      if (container.image.empty()) __builtin_trap();
      CheckImage(container.image);
    }
  }
  if (auto keys = ParseProviderRequest(bytes); keys.ok()) {
    if (keys->size() > kMaxImages) __builtin_trap();
    for (const auto& key : *keys) CheckImage(key);
  }
  if (auto config = ParseGateConfig(bytes); config.ok()) {
    if (config->resolve_timeout_s < 1 || config->resolve_timeout_s > 30) __builtin_trap();
    for (const auto& [name, gate] : config->namespaces) (void)ChoiceFor(*config, name);
  }
  CheckImage(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

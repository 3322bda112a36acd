#include "gates/kubernetes.h"

#include <nlohmann/json.hpp>

#include "base/json.h"

namespace scitt::gates {
namespace {

constexpr int kMaxDepth = 64;  // Kubernetes objects nest deeply (CRD schemas, affinity terms)

Error Invalid(const std::string& message) { return MakeError(ErrorCode::kInvalidArgument, message); }

const nlohmann::json* Member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringAt(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = Member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// The Pod spec inside an object of `kind`, or nullptr for kinds that run no Pod.
const nlohmann::json* PodSpecOf(std::string_view kind, const nlohmann::json& object) {
  const nlohmann::json* spec = Member(object, "spec");
  if (kind == "Pod") return spec;
  if (kind == "PodTemplate") {
    const nlohmann::json* templ = Member(object, "template");
    return templ != nullptr ? Member(*templ, "spec") : nullptr;
  }
  if (kind == "CronJob") {
    const nlohmann::json* job = spec != nullptr ? Member(*spec, "jobTemplate") : nullptr;
    spec = job != nullptr ? Member(*job, "spec") : nullptr;
  } else if (kind != "Deployment" && kind != "ReplicaSet" && kind != "StatefulSet" && kind != "DaemonSet" &&
             kind != "Job" && kind != "ReplicationController") {
    return nullptr;
  }
  const nlohmann::json* templ = spec != nullptr ? Member(*spec, "template") : nullptr;
  return templ != nullptr ? Member(*templ, "spec") : nullptr;
}

Status AddImages(const nlohmann::json& pod_spec, std::vector<ContainerImage>& out) {
  for (const char* field : {"initContainers", "containers", "ephemeralContainers"}) {
    const nlohmann::json* list = Member(pod_spec, field);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_array()) return Invalid(std::string("spec.") + field + " is not an array");
    for (const nlohmann::json& container : *list) {
      const nlohmann::json* image = Member(container, "image");
      if (image == nullptr || !image->is_string() || image->get_ref<const std::string&>().empty()) {
        return Invalid(std::string("a container in spec.") + field + " has no image");
      }
      if (out.size() == kMaxImages) return Invalid("more than " + std::to_string(kMaxImages) + " containers");
      out.push_back({StringAt(container, "name"), field, image->get<std::string>()});
    }
  }
  return Status::Ok();
}

}  // namespace

Result<AdmissionRequest> ParseAdmissionReview(ByteView body) {
  auto parsed = ParseStrictJson(body, kMaxDepth);
  if (!parsed.ok()) return Invalid("AdmissionReview: " + parsed.error().message);
  const nlohmann::json& review = *parsed;
  if (StringAt(review, "kind") != "AdmissionReview" || StringAt(review, "apiVersion") != kAdmissionApiVersion) {
    return Invalid("not an AdmissionReview of " + std::string(kAdmissionApiVersion) +
                   " (set admissionReviewVersions: [\"v1\"] in the webhook configuration)");
  }
  const nlohmann::json* request = Member(review, "request");
  if (request == nullptr || !request->is_object()) return Invalid("AdmissionReview without a request");
  AdmissionRequest out;
  out.uid = StringAt(*request, "uid");
  if (out.uid.empty()) return Invalid("AdmissionReview request without a uid");
  if (const nlohmann::json* kind = Member(*request, "kind")) out.kind = StringAt(*kind, "kind");
  out.kubernetes_namespace = StringAt(*request, "namespace");
  out.name = StringAt(*request, "name");
  out.operation = StringAt(*request, "operation");
  if (const nlohmann::json* user = Member(*request, "userInfo")) out.user = StringAt(*user, "username");
  if (const nlohmann::json* dry_run = Member(*request, "dryRun")) out.dry_run = dry_run->is_boolean() && dry_run->get<bool>();
  const nlohmann::json* object = Member(*request, "object");
  if (out.operation == "DELETE" || object == nullptr || object->is_null()) return out;
  if (!object->is_object()) return Invalid("AdmissionReview request.object is not an object");
  if (out.name.empty()) {
    if (const nlohmann::json* metadata = Member(*object, "metadata")) {
      out.name = StringAt(*metadata, "name");
      if (out.name.empty()) out.name = StringAt(*metadata, "generateName");
    }
  }
  if (const nlohmann::json* pod_spec = PodSpecOf(out.kind, *object); pod_spec != nullptr && !pod_spec->is_null()) {
    SCITT_RETURN_IF_ERROR(AddImages(*pod_spec, out.images));
  }
  const nlohmann::json* old_object = Member(*request, "oldObject");
  if (out.operation == "UPDATE" && old_object != nullptr && old_object->is_object()) {
    if (const nlohmann::json* pod_spec = PodSpecOf(out.kind, *old_object); pod_spec != nullptr && !pod_spec->is_null()) {
      SCITT_RETURN_IF_ERROR(AddImages(*pod_spec, out.old_images));
    }
  }
  return out;
}

Result<std::vector<std::string>> ParseProviderRequest(ByteView body) {
  auto parsed = ParseStrictJson(body, 8);
  if (!parsed.ok()) return Invalid("ProviderRequest: " + parsed.error().message);
  const nlohmann::json& doc = *parsed;
  if (StringAt(doc, "kind") != "ProviderRequest" || StringAt(doc, "apiVersion") != kExternalDataApiVersion) {
    return Invalid("not a ProviderRequest of " + std::string(kExternalDataApiVersion));
  }
  const nlohmann::json* request = Member(doc, "request");
  const nlohmann::json* keys = request != nullptr ? Member(*request, "keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) return Invalid("ProviderRequest without request.keys");
  if (keys->size() > kMaxImages) return Invalid("more than " + std::to_string(kMaxImages) + " keys");
  std::vector<std::string> out;
  for (const nlohmann::json& key : *keys) {
    if (!key.is_string()) return Invalid("ProviderRequest keys must be strings (image references)");
    out.push_back(key.get<std::string>());
  }
  return out;
}

Result<oci_client::ImageReference> ParseKubernetesImage(std::string_view image) {
  const size_t slash = image.find('/');
  const std::string_view first = image.substr(0, slash);
  const bool has_registry = slash != std::string_view::npos &&
                            (first.find_first_of(".:") != std::string_view::npos || first.starts_with('[') ||
                             first == "localhost");
  if (has_registry) return oci_client::ParseImageReference(image);
  const std::string qualified =
      std::string(slash == std::string_view::npos ? "docker.io/library/" : "docker.io/") + std::string(image);
  return oci_client::ParseImageReference(qualified);
}

}  // namespace scitt::gates

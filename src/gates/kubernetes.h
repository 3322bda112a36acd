// The Kubernetes side of the deployment gates: an AdmissionReview v1 request
// (admission.k8s.io/v1) and the images the object it carries would run, an
// OPA Gatekeeper external-data ProviderRequest
// (externaldata.gatekeeper.sh/v1beta1), and image references as a kubelet
// reads them (docker.io defaults). Parsers of untrusted bytes: fuzzed
// (fuzz/admission_review_fuzzer.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "oci_client/image_reference.h"

namespace scitt::gates {

inline constexpr std::string_view kAdmissionApiVersion = "admission.k8s.io/v1";
inline constexpr std::string_view kExternalDataApiVersion = "externaldata.gatekeeper.sh/v1beta1";
inline constexpr size_t kMaxImages = 1000;  // per object or provider request

struct ContainerImage {
  std::string container;  // its name
  std::string field;      // "containers", "initContainers" or "ephemeralContainers"
  std::string image;      // as written
};

struct AdmissionRequest {
  std::string uid;  // echoed in the response
  std::string kind;  // "Pod", "Deployment", … (request.kind.kind)
  std::string kubernetes_namespace;
  std::string name;
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  std::string user;       // request.userInfo.username
  bool dry_run = false;   // nothing may be persisted (the webhook's sideEffects: NoneOnDryRun)
  // Every container image of a Pod, or of the Pod template of a workload
  // (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
  // ReplicationController, CronJob, PodTemplate), in the object's order.
  // Empty for other kinds and for a DELETE.
  std::vector<ContainerImage> images;
  // For an UPDATE, the images the object ran before (request.oldObject):
  // the gate appraises only images an update adds, so that scaling or
  // relabelling a running workload is never refused for what was admitted.
  std::vector<ContainerImage> old_images;
};

// kInvalidArgument naming what is wrong.
Result<AdmissionRequest> ParseAdmissionReview(ByteView body);

// The keys of a ProviderRequest (Gatekeeper sends the images a constraint
// names), at most kMaxImages.
Result<std::vector<std::string>> ParseProviderRequest(ByteView body);

// An image as a kubelet reads it: without a registry host it is on
// docker.io, and a one-part name there is under library/ ("nginx:1.27" is
// "docker.io/library/nginx:1.27").
Result<oci_client::ImageReference> ParseKubernetesImage(std::string_view image);

}  // namespace scitt::gates

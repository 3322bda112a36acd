#include "gates/kubernetes.h"

#include <gtest/gtest.h>

#include <string>

#include "base/bytes.h"

namespace scitt::gates {
namespace {

std::string Review(const std::string& kind, const std::string& object, const std::string& operation = "CREATE") {
  return R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u-1",
            "kind": {"group": "", "version": "v1", "kind": ")" + kind + R"("}, "namespace": "prod",
            "operation": ")" + operation + R"(", "userInfo": {"username": "alice"}, "object": )" + object + "}}";
}

constexpr const char* kPodSpec =
    R"({"initContainers": [{"name": "init", "image": "busybox:1.36"}],
        "containers": [{"name": "app", "image": "registry.example/app:1"}, {"name": "proxy", "image": "envoy"}],
        "ephemeralContainers": [{"name": "debug", "image": "localhost:5000/tools/debug@sha256:)"
    "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3\"}]}";

std::vector<std::string> Images(const AdmissionRequest& request) {
  std::vector<std::string> out;
  for (const ContainerImage& container : request.images) out.push_back(container.field + " " + container.image);
  return out;
}

TEST(AdmissionReview, EveryContainerOfAPod) {
  auto request = ParseAdmissionReview(AsBytes(Review("Pod", std::string(R"({"metadata": {"name": "web"}, "spec": )") +
                                                               kPodSpec + "}")));
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->uid, "u-1");
  EXPECT_EQ(request->kubernetes_namespace, "prod");
  EXPECT_EQ(request->name, "web");
  EXPECT_EQ(request->user, "alice");
  const std::vector<std::string> expected = {
      "initContainers busybox:1.36", "containers registry.example/app:1", "containers envoy",
      "ephemeralContainers localhost:5000/tools/debug@sha256:c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"};
  EXPECT_EQ(Images(*request), expected);
  EXPECT_EQ(request->images[1].container, "app");
}

TEST(AdmissionReview, ThePodTemplateOfEachWorkloadKind) {
  const std::string templ = std::string(R"({"template": {"spec": )") + kPodSpec + "}}";
  for (const char* kind : {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"}) {
    auto request = ParseAdmissionReview(AsBytes(Review(kind, R"({"metadata": {"generateName": "w-"}, "spec": )" + templ + "}")));
    ASSERT_TRUE(request.ok()) << kind << ": " << request.error().message;
    EXPECT_EQ(request->images.size(), 4u) << kind;
    EXPECT_EQ(request->name, "w-") << kind;
  }
  auto cron = ParseAdmissionReview(AsBytes(Review("CronJob", R"({"spec": {"jobTemplate": {"spec": )" + templ + "}}}")));
  ASSERT_TRUE(cron.ok());
  EXPECT_EQ(cron->images.size(), 4u);
  auto pod_template = ParseAdmissionReview(AsBytes(Review("PodTemplate", templ)));
  ASSERT_TRUE(pod_template.ok());
  EXPECT_EQ(pod_template->images.size(), 4u);
}

TEST(AdmissionReview, AnUpdateKnowsWhatTheObjectRanBefore) {
  std::string review = Review("Deployment", R"({"spec": {"template": {"spec": {"containers": [
                                  {"name": "a", "image": "a.example/app:2"}]}}}})", "UPDATE");
  review.insert(review.rfind('}', review.rfind('}') - 1), R"(, "oldObject": {"spec": {"template": {"spec": {"containers": [
                                  {"name": "a", "image": "a.example/app:1"}]}}}})");
  auto request = ParseAdmissionReview(AsBytes(review));
  ASSERT_TRUE(request.ok()) << request.error().message;
  ASSERT_EQ(request->old_images.size(), 1u);
  EXPECT_EQ(request->old_images[0].image, "a.example/app:1");
  EXPECT_EQ(request->images[0].image, "a.example/app:2");
}

TEST(AdmissionReview, NothingToAppraise) {
  // Other kinds, a DELETE, an object with no Pod template yet.
  for (const auto& review : {Review("ConfigMap", R"({"data": {"image": "x"}})"),
                             Review("Pod", "null", "DELETE"),
                             Review("Deployment", R"({"spec": {}})")}) {
    auto request = ParseAdmissionReview(AsBytes(review));
    ASSERT_TRUE(request.ok()) << review << ": " << request.error().message;
    EXPECT_TRUE(request->images.empty()) << review;
  }
}

TEST(AdmissionReview, RefusesWhatItCannotAnswer) {
  const std::pair<std::string, const char*> cases[] = {
      {"{}", "not an AdmissionReview of admission.k8s.io/v1"},
      {R"({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "x"}})",
       "not an AdmissionReview of admission.k8s.io/v1"},
      {R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"})", "without a request"},
      {R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}})", "without a uid"},
      {Review("Pod", R"({"spec": {"containers": [{"name": "a"}]}})"), "a container in spec.containers has no image"},
      {Review("Pod", R"({"spec": {"containers": {"name": "a"}}})"), "spec.containers is not an array"},
      {Review("Pod", "[]"), "request.object is not an object"},
      {"not json", "AdmissionReview:"},
  };
  for (const auto& [text, message] : cases) {
    auto request = ParseAdmissionReview(AsBytes(text));
    ASSERT_FALSE(request.ok()) << text;
    EXPECT_NE(request.error().message.find(message), std::string::npos) << text << ": " << request.error().message;
  }
}

TEST(AdmissionReview, ContainersAreBounded) {
  std::string containers;
  for (size_t i = 0; i <= kMaxImages; ++i) containers += std::string(i ? "," : "") + R"({"name": "c", "image": "a/b:1"})";
  auto request = ParseAdmissionReview(AsBytes(Review("Pod", R"({"spec": {"containers": [)" + containers + "]}}")));
  ASSERT_FALSE(request.ok());
  EXPECT_NE(request.error().message.find("more than 1000 containers"), std::string::npos);
}

TEST(KubernetesImage, DockerHubDefaultsAsAKubeletReadsThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"nginx", "docker.io/library/nginx:latest"},
      {"nginx:1.27", "docker.io/library/nginx:1.27"},
      {"bitnami/redis:7", "docker.io/bitnami/redis:7"},
      {"ghcr.io/acme/api:v2", "ghcr.io/acme/api:v2"},
      {"localhost/app", "localhost/app:latest"},
      {"localhost:5000/team/app:1", "localhost:5000/team/app:1"},
  };
  for (const auto& [image, expected] : cases) {
    auto reference = ParseKubernetesImage(image);
    ASSERT_TRUE(reference.ok()) << image << ": " << reference.error().message;
    const std::string tag = reference->tag.empty() ? "latest" : reference->tag;
    EXPECT_EQ(reference->registry + "/" + reference->repository + ":" + tag, expected) << image;
  }
  auto pinned = ParseKubernetesImage("nginx@sha256:c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
  ASSERT_TRUE(pinned.ok());
  ASSERT_TRUE(pinned->digest.has_value());
  EXPECT_EQ(pinned->repository, "library/nginx");
  EXPECT_FALSE(ParseKubernetesImage("Nginx").ok());  // repository names are lower case
  EXPECT_FALSE(ParseKubernetesImage("").ok());
}

TEST(ProviderRequest, KeysInOrder) {
  auto keys = ParseProviderRequest(AsBytes(
      R"({"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest",
          "request": {"keys": ["a.example/x:1", "nginx"]}})"));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(*keys, (std::vector<std::string>{"a.example/x:1", "nginx"}));
  for (const char* bad : {R"({"apiVersion": "externaldata.gatekeeper.sh/v1alpha1", "kind": "ProviderRequest",
                              "request": {"keys": []}})",
                          R"({"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest",
                              "request": {"keys": [1]}})",
                          R"({"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest"})"}) {
    EXPECT_FALSE(ParseProviderRequest(AsBytes(bad)).ok()) << bad;
  }
}

}  // namespace
}  // namespace scitt::gates

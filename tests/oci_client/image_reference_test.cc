// Image references as users write them: host[:port]/name[:tag][@digest].
#include "oci_client/image_reference.h"

#include <gtest/gtest.h>

#include <vector>

namespace scitt::oci_client {
namespace {

const std::string kDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

TEST(ImageReference, HostPortNameTagDigest) {
  auto ref = ParseImageReference("127.0.0.1:5000/team/app:v1@" + kDigest);
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  EXPECT_EQ(ref->registry, "127.0.0.1:5000");
  EXPECT_EQ(ref->repository, "team/app");
  EXPECT_EQ(ref->tag, "v1");
  ASSERT_TRUE(ref->digest);
  EXPECT_EQ(ref->digest->ToString(), kDigest);
  EXPECT_EQ(ref->TagOrDigest(), kDigest);  // the digest pins the content
  EXPECT_EQ(ref->ToString(), "127.0.0.1:5000/team/app:v1@" + kDigest);
}

TEST(ImageReference, TagDefaultsToLatest) {
  auto ref = ParseImageReference("registry.example.com/app");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->registry, "registry.example.com");
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->TagOrDigest(), "latest");
  auto by_digest = ParseImageReference("localhost/app@" + kDigest);
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(by_digest->registry, "localhost");
  EXPECT_EQ(by_digest->tag, "");
  EXPECT_EQ(by_digest->TagOrDigest(), kDigest);
}

TEST(ImageReference, PortIsNotATag) {
  auto ref = ParseImageReference("localhost:5000/app");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->registry, "localhost:5000");
  EXPECT_EQ(ref->repository, "app");
  EXPECT_EQ(ref->tag, "");
  auto v6 = ParseImageReference("[::1]:5000/a/b:c");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->registry, "[::1]:5000");
  EXPECT_EQ(v6->repository, "a/b");
  EXPECT_EQ(v6->tag, "c");
}

TEST(ImageReference, NoDefaultRegistry) {
  for (const char* text : {"app", "app:v1", "library/ubuntu:22.04", "team/app"}) {
    auto ref = ParseImageReference(text);
    ASSERT_FALSE(ref.ok()) << text;
    EXPECT_NE(ref.error().message.find("no registry host"), std::string::npos) << ref.error().message;
  }
}

TEST(ImageReference, RefusesWhatTheGrammarsRefuse) {
  for (const std::string& text : std::vector<std::string>{"host.example/App", "host.example/app:", "host.example/app:-x",
                                 "host.example/app@sha256:abc", "host.example/app@" + kDigest + "x",
                                 "host.example//app", "host.example/", "host:port/app", "[::1/app",
                                 "ho st.example/app", "host.example:99999999/app"}) {
    EXPECT_FALSE(ParseImageReference(text).ok()) << text;
  }
}

TEST(ImageReference, LoopbackMeansPlainHttp) {
  for (const char* registry : {"localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000"}) {
    EXPECT_TRUE(IsLoopbackRegistry(registry)) << registry;
  }
  for (const char* registry : {"registry.example.com", "10.0.0.1:5000", "localhost.example.com", "[::2]:5000",
                               "127.example.com"}) {
    EXPECT_FALSE(IsLoopbackRegistry(registry)) << registry;
  }
  EXPECT_EQ(RegistryBaseUrl("127.0.0.1:5000", true), "http://127.0.0.1:5000");
  EXPECT_EQ(RegistryBaseUrl("r.example", false), "https://r.example");
}

}  // namespace
}  // namespace scitt::oci_client

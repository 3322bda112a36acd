// Manifest and index parsing: the image-spec examples, artifacts with a
// subject, and every refusal ParseManifest documents.
#include "registry/manifest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace scitt::registry {
namespace {

using nlohmann::json;

const std::string kEmpty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
const std::string kSubject = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";

// image-spec manifest.md "Example Image Manifest".
const char kSpecExample[] = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "size": 7023,
    "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "size": 32654,
      "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0"
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "size": 16724,
      "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b"
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "size": 73109,
      "digest": "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736"
    }
  ],
  "annotations": {
    "com.example.key1": "value1",
    "com.example.key2": "value2"
  }
})";

// A SCITT statement as a referrer (docs/scitt-in-oci.md): empty config, one
// layer, a subject.
json Artifact() {
  return json{{"schemaVersion", 2},
              {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
              {"artifactType", "application/scitt-statement+cose"},
              {"config", {{"mediaType", "application/vnd.oci.empty.v1+json"}, {"digest", kEmpty},
                          {"size", 2}, {"data", "e30="}}},
              {"layers", json::array({{{"mediaType", "application/scitt-statement+cose"},
                                        {"digest", kSubject}, {"size", 1234}}})},
              {"subject", {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                           {"digest", kSubject}, {"size", 527}}},
              {"annotations", {{"org.opencontainers.image.created", "2026-12-04T00:00:00Z"}}}};
}

Result<Manifest> Parse(const json& document, std::string_view content_type = kOciManifest) {
  return ParseManifest(content_type, AsBytes(document.dump()));
}

void ExpectInvalid(const std::string& bytes, std::string_view content_type, const std::string& why) {
  auto parsed = ParseManifest(content_type, AsBytes(bytes));
  ASSERT_FALSE(parsed.ok()) << why;
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << why;
  EXPECT_NE(parsed.error().message.find(why), std::string::npos) << parsed.error().message;
}

TEST(Manifests, SpecExample) {
  auto parsed = ParseManifest("application/vnd.oci.image.manifest.v1+json", AsBytes(kSpecExample));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->kind, ManifestKind::kImage);
  EXPECT_EQ(parsed->media_type, kOciManifest);
  ASSERT_TRUE(parsed->config);
  EXPECT_EQ(parsed->config->size, 7023);
  ASSERT_EQ(parsed->layers.size(), 3u);
  EXPECT_EQ(parsed->layers[2].digest.ToString(),
            "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736");
  EXPECT_EQ(parsed->annotations.at("com.example.key2"), "value2");
  EXPECT_FALSE(parsed->subject);
  // Without a Content-Type the body's mediaType decides; parameters are ignored.
  EXPECT_TRUE(ParseManifest("", AsBytes(kSpecExample)).ok());
  EXPECT_TRUE(
      ParseManifest("application/vnd.oci.image.manifest.v1+json; charset=utf-8", AsBytes(kSpecExample)).ok());
}

TEST(Manifests, ArtifactWithSubjectAndItsReferrerDescriptor) {
  auto parsed = Parse(Artifact());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_TRUE(parsed->subject);
  EXPECT_EQ(parsed->subject->digest.ToString(), kSubject);
  const Digest self = Digest::Sha256Of(AsBytes("x"));
  Descriptor referrer = ReferrerDescriptor(*parsed, self, 600);
  EXPECT_EQ(referrer.artifact_type, "application/scitt-statement+cose");
  EXPECT_EQ(referrer.media_type, kOciManifest);
  EXPECT_EQ(referrer.size, 600);
  EXPECT_EQ(referrer.annotations.at("org.opencontainers.image.created"), "2026-12-04T00:00:00Z");

  // An image manifest without artifactType: the config's media type.
  json old = Artifact();
  old.erase("artifactType");
  old["config"] = {{"mediaType", "application/vnd.cncf.notary.signature"}, {"digest", kEmpty},
                   {"size", 2}};
  parsed = Parse(old);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(ReferrerDescriptor(*parsed, self, 1).artifact_type, "application/vnd.cncf.notary.signature");

  // An index without artifactType has none.
  json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex},
                {"manifests", json::array()}, {"subject", Artifact()["subject"]}};
  parsed = Parse(index, kOciIndex);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->kind, ManifestKind::kIndex);
  EXPECT_FALSE(ReferrerDescriptor(*parsed, self, 1).artifact_type);
}

TEST(Manifests, DockerFormsAndIndexes) {
  json docker = json::parse(kSpecExample);
  docker["mediaType"] = kDockerManifest;
  auto parsed = Parse(docker, kDockerManifest);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->kind, ManifestKind::kImage);

  json list = {{"schemaVersion", 2}, {"mediaType", kDockerManifestList},
               {"manifests", json::array({{{"mediaType", kDockerManifest}, {"digest", kSubject},
                                           {"size", 1},
                                           {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}})}};
  parsed = Parse(list, kDockerManifestList);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->kind, ManifestKind::kIndex);
  ASSERT_EQ(parsed->manifests.size(), 1u);

  // No mediaType in the body: the Content-Type says what it is.
  json bare = json::parse(kSpecExample);
  bare.erase("mediaType");
  parsed = Parse(bare, kOciManifest);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->media_type, kOciManifest);
  // A manifest with no layers is valid.
  bare.erase("layers");
  EXPECT_TRUE(Parse(bare, kOciManifest).ok());
}

TEST(Manifests, Refusals) {
  ExpectInvalid("{", kOciManifest, "not valid JSON");
  ExpectInvalid("[]", kOciManifest, "not a JSON object");
  ExpectInvalid("{\"schemaVersion\": 2, \"schemaVersion\": 2}", kOciManifest, "appears twice");
  ExpectInvalid(std::string(100, '[') + std::string(100, ']'), kOciManifest, "nested deeper");
  ExpectInvalid("{\"schemaVersion\": 2, \"x\": \"\xff\"}", kOciManifest, "UTF-8");

  json m = json::parse(kSpecExample);
  m["schemaVersion"] = 1;
  ExpectInvalid(m.dump(), kOciManifest, "schemaVersion");
  m = json::parse(kSpecExample);
  ExpectInvalid(m.dump(), kOciIndex, "differs from the Content-Type");
  m.erase("mediaType");
  ExpectInvalid(m.dump(), "", "no mediaType and no Content-Type");
  ExpectInvalid(m.dump(), "application/vnd.docker.distribution.manifest.v1+prettyjws", "unsupported");
  m = json::parse(kSpecExample);
  m.erase("config");
  ExpectInvalid(m.dump(), kOciManifest, "\"config\" is missing");
  m = json::parse(kSpecExample);
  m["layers"][0]["size"] = -1;
  ExpectInvalid(m.dump(), kOciManifest, "non-negative integer");
  m["layers"][0]["size"] = 1.5;
  ExpectInvalid(m.dump(), kOciManifest, "non-negative integer");
  m["layers"][0]["size"] = 18446744073709551615ull;
  ExpectInvalid(m.dump(), kOciManifest, "non-negative integer");
  m = json::parse(kSpecExample);
  m["layers"][1]["digest"] = "sha256:xyz";
  ExpectInvalid(m.dump(), kOciManifest, "layers[1]");
  m = json::parse(kSpecExample);
  m["layers"][0]["mediaType"] = "not a media type";
  ExpectInvalid(m.dump(), kOciManifest, "not a media type");
  m = json::parse(kSpecExample);
  m["annotations"]["n"] = 1;
  ExpectInvalid(m.dump(), kOciManifest, "must be a string");

  json a = Artifact();
  a.erase("artifactType");
  ExpectInvalid(a.dump(), kOciManifest, "artifactType\" is required");
  a = Artifact();
  a["config"]["data"] = "W10=";  // "[]": two bytes, another digest
  ExpectInvalid(a.dump(), kOciManifest, "does not match");
  a["config"]["data"] = "!!";
  ExpectInvalid(a.dump(), kOciManifest, "not valid base64");
  a = Artifact();
  a["subject"]["digest"] = "md5:abc";
  ExpectInvalid(a.dump(), kOciManifest, "subject");
  json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex}};
  ExpectInvalid(index.dump(), kOciIndex, "\"manifests\" is missing");
}

TEST(Manifests, EncodeIndexIsAValidEmptyOrFullIndex) {
  EXPECT_EQ(EncodeIndex({}),
            R"({"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2})");
  auto parsed = Parse(Artifact());
  ASSERT_TRUE(parsed.ok());
  const Descriptor referrer = ReferrerDescriptor(*parsed, Digest::Sha256Of(AsBytes("x")), 600);
  const std::string index = EncodeIndex(std::span(&referrer, 1));
  auto reparsed = ParseManifest(kOciIndex, AsBytes(index));
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
  ASSERT_EQ(reparsed->manifests.size(), 1u);
  EXPECT_EQ(reparsed->manifests[0].artifact_type, "application/scitt-statement+cose");
  EXPECT_EQ(reparsed->manifests[0].annotations, referrer.annotations);
  EXPECT_EQ(reparsed->manifests[0].digest, referrer.digest);
}

}  // namespace
}  // namespace scitt::registry

// The referrers tag schema's update (distribution-spec "Referrers Tag
// Schema"): no duplicates, artifactType falling back to config.mediaType,
// annotations copied, other entries kept; and Link paging.
#include "oci_client/referrers_index.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "registry/scitt_profile.h"

namespace scitt::oci_client {
namespace {

using nlohmann::json;

const std::string kEmpty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
const std::string kImage = "sha256:" + std::string(64, 'a');

// A manifest with a subject, and its descriptor as the spec builds it.
registry::Descriptor Referrer(const json& manifest) {
  const std::string bytes = manifest.dump();
  auto parsed = registry::ParseManifest(registry::kOciManifest, AsBytes(bytes));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return registry::ReferrerDescriptor(*parsed, registry::Digest::Sha256Of(AsBytes(bytes)),
                                      static_cast<int64_t>(bytes.size()));
}

json Artifact(const std::string& artifact_type, const json& annotations) {
  json manifest = {{"schemaVersion", 2}, {"mediaType", registry::kOciManifest},
                   {"config", {{"mediaType", registry::kOciEmpty}, {"digest", kEmpty}, {"size", 2}}},
                   {"layers", json::array()},
                   {"subject", {{"mediaType", registry::kOciManifest}, {"digest", kImage}, {"size", 10}}}};
  if (!artifact_type.empty()) manifest["artifactType"] = artifact_type;
  if (!annotations.is_null()) manifest["annotations"] = annotations;
  return manifest;
}

TEST(ReferrersIndex, StartsFromAnEmptyIndexWhenTheTagIsMissing) {
  const registry::Descriptor statement =
      Referrer(Artifact(std::string(registry::kStatementArtifactType), {{"org.ietf.scitt.issuer", "https://i.example"}}));
  auto index = AddToReferrersIndex(std::nullopt, "", statement);
  ASSERT_TRUE(index.ok()) << index.error().message;
  ASSERT_TRUE(*index);
  const json doc = json::parse(**index);
  EXPECT_EQ(doc["schemaVersion"], 2);
  EXPECT_EQ(doc["mediaType"], registry::kOciIndex);
  ASSERT_EQ(doc["manifests"].size(), 1u);
  const json& entry = doc["manifests"][0];
  EXPECT_EQ(entry["digest"], statement.digest.ToString());
  EXPECT_EQ(entry["mediaType"], registry::kOciManifest);
  EXPECT_EQ(entry["size"], statement.size);
  EXPECT_EQ(entry["artifactType"], registry::kStatementArtifactType);
  EXPECT_EQ(entry["annotations"]["org.ietf.scitt.issuer"], "https://i.example");  // annotations copied
  // It parses as what the referrers API would answer.
  auto parsed = registry::ParseManifest(registry::kOciIndex, AsBytes(**index));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->manifests[0].digest, statement.digest);
}

TEST(ReferrersIndex, ArtifactTypeFallsBackToTheConfigMediaType) {
  json legacy = Artifact("", nullptr);
  legacy["config"]["mediaType"] = "application/vnd.cncf.notary.signature";
  legacy["config"]["digest"] = kImage;
  auto index = AddToReferrersIndex(std::nullopt, "", Referrer(legacy));
  ASSERT_TRUE(index.ok() && *index);
  const json entry = json::parse(**index)["manifests"][0];
  EXPECT_EQ(entry["artifactType"], "application/vnd.cncf.notary.signature");
  EXPECT_FALSE(entry.contains("annotations"));
}

TEST(ReferrersIndex, AppendsOnceAndKeepsOtherEntriesExactly) {
  const registry::Descriptor first = Referrer(Artifact("application/spdx+json", {{"a", "1"}}));
  const registry::Descriptor second = Referrer(Artifact("application/vnd.cyclonedx+json", {{"b", "2"}}));
  // Another tool's entry, with a field this client does not model.
  const std::string existing =
      json{{"schemaVersion", 2}, {"mediaType", registry::kOciIndex},
           {"manifests", json::array({{{"mediaType", registry::kOciManifest}, {"digest", first.digest.ToString()},
                                        {"size", first.size}, {"artifactType", "application/spdx+json"},
                                        {"platform", {{"os", "linux"}}}}})}}
          .dump();
  auto again = AddToReferrersIndex(AsBytes(existing), registry::kOciIndex, first);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "a listed referrer must not be listed twice";
  auto added = AddToReferrersIndex(AsBytes(existing), registry::kOciIndex, second);
  ASSERT_TRUE(added.ok() && *added);
  const json doc = json::parse(**added);
  ASSERT_EQ(doc["manifests"].size(), 2u);
  EXPECT_EQ(doc["manifests"][0], json::parse(existing)["manifests"][0]);
  EXPECT_EQ(doc["manifests"][1]["digest"], second.digest.ToString());
  EXPECT_EQ(doc["manifests"][1]["annotations"]["b"], "2");
  // Pushing that result again adds nothing.
  auto twice = AddToReferrersIndex(AsBytes(**added), registry::kOciIndex, second);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
}

TEST(ReferrersIndex, ATagHoldingSomethingElseIsNotReplaced) {
  const registry::Descriptor referrer = Referrer(Artifact("application/spdx+json", nullptr));
  const std::string image = Artifact("application/spdx+json", nullptr).dump();
  EXPECT_FALSE(AddToReferrersIndex(AsBytes(image), registry::kOciManifest, referrer).ok());
  EXPECT_FALSE(AddToReferrersIndex(AsBytes(std::string("{junk")), registry::kOciIndex, referrer).ok());
}

TEST(ReferrersIndex, ClientSideFilter) {
  std::vector<registry::Descriptor> all = {Referrer(Artifact("application/spdx+json", nullptr)),
                                           Referrer(Artifact(std::string(registry::kReceiptArtifactType), nullptr))};
  EXPECT_EQ(FilterByArtifactType(all, std::nullopt).size(), 2u);
  auto receipts = FilterByArtifactType(all, std::string(registry::kReceiptArtifactType));
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_EQ(receipts[0].digest, all[1].digest);
}

TEST(NextPage, RelNextAmongOtherLinks) {
  EXPECT_EQ(NextPageLink(R"(</v2/a/referrers/sha256:x?last=sha256:y>; rel="next")"),
            "/v2/a/referrers/sha256:x?last=sha256:y");
  EXPECT_EQ(NextPageLink(R"(<https://a.example/p1>; rel="prev", <https://a.example/p3>; rel=next)"),
            "https://a.example/p3");
  EXPECT_EQ(NextPageLink(R"(</x>; rel="previous next")"), "/x");
  EXPECT_EQ(NextPageLink(R"(</x>; REL="Next")"), "/x");
  EXPECT_FALSE(NextPageLink(R"(</x>; rel="nextpage")"));
  EXPECT_FALSE(NextPageLink(R"(</x>; rel="prev")"));
  EXPECT_FALSE(NextPageLink("</x"));
  EXPECT_FALSE(NextPageLink(""));
}

}  // namespace
}  // namespace scitt::oci_client

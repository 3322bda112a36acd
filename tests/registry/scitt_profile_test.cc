// The statement and receipt manifests of docs/scitt-in-oci.md as the client
// builds and recognises them.
#include "registry/scitt_profile.h"

#include <gtest/gtest.h>

namespace scitt::registry {
namespace {

Descriptor Blob(std::string media_type, std::string_view content) {
  return Descriptor{std::move(media_type), Digest::Sha256Of(AsBytes(content)), static_cast<int64_t>(content.size()),
                    {}, {}, {}};
}

TEST(ScittProfile, StatementManifestIsRecognisedAndListsItsAnnotations) {
  const Descriptor image = Blob(std::string(kOciManifest), "image");
  const Descriptor statement = Blob(std::string(kStatementArtifactType), "cose bytes");
  const std::string bytes =
      StatementManifest(image, statement, {{std::string(kIssuerAnnotation), "https://issuer.example"}});
  auto manifest = ParseManifest(kOciManifest, AsBytes(bytes));
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  ASSERT_TRUE(StatementLayer(*manifest));
  EXPECT_EQ(StatementLayer(*manifest)->digest, statement.digest);
  EXPECT_FALSE(ReceiptLayer(*manifest));
  ASSERT_TRUE(manifest->subject);
  EXPECT_EQ(manifest->subject->digest, image.digest);
  EXPECT_EQ(manifest->config->media_type, kOciEmpty);
  EXPECT_EQ(manifest->annotations.at(std::string(kIssuerAnnotation)), "https://issuer.example");
  // No annotations: no empty object either.
  EXPECT_EQ(StatementManifest(image, statement, {}).find("annotations"), std::string::npos);
}

TEST(ScittProfile, ReceiptLayerOnlyForReceiptManifests) {
  const Descriptor statement_manifest = Blob(std::string(kOciManifest), "statement manifest");
  const Descriptor receipt = Blob(std::string(kReceiptArtifactType), "receipt");
  const std::string bytes = ReceiptManifest(statement_manifest, receipt, 7);
  auto manifest = ParseManifest(kOciManifest, AsBytes(bytes));
  ASSERT_TRUE(manifest.ok());
  ASSERT_TRUE(ReceiptLayer(*manifest));
  EXPECT_EQ(ReceiptLayer(*manifest)->digest, receipt.digest);
  EXPECT_FALSE(StatementLayer(*manifest));
  // Two layers, or the statement type, are not a receipt manifest.
  Manifest two = *manifest;
  two.layers.push_back(two.layers[0]);
  EXPECT_FALSE(ReceiptLayer(two));
  Manifest other = *manifest;
  other.artifact_type = std::string(kStatementArtifactType);
  EXPECT_FALSE(ReceiptLayer(other));
}

}  // namespace
}  // namespace scitt::registry

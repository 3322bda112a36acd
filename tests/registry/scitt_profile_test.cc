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
  const OwnManifest own =
      StatementManifest(image, statement, {{std::string(kIssuerAnnotation), "https://issuer.example"}});
  auto manifest = ParseManifest(kOciManifest, AsBytes(own.bytes));
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  EXPECT_EQ(*manifest, own.manifest);  // what the registry records is what the bytes say
  ASSERT_TRUE(StatementLayer(*manifest));
  EXPECT_EQ(StatementLayer(*manifest)->digest, statement.digest);
  EXPECT_FALSE(ReceiptLayer(*manifest));
  ASSERT_TRUE(manifest->subject);
  EXPECT_EQ(manifest->subject->digest, image.digest);
  EXPECT_EQ(manifest->config->media_type, kOciEmpty);
  EXPECT_EQ(manifest->annotations.at(std::string(kIssuerAnnotation)), "https://issuer.example");
  // No annotations: no empty object either.
  const OwnManifest bare = StatementManifest(image, statement, {});
  EXPECT_EQ(bare.bytes.find("annotations"), std::string::npos);
  EXPECT_EQ(ParseManifest(kOciManifest, AsBytes(bare.bytes)).value(), bare.manifest);
}

TEST(ScittProfile, ReceiptLayerOnlyForReceiptManifests) {
  const Descriptor statement_manifest = Blob(std::string(kOciManifest), "statement manifest");
  const Descriptor receipt = Blob(std::string(kReceiptArtifactType), "receipt");
  const OwnManifest own = ReceiptManifest(statement_manifest, receipt, 7);
  // The exact bytes: a receipt manifest written again must keep its digest.
  EXPECT_EQ(own.bytes,
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
            R"("artifactType":"application/scitt-receipt+cose","config":{"mediaType":)"
            R"("application/vnd.oci.empty.v1+json","digest":)"
            R"("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
            R"("layers":[{"mediaType":"application/scitt-receipt+cose","digest":")" +
                receipt.digest.ToString() + R"(","size":7}],"subject":{"mediaType":)"
            R"("application/vnd.oci.image.manifest.v1+json","digest":")" +
                statement_manifest.digest.ToString() +
                R"(","size":18},"annotations":{"org.ietf.scitt.entry":"7"}})");
  auto manifest = ParseManifest(kOciManifest, AsBytes(own.bytes));
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(*manifest, own.manifest);
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

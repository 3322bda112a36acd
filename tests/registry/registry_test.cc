// The registry's workflows (pull, push, discovery, management) over the
// embedded blob files and registry.kv, without HTTP.
#include "registry/registry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "cbor/value.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"
#include "registry/gc.h"
#include "registry/log_attacher.h"
#include "storage/embedded/blob_files.h"
#include "storage/embedded/registry_kv.h"
#include "storage/store.h"
#include "support/test_keys.h"
#include "support/test_log.h"

namespace scitt::registry {
namespace {

using nlohmann::json;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-registry-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    blobs_ = std::move(*storage::BlobFiles::Open(dir_));
    store_ = std::move(*storage::RegistryKv::Open(dir_ + "/registry.kv"));
    registry_ = std::make_unique<Registry>(*blobs_, *store_, options_);
  }
  void TearDown() override {
    registry_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(RegistryOptions options) { registry_ = std::make_unique<Registry>(*blobs_, *store_, options); }

  // Pushes `content` to `repository` in one chunk; returns its digest.
  Digest PushBlob(std::string_view repository, std::string_view content) {
    auto upload = registry_->StartUpload(repository);
    EXPECT_TRUE(upload.ok());
    EXPECT_TRUE(registry_->AppendUpload(repository, *upload, 0, AsBytes(content)).ok());
    const Digest digest = Digest::Sha256Of(AsBytes(content));
    auto finished = registry_->FinishUpload(repository, *upload, digest);
    EXPECT_TRUE(finished.ok()) << finished.error().message;
    return digest;
  }

  json ImageManifest(const Digest& config, const Digest& layer) {
    return {{"schemaVersion", 2},
            {"mediaType", kOciManifest},
            {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                        {"digest", config.ToString()}, {"size", 2}}},
            {"layers", json::array({{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                     {"digest", layer.ToString()}, {"size", 5}}})}};
  }
  json Referrer(const Digest& subject, const std::string& type, const Digest& empty) {
    return {{"schemaVersion", 2},
            {"mediaType", kOciManifest},
            {"artifactType", type},
            {"config", {{"mediaType", kOciEmpty}, {"digest", empty.ToString()}, {"size", 2}}},
            {"layers", json::array({{{"mediaType", kOciEmpty}, {"digest", empty.ToString()}, {"size", 2}}})},
            {"subject", {{"mediaType", kOciManifest}, {"digest", subject.ToString()}, {"size", 100}}},
            {"annotations", {{"k", type}}}};
  }
  OciResult<PushedManifest> Put(std::string_view repository, const std::string& reference,
                                const json& manifest, std::vector<std::string> tags = {}) {
    return registry_->PutManifest(repository, *ParseTagOrDigest(reference), tags, kOciManifest,
                                  AsBytes(manifest.dump()));
  }

  std::string dir_;
  RegistryOptions options_;
  std::unique_ptr<storage::BlobFiles> blobs_;
  std::unique_ptr<storage::RegistryKv> store_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, PushThenPullAnImage) {
  const Digest config = PushBlob("app", "{}");
  const Digest layer = PushBlob("app", "hello");
  EXPECT_EQ(*registry_->BlobSize("app", layer), 5u);
  EXPECT_EQ(registry_->BlobSize("other", layer).error().code, OciCode::kBlobUnknown);
  auto reader = registry_->OpenBlob("app", layer);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*(*reader)->Read(1, 3), Bytes({'e', 'l', 'l'}));

  const json manifest = ImageManifest(config, layer);
  const std::string bytes = manifest.dump(2);  // stored exactly, whitespace and all
  auto pushed = registry_->PutManifest("app", *ParseTagOrDigest("v1"), {}, kOciManifest, AsBytes(bytes));
  ASSERT_TRUE(pushed.ok()) << pushed.error().message;
  EXPECT_EQ(pushed->digest, Digest::Sha256Of(AsBytes(bytes)));
  EXPECT_EQ(pushed->tags, std::vector<std::string>{"v1"});
  for (const std::string& reference : {std::string("v1"), pushed->digest.ToString()}) {
    auto got = registry_->GetManifest("app", *ParseTagOrDigest(reference));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->content, Bytes(bytes.begin(), bytes.end()));
    EXPECT_EQ(got->record.media_type, kOciManifest);
    EXPECT_EQ(got->record.size, bytes.size());
  }
  EXPECT_EQ(registry_->GetManifest("app", *ParseTagOrDigest("v2")).error().code, OciCode::kManifestUnknown);
  EXPECT_EQ(registry_->GetManifest("nope", *ParseTagOrDigest(pushed->digest.ToString())).error().code,
            OciCode::kManifestUnknown);
  EXPECT_EQ(*registry_->ListTags("app", "", 10), std::vector<std::string>{"v1"});
  EXPECT_EQ(registry_->ListTags("nope", "", 10).error().code, OciCode::kNameUnknown);
}

// on_manifest_stored is where statements registered before their artifact
// get attached: told once per manifest new to a repository, not at every
// push of it (a retag pushes the same bytes again).
// A BlobStore that finishes commits late, on a thread of its own, as a
// store that syncs in the background may.
class LateCommits final : public BlobStore {
 public:
  explicit LateCommits(BlobStore& inner) : inner_(inner) {}
  ~LateCommits() override {
    for (std::thread& thread : threads_) thread.join();
  }
  void CommitAsync(std::string_view owner, const std::string& upload, const Digest& expected,
                   std::function<void(Result<uint64_t>)> done) override {
    auto size = inner_.Commit(owner, upload, expected);
    threads_.emplace_back([size = std::move(size), done = std::move(done)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      done(std::move(size));
    });
  }
  Result<std::string> StartUpload(std::string_view owner) override { return inner_.StartUpload(owner); }
  Result<uint64_t> Append(std::string_view owner, const std::string& upload, uint64_t offset,
                          ByteView bytes) override {
    return inner_.Append(owner, upload, offset, bytes);
  }
  Result<uint64_t> UploadSize(std::string_view owner, const std::string& upload) override {
    return inner_.UploadSize(owner, upload);
  }
  Result<uint64_t> Commit(std::string_view owner, const std::string& upload, const Digest& expected) override {
    return inner_.Commit(owner, upload, expected);
  }
  Status Cancel(std::string_view owner, const std::string& upload) override {
    return inner_.Cancel(owner, upload);
  }
  Result<std::optional<uint64_t>> Size(const Digest& digest) const override { return inner_.Size(digest); }
  Result<std::unique_ptr<BlobReader>> Open(const Digest& digest) const override { return inner_.Open(digest); }
  Result<Digest> Put(ByteView content, crypto::HashAlgorithm algorithm) override {
    return inner_.Put(content, algorithm);
  }
  Status Remove(const Digest& digest) override { return inner_.Remove(digest); }
  Result<std::vector<Digest>> List() const override { return inner_.List(); }

 private:
  BlobStore& inner_;
  std::vector<std::thread> threads_;
};

// An upload the stores finish on their threads calls back into the
// registry: destroying it waits for that, and the upload is answered and
// linked.
TEST_F(RegistryTest, DestroyingTheRegistryWaitsForUploadsTheStoresFinish) {
  LateCommits late(*blobs_);
  auto registry = std::make_unique<Registry>(late, *store_, options_);
  auto upload = registry->StartUpload("app");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE(registry->AppendUpload("app", *upload, 0, AsBytes("late")).ok());
  std::atomic<bool> answered{false};
  registry->FinishUploadAsync("app", *upload, Digest::Sha256Of(AsBytes("late")),
                              [&](OciResult<uint64_t> size) {
                                EXPECT_TRUE(size.ok());
                                answered = true;
                              });
  EXPECT_FALSE(answered.load());
  registry.reset();
  EXPECT_TRUE(answered.load());
  EXPECT_TRUE(*store_->HasBlob("app", Digest::Sha256Of(AsBytes("late"))));
}

TEST_F(RegistryTest, AWholeBlobIsStoredAndLinkedWithoutASession) {
  const auto put = [&](std::string_view repository, const Digest& digest, std::string_view content) {
    std::promise<OciResult<uint64_t>> answer;
    registry_->PutBlobAsync(repository, digest, AsBytes(content),
                            [&](OciResult<uint64_t> size) { answer.set_value(std::move(size)); });
    return answer.get_future().get();
  };
  EXPECT_EQ(*put("app", Digest::Sha256Of(AsBytes("hello")), "hello"), 5u);
  EXPECT_EQ(*registry_->BlobSize("app", Digest::Sha256Of(AsBytes("hello"))), 5u);
  EXPECT_EQ(registry_->BlobSize("web", Digest::Sha256Of(AsBytes("hello"))).error().code, OciCode::kBlobUnknown);
  const Digest sha512 = Digest::Of(crypto::HashAlgorithm::kSha512,
                                   crypto::Digest(crypto::HashAlgorithm::kSha512, AsBytes("other")));
  EXPECT_EQ(*put("app", sha512, "other"), 5u);
  EXPECT_EQ(*registry_->BlobSize("app", sha512), 5u);
  EXPECT_EQ(*put("app", Digest::Sha256Of(AsBytes("")), ""), 0u);
  // Bytes that hash to something else: refused, nothing stored.
  EXPECT_EQ(put("app", Digest::Sha256Of(AsBytes("hell")), "hello!").error().code, OciCode::kDigestInvalid);
  EXPECT_FALSE(blobs_->Size(Digest::Sha256Of(AsBytes("hello!")))->has_value());
  EXPECT_EQ(registry_->BlobSize("app", Digest::Sha256Of(AsBytes("hell"))).error().code, OciCode::kBlobUnknown);
}

TEST_F(RegistryTest, PlainManifestsAreStoredOnTheContinuationPool) {
  // The pushing thread checks the manifest; storing it (which waits for the
  // stores' syncs) is a task on `continue_on`, or refused when that is full.
  std::vector<std::function<void()>> queued;
  bool accept = true;
  RegistryOptions options;
  options.continue_on = [&](std::function<void()> task) {
    if (accept) queued.push_back(std::move(task));
    return accept;
  };
  Reopen(options);
  const json manifest = ImageManifest(PushBlob("app", "{}"), PushBlob("app", "hello"));
  const std::string bytes = manifest.dump();
  std::optional<OciResult<PushedManifest>> answer;
  registry_->PutManifestAsync("app", *ParseTagOrDigest("v1"), {}, kOciManifest, AsBytes(bytes), {},
                              [&](OciResult<PushedManifest> pushed) { answer = std::move(pushed); });
  EXPECT_FALSE(answer.has_value());
  EXPECT_EQ(registry_->GetManifest("app", *ParseTagOrDigest("v1")).error().code, OciCode::kManifestUnknown);
  ASSERT_EQ(queued.size(), 1u);
  queued[0]();
  ASSERT_TRUE(answer.has_value() && answer->ok());
  EXPECT_TRUE(registry_->GetManifest("app", *ParseTagOrDigest("v1")).ok());

  accept = false;
  answer.reset();
  registry_->PutManifestAsync("app", *ParseTagOrDigest("v2"), {}, kOciManifest, AsBytes(bytes), {},
                              [&](OciResult<PushedManifest> pushed) { answer = std::move(pushed); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->error().code, OciCode::kUnavailable);
  EXPECT_EQ(registry_->GetManifest("app", *ParseTagOrDigest("v2")).error().code, OciCode::kManifestUnknown);
}

TEST_F(RegistryTest, ToldOfAManifestOnlyWhenItIsNewToTheRepository) {
  std::vector<std::string> told;
  RegistryOptions options;
  options.on_manifest_stored = [&](std::string_view repository, const Digest& digest) {
    told.push_back(std::string(repository) + "@" + digest.ToString());
  };
  Reopen(options);
  const json manifest = ImageManifest(PushBlob("app", "{}"), PushBlob("app", "hello"));
  auto first = Put("app", "v1", manifest);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const std::string digest = first->digest.ToString();
  ASSERT_TRUE(Put("app", "v2", manifest).ok());
  ASSERT_TRUE(Put("app", digest, manifest).ok());
  EXPECT_EQ(told, std::vector<std::string>{"app@" + digest});
  // Another repository, and the same one after a delete, hold it anew.
  PushBlob("web", "{}");
  PushBlob("web", "hello");
  ASSERT_TRUE(Put("web", "v1", manifest).ok());
  ASSERT_TRUE(registry_->DeleteManifest("app", *ParseTagOrDigest(digest)).ok());
  ASSERT_TRUE(Put("app", "v3", manifest).ok());
  EXPECT_EQ(told, (std::vector<std::string>{"app@" + digest, "web@" + digest, "app@" + digest}));
}

TEST_F(RegistryTest, ManifestRefusals) {
  const Digest config = PushBlob("app", "{}");
  const Digest missing = Digest::Sha256Of(AsBytes("not pushed"));
  EXPECT_EQ(Put("app", "v1", ImageManifest(config, missing)).error().code, OciCode::kManifestBlobUnknown);
  // A blob of another repository is not this one's.
  const Digest elsewhere = PushBlob("other", "hello");
  EXPECT_EQ(Put("app", "v1", ImageManifest(config, elsewhere)).error().code, OciCode::kManifestBlobUnknown);
  const Digest layer = PushBlob("app", "hello");
  const json good = ImageManifest(config, layer);
  EXPECT_EQ(Put("app", Digest::Sha256Of(AsBytes("x")).ToString(), good).error().code, OciCode::kDigestInvalid);
  EXPECT_EQ(registry_->PutManifest("app", *ParseTagOrDigest("v1"), {}, kOciManifest, AsBytes("{")).error().code,
            OciCode::kManifestInvalid);
  EXPECT_EQ(registry_->PutManifest("app", *ParseTagOrDigest("v1"), {}, kOciIndex, AsBytes(good.dump())).error().code,
            OciCode::kManifestInvalid);
  RegistryOptions small;
  small.max_manifest_bytes = 100;
  Reopen(small);
  EXPECT_EQ(Put("app", "v1", good).error().code, OciCode::kTooLarge);
  // Nothing was stored by any refusal.
  EXPECT_EQ(registry_->ListTags("app", "", 10)->size(), 0u);
}

TEST_F(RegistryTest, DigestReferencesExtraTagsAndSha512) {
  const Digest config = PushBlob("app", "{}");
  const Digest layer = PushBlob("app", "hello");
  const std::string bytes = ImageManifest(config, layer).dump();
  const Digest sha512 = Digest::Of(crypto::HashAlgorithm::kSha512,
                                   crypto::Digest(crypto::HashAlgorithm::kSha512, AsBytes(bytes)));
  const std::vector<std::string> tags = {"a", "b", "a"};
  auto pushed = registry_->PutManifest("app", *ParseTagOrDigest(sha512.ToString()), tags, kOciManifest,
                                       AsBytes(bytes));
  ASSERT_TRUE(pushed.ok()) << pushed.error().message;
  EXPECT_EQ(pushed->digest, sha512);
  EXPECT_EQ(pushed->tags, (std::vector<std::string>{"a", "b"}));
  auto got = registry_->GetManifest("app", *ParseTagOrDigest("b"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->record.digest, sha512);
  EXPECT_EQ(got->content, Bytes(bytes.begin(), bytes.end()));
}

TEST_F(RegistryTest, ReferrersAppearAndGoWithTheirManifests) {
  const Digest empty = PushBlob("app", "{}");
  const Digest subject = Digest::Sha256Of(AsBytes("an image that was never pushed"));
  auto sbom = Put("app", "sbom", Referrer(subject, "application/spdx+json", empty));
  ASSERT_TRUE(sbom.ok()) << sbom.error().message;  // the subject need not exist
  auto statement = Put("app", "stmt", Referrer(subject, "application/scitt-statement+cose", empty));
  ASSERT_TRUE(statement.ok());
  auto all = registry_->ListReferrers("app", subject, std::nullopt, "", 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  auto filtered = registry_->ListReferrers("app", subject, "application/spdx+json", "", 100);
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0].digest, sbom->digest);
  EXPECT_EQ((*filtered)[0].annotations.at("k"), "application/spdx+json");
  EXPECT_TRUE(registry_->ListReferrers("nope", subject, std::nullopt, "", 100)->empty());

  EXPECT_TRUE(registry_->DeleteManifest("app", *ParseTagOrDigest(sbom->digest.ToString())).ok());
  EXPECT_EQ(registry_->ListReferrers("app", subject, std::nullopt, "", 100)->size(), 1u);
  // Protected by the log: refused.
  ASSERT_TRUE(registry_->ProtectManifest("app", statement->digest).ok());
  EXPECT_EQ(registry_->DeleteManifest("app", *ParseTagOrDigest(statement->digest.ToString())).error().code,
            OciCode::kUnsupported);
  EXPECT_EQ(registry_->ProtectManifest("app", sbom->digest).error().code, OciCode::kManifestUnknown);
  // A tag delete keeps the manifest.
  EXPECT_TRUE(registry_->DeleteManifest("app", *ParseTagOrDigest("stmt")).ok());
  EXPECT_EQ(registry_->DeleteManifest("app", *ParseTagOrDigest("stmt")).error().code, OciCode::kManifestUnknown);
  EXPECT_TRUE(registry_->GetManifest("app", *ParseTagOrDigest(statement->digest.ToString())).ok());
}

TEST_F(RegistryTest, IndexesNeedTheirChildrenUnlessSparse) {
  const Digest config = PushBlob("app", "{}");
  const Digest layer = PushBlob("app", "hello");
  auto image = Put("app", "img", ImageManifest(config, layer));
  ASSERT_TRUE(image.ok());
  const Digest absent = Digest::Sha256Of(AsBytes("absent"));
  auto index = [&](const Digest& child) {
    return json{{"schemaVersion", 2}, {"mediaType", kOciIndex},
                {"manifests", json::array({{{"mediaType", kOciManifest}, {"digest", child.ToString()}, {"size", 1}}})}};
  };
  auto put_index = [&](const Digest& child) {
    return registry_->PutManifest("app", *ParseTagOrDigest("idx"), {}, kOciIndex, AsBytes(index(child).dump()));
  };
  EXPECT_TRUE(put_index(image->digest).ok());
  EXPECT_EQ(put_index(absent).error().code, OciCode::kManifestBlobUnknown);
  RegistryOptions sparse;
  sparse.allow_sparse_indexes = true;
  Reopen(sparse);
  EXPECT_TRUE(put_index(absent).ok());
}

TEST_F(RegistryTest, UploadsMountsAndBlobDeletes) {
  auto upload = registry_->StartUpload("app");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE(registry_->AppendUpload("app", *upload, 0, AsBytes("hel")).ok());
  EXPECT_EQ(registry_->AppendUpload("app", *upload, 0, AsBytes("lo")).error().code, OciCode::kUploadOutOfOrder);
  EXPECT_EQ(*registry_->UploadSize("app", *upload), 3u);
  EXPECT_EQ(registry_->UploadSize("other", *upload).error().code, OciCode::kBlobUploadUnknown);
  ASSERT_TRUE(registry_->AppendUpload("app", *upload, 3, AsBytes("lo")).ok());
  EXPECT_EQ(registry_->FinishUpload("app", *upload, Digest::Sha256Of(AsBytes("hell"))).error().code,
            OciCode::kDigestInvalid);
  EXPECT_EQ(registry_->FinishUpload("app", *upload, Digest::Sha256Of(AsBytes("hello"))).error().code,
            OciCode::kBlobUploadUnknown);  // the session ended with the refusal

  upload = registry_->StartUpload("app");
  EXPECT_TRUE(registry_->CancelUpload("app", *upload).ok());
  EXPECT_EQ(registry_->CancelUpload("app", *upload).error().code, OciCode::kBlobUploadUnknown);

  const Digest blob = PushBlob("app", "hello");
  EXPECT_FALSE(*registry_->Mount("b", blob, std::string_view("nope")));
  EXPECT_EQ(registry_->BlobSize("b", blob).error().code, OciCode::kBlobUnknown);
  EXPECT_TRUE(*registry_->Mount("b", blob, std::string_view("app")));
  EXPECT_EQ(*registry_->BlobSize("b", blob), 5u);
  EXPECT_TRUE(*registry_->Mount("c", blob, std::nullopt));  // no `from`: the bytes are stored
  EXPECT_FALSE(*registry_->Mount("c", Digest::Sha256Of(AsBytes("never")), std::nullopt));

  EXPECT_TRUE(registry_->DeleteBlob("b", blob).ok());
  EXPECT_EQ(registry_->DeleteBlob("b", blob).error().code, OciCode::kBlobUnknown);
  EXPECT_EQ(registry_->BlobSize("b", blob).error().code, OciCode::kBlobUnknown);
  EXPECT_EQ(*registry_->BlobSize("app", blob), 5u);  // other repositories keep it
}

TEST_F(RegistryTest, GarbageCollectionKeepsWhatIsHeldOrReferenced) {
  const Digest config = PushBlob("app", "{}");
  const Digest layer = PushBlob("app", "hello");
  const Digest dropped = PushBlob("app", "dropped");
  const Digest mounted = PushBlob("app", "mounted");
  ASSERT_TRUE(*registry_->Mount("other", mounted, std::nullopt));
  auto image = Put("app", "v1", ImageManifest(config, layer));
  ASSERT_TRUE(image.ok());
  // Unlinked, but the manifest still references the layer: kept.
  ASSERT_TRUE(registry_->DeleteBlob("app", layer).ok());
  ASSERT_TRUE(registry_->DeleteBlob("app", dropped).ok());
  ASSERT_TRUE(registry_->DeleteBlob("app", mounted).ok());  // "other" still holds it
  // An upload never finished is not a blob at all.
  ASSERT_TRUE(registry_->StartUpload("app").ok());

  auto dry = CollectGarbage(*blobs_, *store_, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.error().message;
  EXPECT_EQ(dry->removed, 1u);
  EXPECT_EQ(dry->freed_bytes, 7u);
  EXPECT_TRUE(blobs_->Size(dropped)->has_value());
  auto report = CollectGarbage(*blobs_, *store_, /*dry_run=*/false);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed, 1u);
  EXPECT_EQ(report->kept, 4u);  // config, layer, mounted, the manifest's own bytes
  EXPECT_FALSE(blobs_->Size(dropped)->has_value());
  EXPECT_TRUE(registry_->GetManifest("app", *ParseTagOrDigest("v1")).ok());

  // Deleting the manifest frees its bytes and what only it referenced.
  ASSERT_TRUE(registry_->DeleteManifest("app", *ParseTagOrDigest(image->digest.ToString())).ok());
  report = CollectGarbage(*blobs_, *store_, /*dry_run=*/false);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed, 2u);  // the manifest and the layer; config is still linked
  EXPECT_EQ(report->kept, 2u);
}

// A registrar that answers what the test says, and counts.
class FakeRegistrar : public StatementRegistrar {
 public:
  void Register(Bytes statement, Done done) override {
    ++calls;
    last = std::move(statement);
    if (refuse) return done(OciError{OciCode::kDenied, "registration refused: Invalid Issuer: unknown key"});
    done(StatementReceipt{41, Bytes{0xd2, 0x84}});
  }
  int calls = 0;
  bool refuse = false;
  Bytes last;
};

TEST_F(RegistryTest, StatementManifestsAreRegisteredFirst) {
  FakeRegistrar registrar;
  RegistryOptions options;
  options.registrar = &registrar;
  Reopen(options);
  const Digest empty = PushBlob("app", "{}");
  const Digest subject = Digest::Sha256Of(AsBytes("image"));
  const Digest statement = PushBlob("app", "COSE bytes");
  json manifest = Referrer(subject, std::string(kStatementArtifactType), empty);
  manifest["layers"] = json::array({{{"mediaType", kStatementArtifactType}, {"digest", statement.ToString()},
                                     {"size", 10}}});
  auto pushed = Put("app", "s", manifest);
  ASSERT_TRUE(pushed.ok()) << pushed.error().message;
  EXPECT_EQ(registrar.calls, 1);
  EXPECT_EQ(registrar.last, Bytes(AsBytes("COSE bytes").begin(), AsBytes("COSE bytes").end()));
  EXPECT_EQ(pushed->entry, 41u);
  ASSERT_TRUE(pushed->receipt_manifest);
  auto receipts = registry_->ListReferrers("app", pushed->digest, std::nullopt, "", 10);
  ASSERT_EQ(receipts->size(), 1u);
  EXPECT_EQ((*receipts)[0].digest, *pushed->receipt_manifest);
  EXPECT_EQ((*receipts)[0].artifact_type, kReceiptArtifactType);
  EXPECT_EQ((*receipts)[0].annotations.at(std::string(kEntryAnnotation)), "41");
  EXPECT_TRUE(registry_->GetManifest("app", *ParseTagOrDigest("s"))->record.protected_by_log);
  // Pushed again: already registered, its receipt already listed.
  auto again = Put("app", "s2", manifest);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(registrar.calls, 1);
  EXPECT_EQ(registry_->ListReferrers("app", pushed->digest, std::nullopt, "", 10)->size(), 1u);
  EXPECT_EQ(registry_->GetManifest("app", *ParseTagOrDigest("s2"))->record.digest, pushed->digest);

  // A layer whose size is not the blob's is refused before registering.
  manifest["layers"][0]["size"] = 9;
  EXPECT_EQ(Put("app", "bad", manifest).error().code, OciCode::kManifestInvalid);
  EXPECT_EQ(registrar.calls, 1);
  // A refusal stores nothing.
  registrar.refuse = true;
  manifest["layers"][0]["size"] = 10;
  manifest["annotations"] = {{"k", "another"}};
  auto refused = Put("app", "refused", manifest);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, OciCode::kDenied);
  EXPECT_EQ(registry_->GetManifest("app", *ParseTagOrDigest("refused")).error().code, OciCode::kManifestUnknown);
  // Other artifacts never reach the registrar.
  EXPECT_TRUE(Put("app", "sbom", Referrer(subject, "application/spdx+json", empty)).ok());
  EXPECT_EQ(registrar.calls, 2);
}

// A registrar whose answers wait until the test gives them.
class HeldRegistrar : public StatementRegistrar {
 public:
  void Register(Bytes, Done done) override {
    std::lock_guard lock(mu);
    held.push_back(std::move(done));
  }
  // Waits for the next registration; then its answer is the test's to give.
  Done Take() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (!held.empty()) {
          Done done = std::move(held.front());
          held.erase(held.begin());
          return done;
        }
      }
      if (std::chrono::steady_clock::now() > deadline) return nullptr;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  std::mutex mu;
  std::vector<Done> held;
};

// The log follower and a push of the same statement: the follower waits
// for the push, which attaches the entry itself when it is stored; when it
// fails after registering (here a 412: the tag was taken meanwhile), the
// follower attaches the entry instead of having passed it over.
TEST_F(RegistryTest, TheLogFollowerWaitsForAPushOfTheSameStatement) {
  HeldRegistrar registrar;
  RegistryOptions options;
  options.registrar = &registrar;
  Reopen(options);
  testing::TempDir log_dir;
  log::LogOptions log_options;
  log_options.origin = "example.com/log";
  log_options.issuer = "https://ts.example";
  log_options.max_batch_delay = std::chrono::milliseconds(1);
  auto log = log::TransparencyLog::Open(*storage::OpenStore("file:" + log_dir.path()), testing::MakeLogKeys(),
                                        log_options);
  ASSERT_TRUE(log.ok()) << log.error().message;
  LogAttacher attacher(*registry_, *store_, **log);

  const Digest config = PushBlob("app", "{}");
  const std::string image = ImageManifest(config, PushBlob("app", "hello")).dump();
  ASSERT_TRUE(registry_->PutManifest("app", *ParseTagOrDigest("v1"), {}, kOciManifest, AsBytes(image)).ok());
  const Digest subject = Digest::Sha256Of(AsBytes(image));
  // A statement about the image, logged as a registration would log it.
  auto statement_about = [&](std::string_view payload) {
    cose::Sign1Content content;
    content.protected_map = cbor::Value::FromMap(
        {cbor::Entry(cose::header::kAlg, cbor::Value::Int(-7)),
         cbor::Entry(cose::header::kCwtClaims, cbor::Value::FromMap({cbor::Entry(
                                                    cose::claim::kSub, cbor::Value::Text(subject.ToString()))}))});
    content.payload = AsBytes(payload);
    const Bytes bytes = *cose::SignSign1(content, testing::Generated(crypto::Algorithm::kES256));
    log::LogEntry entry;
    entry.statement = bytes;
    entry.entry_hash = cose::LogEntry(*cose::Sign1::Parse(bytes));
    entry.signed_content = entry.entry_hash;
    auto logged = testing::Append(**log, std::move(entry));
    EXPECT_TRUE(logged.ok());
    return std::make_pair(bytes, *logged);
  };
  auto statement_manifest = [&](const Bytes& statement) {
    const Digest layer = PushBlob("app", std::string(statement.begin(), statement.end()));
    json manifest = Referrer(subject, std::string(kStatementArtifactType), config);
    manifest["layers"] = json::array({{{"mediaType", kStatementArtifactType}, {"digest", layer.ToString()},
                                       {"size", statement.size()}}});
    return manifest.dump();
  };
  auto statements_listed = [&] {
    auto referrers = registry_->ListReferrers("app", subject, std::nullopt, "", 10);
    EXPECT_TRUE(referrers.ok());
    std::vector<Digest> out;
    for (const Descriptor& referrer : *referrers) {
      if (referrer.artifact_type == kStatementArtifactType) out.push_back(referrer.digest);
    }
    return out;
  };
  const auto still_waiting = std::chrono::milliseconds(100);

  for (const bool taken_meanwhile : {false, true}) {
    SCOPED_TRACE(taken_meanwhile ? "the push fails" : "the push is stored");
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const std::pair<Bytes, log::Appended> about = statement_about(taken_meanwhile ? "second" : "first");
    const Bytes& statement = about.first;
    const log::Appended& logged = about.second;
    const std::string manifest = statement_manifest(statement);
    const std::string tag = taken_meanwhile ? "sbom" : "first";
    auto pushed = std::async(std::launch::async, [&] {
      return registry_->PutManifest("app", *ParseTagOrDigest(tag), {}, kOciManifest, AsBytes(manifest),
                                    Precondition{.if_none_match_any = true});
    });
    StatementRegistrar::Done answer = registrar.Take();
    ASSERT_TRUE(answer);
    auto consumed = std::async(std::launch::async, [&] {
      return attacher.Consume(*(*log)->store().Entry(logged.index));
    });
    EXPECT_EQ(consumed.wait_for(still_waiting), std::future_status::timeout);  // not passed over
    if (taken_meanwhile) {
      ASSERT_TRUE(registry_->PutManifest("app", *ParseTagOrDigest(tag), {}, kOciManifest, AsBytes(image)).ok());
    }
    const size_t before = statements_listed().size();
    answer(StatementReceipt{logged.index, logged.receipt});
    const auto result = pushed.get();
    const Status attached = consumed.get();
    ASSERT_TRUE(attached.ok()) << attached.error().message;
    const std::vector<Digest> listed = statements_listed();
    ASSERT_EQ(listed.size(), before + 1);  // attached once, by the push or by the follower
    auto recorded = store_->FindEntry("app", logged.index);
    ASSERT_TRUE(recorded.ok() && recorded->has_value());
    if (taken_meanwhile) {
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.error().code, OciCode::kPreconditionFailed);
      EXPECT_NE(**recorded, Digest::Sha256Of(AsBytes(manifest)));  // the service's own statement manifest
    } else {
      ASSERT_TRUE(result.ok()) << result.error().message;
      EXPECT_EQ(**recorded, result->digest);
    }
  }
}

TEST(OciErrors, EncodeAndDecode) {
  const std::string body = EncodeErrors({OciCode::kUploadOutOfOrder, "chunk at 0, upload at 3"});
  EXPECT_EQ(body, R"({"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"chunk at 0, upload at 3"}]})");
  auto decoded = DecodeErrors(AsBytes(body));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->code, OciCode::kBlobUploadInvalid);  // the spec's code for the name
  EXPECT_EQ(decoded->message, "chunk at 0, upload at 3");
  EXPECT_EQ(EncodeErrors({OciCode::kInternal, "\xff"}), "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"\xEF\xBF\xBD\"}]}");
  auto foreign = DecodeErrors(AsBytes(R"({"errors":[{"code":"EXTENSION_UNKNOWN","message":"m"}]})"));
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->code, OciCode::kInternal);
  EXPECT_EQ(foreign->message, "EXTENSION_UNKNOWN: m");
  EXPECT_FALSE(DecodeErrors(AsBytes("not json")));
  EXPECT_FALSE(DecodeErrors(AsBytes(R"({"errors":[]})")));
}

}  // namespace
}  // namespace scitt::registry

#include "registry_store_conformance.h"

#include <future>
#include <thread>

namespace scitt::storage::testing {

using registry::Descriptor;
using registry::Digest;
using registry::ManifestRecord;

void RegistryStoreConformance::SetUp() { place_ = GetParam().make_place(); }
void RegistryStoreConformance::TearDown() { GetParam().remove_place(place_); }

std::unique_ptr<registry::RegistryStore> RegistryStoreConformance::MustOpen() const {
  auto store = GetParam().open(place_);
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

std::string RegistryBackendName(const ::testing::TestParamInfo<RegistryStoreBackend>& info) {
  return info.param.name;
}
void PrintTo(const RegistryStoreBackend& backend, std::ostream* out) { *out << backend.name; }

namespace {

Digest D(int n) { return Digest::Sha256Of(AsBytes("content " + std::to_string(n))); }

ManifestRecord Manifest(int n, std::optional<Digest> subject = std::nullopt,
                        std::optional<std::string> artifact_type = std::nullopt) {
  ManifestRecord m;
  m.digest = D(n);
  m.media_type = std::string(registry::kOciManifest);
  m.size = 100 + n;
  m.subject = std::move(subject);
  m.artifact_type = std::move(artifact_type);
  m.annotations = {{"n", std::to_string(n)}, {"org.opencontainers.image.created", "2026"}};
  m.references = {D(1000 + n), D(2000 + n)};
  return m;
}

TEST_P(RegistryStoreConformance, BlobLinksArePerRepository) {
  auto store = MustOpen();
  EXPECT_FALSE(*store->RepositoryExists("a"));
  ASSERT_TRUE(store->LinkBlob("a", D(1)).ok());
  ASSERT_TRUE(store->LinkBlob("a", D(1)).ok());  // again: no change
  EXPECT_TRUE(*store->HasBlob("a", D(1)));
  EXPECT_FALSE(*store->HasBlob("b", D(1)));
  EXPECT_FALSE(*store->HasBlob("a", D(2)));
  EXPECT_TRUE(*store->RepositoryExists("a"));
  EXPECT_FALSE(*store->RepositoryExists("a/b"));
  EXPECT_TRUE(*store->UnlinkBlob("a", D(1)));
  EXPECT_FALSE(*store->UnlinkBlob("a", D(1)));
  EXPECT_FALSE(*store->HasBlob("a", D(1)));
}

TEST_P(RegistryStoreConformance, ManifestsAndTagsPersist) {
  {
    auto store = MustOpen();
    const std::vector<std::string> tags = {"v1", "latest"};
    ASSERT_TRUE(store->PutManifest("repo", Manifest(1), tags).ok());
  }
  auto store = MustOpen();  // reopened
  auto got = store->GetManifest("repo", D(1));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  const ManifestRecord& m = **got;
  EXPECT_EQ(m.digest, D(1));
  EXPECT_EQ(m.media_type, registry::kOciManifest);
  EXPECT_EQ(m.size, 101u);
  EXPECT_FALSE(m.subject);
  EXPECT_FALSE(m.artifact_type);
  EXPECT_EQ(m.annotations.at("n"), "1");
  std::vector<Digest> references = {D(1001), D(2001)};
  std::sort(references.begin(), references.end(),
            [](const Digest& a, const Digest& b) { return a.ToString() < b.ToString(); });
  EXPECT_EQ(m.references, references);
  EXPECT_FALSE(m.protected_by_log);
  EXPECT_FALSE(store->GetManifest("other", D(1))->has_value());
  EXPECT_EQ(store->ResolveTag("repo", "v1")->value(), D(1));
  EXPECT_EQ(store->ResolveTag("repo", "latest")->value(), D(1));
  EXPECT_FALSE(store->ResolveTag("repo", "v2")->has_value());
  EXPECT_FALSE(store->ResolveTag("other", "v1")->has_value());

  // A tag moves to the manifest pushed last with it; storing a digest again
  // keeps its record.
  // PutManifest says whether the repository held it before.
  const std::vector<std::string> v1 = {"v1"};
  EXPECT_EQ(store->PutManifest("repo", Manifest(2), v1).value(), true);
  EXPECT_EQ(store->ResolveTag("repo", "v1")->value(), D(2));
  ManifestRecord changed = Manifest(1);
  changed.size = 9;
  EXPECT_EQ(store->PutManifest("repo", changed, {}).value(), false);
  EXPECT_EQ(store->GetManifest("repo", D(1))->value().size, 101u);
  EXPECT_EQ(store->PutManifest("other", changed, {}).value(), true);
}

TEST_P(RegistryStoreConformance, TagsListInByteOrderWithPaging) {
  auto store = MustOpen();
  const std::vector<std::string> tags = {"b", "a", "B", "_x", "a.1", "a-1", "10", "9"};
  ASSERT_TRUE(store->PutManifest("r", Manifest(1), tags).ok());
  const std::vector<std::string> sorted = {"10", "9", "B", "_x", "a", "a-1", "a.1", "b"};
  EXPECT_EQ(*store->ListTags("r", "", 100), sorted);
  EXPECT_EQ(*store->ListTags("r", "", 3), std::vector<std::string>(sorted.begin(), sorted.begin() + 3));
  EXPECT_EQ(*store->ListTags("r", "B", 2), (std::vector<std::string>{"_x", "a"}));
  EXPECT_TRUE(store->ListTags("r", "b", 10)->empty());
  EXPECT_TRUE(store->ListTags("r", "", 0)->empty());
  EXPECT_TRUE(store->ListTags("none", "", 10)->empty());
}

TEST_P(RegistryStoreConformance, ReferrersListedFilteredAndPaged) {
  auto store = MustOpen();
  const Digest subject = D(0);
  // The subject need not exist (distribution-spec: referrers may come first).
  for (int n = 1; n <= 5; ++n) {
    const std::string type = n % 2 == 0 ? "application/spdx+json" : "application/scitt-statement+cose";
    ASSERT_TRUE(store->PutManifest("r", Manifest(n, subject, type), {}).ok());
  }
  ASSERT_TRUE(store->PutManifest("r", Manifest(6, D(99), "application/spdx+json"), {}).ok());
  ASSERT_TRUE(store->PutManifest("other", Manifest(7, subject, "application/spdx+json"), {}).ok());
  ASSERT_TRUE(store->PutManifest("r", Manifest(8), {}).ok());  // no subject

  auto all = store->ListReferrers("r", subject, std::nullopt, "", 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (size_t i = 1; i < all->size(); ++i) {
    EXPECT_LT((*all)[i - 1].digest.ToString(), (*all)[i].digest.ToString());
  }
  for (const Descriptor& d : *all) {
    EXPECT_EQ(d.media_type, registry::kOciManifest);
    const int n = std::stoi(d.annotations.at("n"));
    EXPECT_EQ(d.digest, D(n));
    EXPECT_EQ(d.size, 100 + n);
    EXPECT_EQ(d.artifact_type, n % 2 == 0 ? "application/spdx+json" : "application/scitt-statement+cose");
  }
  auto spdx = store->ListReferrers("r", subject, "application/spdx+json", "", 100);
  ASSERT_TRUE(spdx.ok());
  EXPECT_EQ(spdx->size(), 2u);
  EXPECT_TRUE(store->ListReferrers("r", subject, "text/plain", "", 100)->empty());
  EXPECT_TRUE(store->ListReferrers("r", D(12345), std::nullopt, "", 100)->empty());

  // Paging by the last digest seen.
  std::vector<Descriptor> paged;
  std::string after;
  for (;;) {
    auto page = store->ListReferrers("r", subject, std::nullopt, after, 2);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    paged.insert(paged.end(), page->begin(), page->end());
    after = page->back().digest.ToString();
  }
  ASSERT_EQ(paged.size(), all->size());
  for (size_t i = 0; i < paged.size(); ++i) EXPECT_EQ(paged[i].digest, (*all)[i].digest);
}

TEST_P(RegistryStoreConformance, DeletesTakeTagsAndReferrersAtOnce) {
  auto store = MustOpen();
  const std::vector<std::string> tags = {"t1", "t2"};
  ASSERT_TRUE(store->PutManifest("r", Manifest(1, D(0), "application/x"), tags).ok());
  ASSERT_TRUE(store->PutManifest("r", Manifest(2), std::vector<std::string>{"t3"}).ok());
  EXPECT_TRUE(*store->DeleteTag("r", "t3"));
  EXPECT_FALSE(*store->DeleteTag("r", "t3"));
  EXPECT_TRUE(store->GetManifest("r", D(2))->has_value());  // a tag delete keeps the manifest

  EXPECT_TRUE(*store->DeleteManifest("r", D(1)));
  EXPECT_FALSE(*store->DeleteManifest("r", D(1)));
  EXPECT_FALSE(store->GetManifest("r", D(1))->has_value());
  EXPECT_FALSE(store->ResolveTag("r", "t1")->has_value());
  EXPECT_FALSE(store->ResolveTag("r", "t2")->has_value());
  EXPECT_TRUE(store->ListReferrers("r", D(0), std::nullopt, "", 10)->empty());
}

TEST_P(RegistryStoreConformance, ProtectedManifestsCannotBeDeleted) {
  auto store = MustOpen();
  ASSERT_TRUE(store->PutManifest("r", Manifest(1, D(0), "application/x"), std::vector<std::string>{"t"}).ok());
  EXPECT_EQ(store->ProtectManifest("r", D(2)).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store->ProtectManifest("r", D(1)).ok());
  EXPECT_TRUE(store->GetManifest("r", D(1))->value().protected_by_log);
  auto deleted = store->DeleteManifest("r", D(1));
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(store->GetManifest("r", D(1))->has_value());
  EXPECT_EQ(store->ListReferrers("r", D(0), std::nullopt, "", 10)->size(), 1u);
  // A tag is only a name: removing it is allowed.
  EXPECT_TRUE(*store->DeleteTag("r", "t"));

  ManifestRecord born_protected = Manifest(3);
  born_protected.protected_by_log = true;
  ASSERT_TRUE(store->PutManifest("r", born_protected, {}).ok());
  EXPECT_FALSE(store->DeleteManifest("r", D(3)).ok());
  // With delete protection switched off (RegistryOptions).
  EXPECT_TRUE(*store->DeleteManifest("r", D(3), /*even_if_protected=*/true));
  EXPECT_FALSE(store->GetManifest("r", D(3))->has_value());
}

TEST_P(RegistryStoreConformance, RepositoriesWithManifest) {
  auto store = MustOpen();
  EXPECT_FALSE(*store->HoldsManifests());
  ASSERT_TRUE(store->LinkBlob("blobs-only", D(1)).ok());
  EXPECT_FALSE(*store->HoldsManifests());
  for (const char* repository : {"c", "a", "b"}) {
    ASSERT_TRUE(store->PutManifest(repository, Manifest(1), {}).ok());
  }
  EXPECT_TRUE(*store->HoldsManifests());
  EXPECT_EQ(*store->RepositoriesWithManifest(D(1), 10), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*store->RepositoriesWithManifest(D(1), 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(store->RepositoriesWithManifest(D(2), 10)->empty());
}

TEST_P(RegistryStoreConformance, OneWriteStoresLinksManifestsTagsAndTheEntry) {
  auto store = MustOpen();
  registry::RegistryWrite write;
  write.blob_links = {D(50), D(51)};
  write.manifests = {Manifest(1, D(2), "application/receipt"), Manifest(2, D(0), "application/statement")};
  write.manifests[0].protected_by_log = write.manifests[1].protected_by_log = true;
  write.tags = {"t"};
  write.entry = {{9, D(2)}};
  ASSERT_TRUE(store->Write("r", write).ok());
  EXPECT_TRUE(*store->HasBlob("r", D(50)) && *store->HasBlob("r", D(51)));
  EXPECT_TRUE(store->GetManifest("r", D(1))->value().protected_by_log);
  EXPECT_EQ(store->ResolveTag("r", "t")->value(), D(2));  // the tags name the last manifest
  EXPECT_EQ(store->FindEntry("r", 9)->value(), D(2));
  EXPECT_EQ(store->ListReferrers("r", D(2), std::nullopt, "", 10)->size(), 1u);
  EXPECT_EQ(store->ListReferrers("r", D(0), std::nullopt, "", 10)->size(), 1u);
  // Writing the same again changes nothing.
  ASSERT_TRUE(store->Write("r", write).ok());
  EXPECT_EQ(store->ListReferrers("r", D(0), std::nullopt, "", 10)->size(), 1u);
}

// WriteAll: each write as Write stores it, in several repositories, and
// all of them durable once it returns; a blob every write links (the empty
// config of statement manifests) is linked in each repository.
TEST_P(RegistryStoreConformance, WriteAllStoresEachWrite) {
  std::vector<registry::RegistryWrite> writes(3);
  const std::vector<std::string> repositories = {"a", "b", "a"};
  for (int i = 0; i < 3; ++i) {
    writes[i].blob_links = {D(60 + i), D(59)};
    writes[i].manifests = {Manifest(10 + i, D(20 + i), "application/receipt"),
                           Manifest(30 + i, std::nullopt, "application/statement")};
    writes[i].tags = {"t" + std::to_string(i)};
    writes[i].entry = {{static_cast<uint64_t>(100 + i), D(30 + i)}};
  }
  {
    auto store = MustOpen();
    std::vector<registry::RegistryStore::RepositoryWrite> all;
    for (int i = 0; i < 3; ++i) all.push_back({repositories[i], &writes[i]});
    const std::vector<Status> done = store->WriteAll(all);
    ASSERT_EQ(done.size(), 3u);
    for (const Status& each : done) EXPECT_TRUE(each.ok()) << each.error().message;
    EXPECT_TRUE(store->WriteAll({}).empty());
  }
  auto store = MustOpen();
  for (int i = 0; i < 3; ++i) {
    const std::string& repository = repositories[i];
    EXPECT_TRUE(*store->HasBlob(repository, D(60 + i))) << i;
    EXPECT_TRUE(store->GetManifest(repository, D(10 + i))->has_value()) << i;
    EXPECT_EQ(store->ResolveTag(repository, "t" + std::to_string(i))->value(), D(30 + i));
    EXPECT_EQ(store->FindEntry(repository, 100 + i)->value(), D(30 + i));
  }
  EXPECT_FALSE(*store->HasBlob("b", D(60)));
  EXPECT_TRUE(*store->HasBlob("a", D(59)));
  EXPECT_TRUE(*store->HasBlob("b", D(59)));
  EXPECT_FALSE(*store->HasBlob("c", D(59)));
  EXPECT_EQ(store->ListReferrers("a", D(20), std::nullopt, "", 10)->size(), 1u);
}

// The asynchronous writes answer once durable, from whatever thread, and
// what they wrote is visible as soon as they return, before the answer.
TEST_P(RegistryStoreConformance, AsyncWritesAreAppliedAtOnceAndAnsweredOnceDurable) {
  registry::RegistryWrite write;
  write.manifests = {Manifest(70, D(71), "application/receipt")};
  write.tags = {"async"};
  std::promise<std::vector<Status>> written;
  std::promise<Status> linked;
  {
    auto store = MustOpen();
    const std::vector<registry::RegistryStore::RepositoryWrite> all = {{"a", &write}};
    store->WriteAllAsync(all, [&](std::vector<Status> done) { written.set_value(std::move(done)); });
    EXPECT_EQ(store->ResolveTag("a", "async")->value_or(D(0)), D(70));
    store->LinkBlobAsync("a", D(72), [&](Status done) { linked.set_value(std::move(done)); });
    EXPECT_TRUE(*store->HasBlob("a", D(72)));
    const std::vector<Status> answers = written.get_future().get();
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_TRUE(answers[0].ok()) << answers[0].error().message;
    const Status link = linked.get_future().get();
    EXPECT_TRUE(link.ok()) << link.error().message;
    std::promise<std::vector<Status>> none;
    store->WriteAllAsync({}, [&](std::vector<Status> done) { none.set_value(std::move(done)); });
    EXPECT_TRUE(none.get_future().get().empty());
  }
  auto store = MustOpen();
  EXPECT_EQ(store->ResolveTag("a", "async")->value_or(D(0)), D(70));
  EXPECT_EQ(store->ListReferrers("a", D(71), std::nullopt, "", 10)->size(), 1u);
  EXPECT_TRUE(*store->HasBlob("a", D(72)));
}

TEST_P(RegistryStoreConformance, LogEntriesAndFollowerCursorsSurviveReopening) {
  {
    auto store = MustOpen();
    EXPECT_FALSE(store->FindEntry("r", 7)->has_value());
    ASSERT_TRUE(store->RecordEntry("r", 7, D(1)).ok());
    ASSERT_TRUE(store->RecordEntry("r", 7, D(2)).ok());  // the first record stays
    EXPECT_EQ(store->FindEntry("r", 7)->value(), D(1));
    EXPECT_FALSE(store->FindEntry("other", 7)->has_value());
    EXPECT_EQ(*store->FollowerCursor("attach"), 0u);
    ASSERT_TRUE(store->SaveFollowerCursor("attach", 41).ok());
    ASSERT_TRUE(store->SaveFollowerCursor("attach", 42).ok());
    ASSERT_TRUE(store->SaveFollowerCursor("index", 3).ok());
  }
  auto store = MustOpen();
  EXPECT_EQ(store->FindEntry("r", 7)->value(), D(1));
  EXPECT_EQ(*store->FollowerCursor("attach"), 42u);
  EXPECT_EQ(*store->FollowerCursor("index"), 3u);
}

TEST_P(RegistryStoreConformance, LiveDigestsCoverLinksManifestsAndReferences) {
  auto store = MustOpen();
  ASSERT_TRUE(store->LinkBlob("a", D(50)).ok());
  ASSERT_TRUE(store->LinkBlob("b", D(50)).ok());
  ASSERT_TRUE(store->PutManifest("a", Manifest(1), {}).ok());
  auto live = store->LiveDigests();
  ASSERT_TRUE(live.ok());
  std::vector<std::string> got;
  for (const Digest& d : *live) got.push_back(d.ToString());
  std::vector<std::string> expected = {D(50).ToString(), D(1).ToString(), D(1001).ToString(),
                                       D(2001).ToString()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  ASSERT_TRUE(store->DeleteManifest("a", D(1)).ok());
  EXPECT_EQ(store->LiveDigests()->size(), 1u);
}

TEST_P(RegistryStoreConformance, ConcurrentWritersAndReaders) {
  auto store = MustOpen();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const int n = t * 100 + i;
        EXPECT_TRUE(store->PutManifest("r", Manifest(n, D(0), "application/x"),
                                       std::vector<std::string>{"t" + std::to_string(n)})
                        .ok());
        EXPECT_TRUE(store->ListReferrers("r", D(0), std::nullopt, "", 1000).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store->ListReferrers("r", D(0), std::nullopt, "", 1000)->size(), 200u);
  EXPECT_EQ(store->ListTags("r", "", 1000)->size(), 200u);
}

}  // namespace
}  // namespace scitt::storage::testing

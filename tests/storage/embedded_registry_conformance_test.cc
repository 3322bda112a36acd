// The embedded registry store (registry.kv) runs the RegistryStore
// conformance suite, in a fresh temporary directory per test; a
// registry.sqlite of older builds is moved into it.
#include <unistd.h>

#include <sqlite3.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "registry_store_conformance.h"
#include "storage/embedded/registry_db.h"
#include "storage/embedded/registry_kv.h"
#include "storage/store.h"

namespace scitt::storage::testing {
namespace {

RegistryStoreBackend EmbeddedBackend() {
  RegistryStoreBackend backend;
  backend.name = "Embedded";
  backend.make_place = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-registry-XXXXXX").string();
    return std::string(::mkdtemp(pattern.data()));
  };
  backend.remove_place = [](const std::string& place) {
    std::error_code ec;
    std::filesystem::remove_all(place, ec);
  };
  backend.open = [](const std::string& place) -> Result<std::unique_ptr<registry::RegistryStore>> {
    SCITT_ASSIGN_OR_RETURN(auto kv, RegistryKv::Open(place + "/registry.kv"));
    return std::unique_ptr<registry::RegistryStore>(std::move(kv));
  };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Embedded, RegistryStoreConformance, ::testing::Values(EmbeddedBackend()),
                         RegistryBackendName);

// One SQL answer of `path` as text (rows joined by ","), read-only.
std::string Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string out;
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(
                db, sql.c_str(),
                [](void* into, int, char** values, char**) {
                  auto& text = *static_cast<std::string*>(into);
                  if (!text.empty()) text += ",";
                  text += values[0] != nullptr ? values[0] : "NULL";
                  return 0;
                },
                &out, &error),
            SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return out;
}

// A registry.sqlite of format 2 (references in a table of their own), as
// builds before format 3 wrote it: in `repo`, `manifest` (tagged v1,
// protected, referencing `layer` and `config`) and `bare` (no references).
struct Format2Store {
  registry::Digest manifest = registry::Digest::Sha256Of(AsBytes("manifest"));
  registry::Digest bare = registry::Digest::Sha256Of(AsBytes("bare"));
  registry::Digest layer = registry::Digest::Sha256Of(AsBytes("layer"));
  registry::Digest config = registry::Digest::Sha256Of(AsBytes("config"));

  void Write(const std::string& path) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "PRAGMA journal_mode = WAL;"
        "CREATE TABLE blob_links(repository TEXT NOT NULL, digest TEXT NOT NULL,"
        "  PRIMARY KEY(repository, digest)) WITHOUT ROWID;"
        "CREATE INDEX blob_links_by_digest ON blob_links(digest);"
        "CREATE TABLE manifests(repository TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL,"
        "  size INTEGER NOT NULL, subject TEXT, artifact_type TEXT, annotations TEXT NOT NULL,"
        "  protected INTEGER NOT NULL, PRIMARY KEY(repository, digest)) WITHOUT ROWID;"
        "CREATE INDEX referrers ON manifests(repository, subject, digest) WHERE subject IS NOT NULL;"
        "CREATE TABLE manifest_references(repository TEXT NOT NULL, digest TEXT NOT NULL,"
        "  reference TEXT NOT NULL, PRIMARY KEY(repository, digest, reference)) WITHOUT ROWID;"
        "CREATE TABLE tags(repository TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,"
        "  PRIMARY KEY(repository, tag)) WITHOUT ROWID;"
        "CREATE INDEX tags_by_digest ON tags(repository, digest);"
        "CREATE INDEX manifests_by_digest ON manifests(digest);"
        "CREATE TABLE log_entries(repository TEXT NOT NULL, entry INTEGER NOT NULL, statement TEXT NOT NULL,"
        "  PRIMARY KEY(repository, entry)) WITHOUT ROWID;"
        "CREATE TABLE follower_cursors(follower TEXT PRIMARY KEY, next INTEGER NOT NULL) WITHOUT ROWID;"
        "INSERT INTO blob_links VALUES('repo', '" + layer.ToString() + "'), ('repo', '" + config.ToString() + "');"
        "INSERT INTO manifests VALUES('repo', '" + manifest.ToString() + "', 'application/vnd.oci.image.manifest.v1+json',"
        "  7, NULL, NULL, '{\"a\":\"b\"}', 1), ('repo', '" + bare.ToString() + "', 'application/vnd.oci.image.manifest.v1+json',"
        "  2, NULL, NULL, '{}', 0);"
        "INSERT INTO manifest_references VALUES('repo', '" + manifest.ToString() + "', '" + layer.ToString() + "'),"
        "  ('repo', '" + manifest.ToString() + "', '" + config.ToString() + "');"
        "INSERT INTO tags VALUES('repo', 'v1', '" + manifest.ToString() + "');"
        "PRAGMA user_version = 2;";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  // What a store opened on it must answer.
  void ExpectRead(const registry::RegistryStore& store) const {
    std::vector<registry::Digest> references = {layer, config};
    std::sort(references.begin(), references.end(),
              [](const registry::Digest& a, const registry::Digest& b) { return a.ToString() < b.ToString(); });
    auto read = store.GetManifest("repo", manifest);
    ASSERT_TRUE(read.ok() && read->has_value());
    EXPECT_EQ((*read)->references, references);
    EXPECT_TRUE((*read)->protected_by_log);
    EXPECT_EQ((*read)->annotations.at("a"), "b");
    auto empty = store.GetManifest("repo", bare);
    ASSERT_TRUE(empty.ok() && empty->has_value());
    EXPECT_TRUE((*empty)->references.empty());
    EXPECT_EQ(store.ResolveTag("repo", "v1")->value(), manifest);
    auto live = store.LiveDigests();
    ASSERT_TRUE(live.ok());
    EXPECT_EQ(live->size(), 4u);  // the two manifests, the layer and the config
  }
};

// A format 2 registry.sqlite is moved into registry.kv at open (a partial
// registry.kv of an interrupted move is dropped first), and the format 4
// marker takes its place: the builds before refuse it, as this one's
// reader of registry.sqlite does.
TEST(EmbeddedRegistry, MovesAnOlderRegistrySqliteIntoRegistryKv) {
  const std::string place = EmbeddedBackend().make_place();
  const std::string path = place + "/registry.sqlite";
  const Format2Store old;
  old.Write(path);
  const registry::Digest stray = registry::Digest::Sha256Of(AsBytes("stray"));
  {
    auto partial = RegistryKv::Open(place + "/registry.kv");
    ASSERT_TRUE(partial.ok()) << partial.error().message;
    registry::ManifestRecord record;
    record.digest = stray;
    record.media_type = "application/vnd.oci.image.manifest.v1+json";
    ASSERT_TRUE((*partial)->PutManifest("repo", record, {}).ok());
  }
  for (int open = 0; open < 2; ++open) {  // moved once, then read as it is
    auto stores = OpenRegistryStores(place);
    ASSERT_TRUE(stores.ok()) << stores.error().message;
    old.ExpectRead(*stores->metadata);
    EXPECT_FALSE(stores->metadata->GetManifest("repo", stray)->has_value());
    EXPECT_EQ(Sql(path, "PRAGMA user_version"), "4");
    EXPECT_EQ(Sql(path, "SELECT count(*) FROM sqlite_master"), "0");
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  }
  auto refused = RegistryDb::Open(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("format version 4"), std::string::npos) << refused.error().message;
  EmbeddedBackend().remove_place(place);
}

// An audit reads a format 2 store through a copy moved into its scratch
// directory and leaves the store as it was; a new directory's store is
// read in place, read-only.
TEST(EmbeddedRegistry, AuditsMoveOldFormatsInTheirScratchDirectory) {
  const std::string place = EmbeddedBackend().make_place();
  const std::string scratch = EmbeddedBackend().make_place();
  const std::string path = place + "/registry.sqlite";
  const Format2Store old;
  old.Write(path);
  const std::string before = Sql(path, "SELECT group_concat(reference) FROM manifest_references");
  {
    auto stores = OpenRegistryStoresForAudit(place, scratch);
    ASSERT_TRUE(stores.ok()) << stores.error().message;
    old.ExpectRead(*stores->metadata);
  }
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), "2");
  EXPECT_EQ(Sql(path, "SELECT group_concat(reference) FROM manifest_references"), before);
  EXPECT_FALSE(std::filesystem::exists(place + "/registry.kv"));
  EXPECT_TRUE(std::filesystem::exists(scratch + "/registry.kv"));
  ASSERT_TRUE(OpenRegistryStores(place).ok());  // moved
  {
    auto stores = OpenRegistryStoresForAudit(place, scratch);
    ASSERT_TRUE(stores.ok()) << stores.error().message;
    old.ExpectRead(*stores->metadata);
    EXPECT_FALSE(stores->metadata->LinkBlob("repo", old.bare).ok());
  }
  EmbeddedBackend().remove_place(place);
  EmbeddedBackend().remove_place(scratch);
}

}  // namespace
}  // namespace scitt::storage::testing

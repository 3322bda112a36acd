// The embedded registry stores (registry.kv, and registry.sqlite of older
// directories) run the RegistryStore conformance suite, in a fresh
// temporary directory per test.
#include <unistd.h>

#include <sqlite3.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "registry_store_conformance.h"
#include "storage/embedded/registry_db.h"
#include "storage/embedded/registry_kv.h"

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
    SCITT_ASSIGN_OR_RETURN(auto db, RegistryDb::Open(place + "/registry.sqlite"));
    return std::unique_ptr<registry::RegistryStore>(std::move(db));
  };
  return backend;
}

// registry.kv (RocksDB), where directories begun by this build keep it.
RegistryStoreBackend KvBackend() {
  RegistryStoreBackend backend = EmbeddedBackend();
  backend.name = "EmbeddedKv";
  backend.open = [](const std::string& place) -> Result<std::unique_ptr<registry::RegistryStore>> {
    SCITT_ASSIGN_OR_RETURN(auto kv, RegistryKv::Open(place + "/registry.kv"));
    return std::unique_ptr<registry::RegistryStore>(std::move(kv));
  };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Embedded, RegistryStoreConformance, ::testing::Values(EmbeddedBackend(), KvBackend()),
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

// A format 2 store is rewritten at open: each manifest keeps its
// references, sorted, and garbage collection still sees them.
TEST(EmbeddedRegistry, UpgradesFormat2InPlace) {
  const std::string place = EmbeddedBackend().make_place();
  const std::string path = place + "/registry.sqlite";
  const Format2Store old;
  old.Write(path);
  {
    auto store = RegistryDb::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    old.ExpectRead(**store);
  }
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), "3");
  EXPECT_EQ(Sql(path, "SELECT name FROM sqlite_master WHERE name IN "
                      "('manifest_references', 'blob_links_by_digest')"),
            "");
  EXPECT_EQ(Sql(path, "SELECT refs FROM manifests WHERE digest = '" + old.bare.ToString() + "'"), "[]");
  EmbeddedBackend().remove_place(place);
}

// An audit reads a format 2 store through an upgraded copy in its scratch
// directory and leaves the store as it was; a change through it fails.
TEST(EmbeddedRegistry, AuditsReadOldFormatsWithoutWriting) {
  const std::string place = EmbeddedBackend().make_place();
  const std::string scratch = EmbeddedBackend().make_place();
  const std::string path = place + "/registry.sqlite";
  const Format2Store old;
  old.Write(path);
  const std::string before = Sql(path, "SELECT group_concat(reference) FROM manifest_references");
  {
    auto store = RegistryDb::OpenForAudit(path, scratch);
    ASSERT_TRUE(store.ok()) << store.error().message;
    old.ExpectRead(**store);
    EXPECT_FALSE((*store)->LinkBlob("repo", old.bare).ok());
  }
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), "2");
  EXPECT_EQ(Sql(path, "SELECT group_concat(reference) FROM manifest_references"), before);
  EXPECT_EQ(Sql(scratch + "/registry.sqlite", "PRAGMA user_version"), "3");
  EmbeddedBackend().remove_place(place);
  EmbeddedBackend().remove_place(scratch);
}

}  // namespace
}  // namespace scitt::storage::testing

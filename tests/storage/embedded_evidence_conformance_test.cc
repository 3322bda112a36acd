// The embedded evidence store (evidence.sqlite) runs the EvidenceStore
// conformance suite, in a fresh temporary directory per test.
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "evidence_store_conformance.h"
#include "storage/embedded/evidence_db.h"

namespace scitt::storage::testing {
namespace {

EvidenceStoreBackend EmbeddedBackend() {
  EvidenceStoreBackend backend;
  backend.name = "Embedded";
  backend.make_place = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-evidence-XXXXXX").string();
    return std::string(::mkdtemp(pattern.data()));
  };
  backend.remove_place = [](const std::string& place) {
    std::error_code ec;
    std::filesystem::remove_all(place, ec);
  };
  backend.open = [](const std::string& place) -> Result<std::unique_ptr<evidence::EvidenceStore>> {
    SCITT_ASSIGN_OR_RETURN(auto db, EvidenceDb::Open(place + "/evidence.sqlite"));
    return std::unique_ptr<evidence::EvidenceStore>(std::move(db));
  };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Embedded, EvidenceStoreConformance, ::testing::Values(EmbeddedBackend()),
                         EvidenceBackendName);

// Runs `sql` on `path` and returns the first column of its last row.
std::string Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string out;
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(
                db, sql.c_str(),
                [](void* last, int, char** values, char**) {
                  *static_cast<std::string*>(last) = values[0] ? values[0] : "";
                  return 0;
                },
                &out, &error),
            SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return out;
}

// Format 1 (before the covering index on to_id and the payload columns,
// and the derivation) opens, is upgraded in place, and finds the
// statements and edges it held.
TEST(EmbeddedEvidenceStore, UpgradesFormat1InPlace) {
  const EvidenceStoreBackend backend = EmbeddedBackend();
  const std::string place = backend.make_place();
  const std::string path = place + "/evidence.sqlite";
  evidence::IndexedStatement statement;
  statement.entry = 3;
  statement.edges = {{"DEPENDS_ON", "pkg:npm/app@1.0.0", "pkg:npm/left-pad@1.3.0", R"({"direct":"true"})"}};
  {
    auto store = EvidenceDb::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Add({&statement, 1}, 4).ok());
  }
  Sql(path,
      "PRAGMA locking_mode = EXCLUSIVE; BEGIN; DROP INDEX edges_to; "
      "CREATE INDEX edges_to ON edges(to_id, position); ALTER TABLE statements DROP COLUMN payload_source; "
      "ALTER TABLE statements DROP COLUMN payload_location; ALTER TABLE indexed DROP COLUMN derivation; "
      "PRAGMA user_version = 1; COMMIT;");
  {
    auto store = EvidenceDb::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (const bool incoming : {true, false}) {
      evidence::EdgeQuery query;
      query.node = incoming ? statement.edges[0].to : statement.edges[0].from;
      query.incoming = incoming;
      auto page = (*store)->FindEdges(query);
      ASSERT_TRUE(page.ok());
      ASSERT_EQ(page->edges.size(), 1u);
      EXPECT_EQ(page->edges[0].entry, 3u);
      EXPECT_EQ(page->edges[0].edge, statement.edges[0]);
    }
  }
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), "3");
  EXPECT_EQ(Sql(path, "SELECT derivation FROM indexed"), "");  // derived before derivations were recorded
  EXPECT_EQ(Sql(path, "SELECT count(*) FROM pragma_table_info('statements') WHERE name LIKE 'payload_%'"), "2");
  EXPECT_EQ(Sql(path, "SELECT sql FROM sqlite_master WHERE name = 'edges_to'"),
            "CREATE INDEX edges_to ON edges(to_id, position, entry, kind, from_id, attributes)");
  backend.remove_place(place);
}

}  // namespace
}  // namespace scitt::storage::testing

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

// Format 3 as it was written (before `names`), with two statements of one
// issuer, and an edge of the first.
constexpr const char* kFormat3 = R"sql(
CREATE TABLE statements(entry INTEGER PRIMARY KEY, subject TEXT, subject_digest TEXT, issuer TEXT,
  content_type TEXT, registered_at INTEGER NOT NULL, format TEXT, indexing_error TEXT,
  payload_source TEXT, payload_location TEXT);
CREATE TABLE edges(position INTEGER PRIMARY KEY, entry INTEGER NOT NULL, kind TEXT NOT NULL,
  from_id TEXT NOT NULL, to_id TEXT NOT NULL, attributes TEXT NOT NULL);
CREATE INDEX edges_from ON edges(from_id, position);
CREATE INDEX edges_to ON edges(to_id, position, entry, kind, from_id, attributes);
CREATE INDEX statements_by_subject ON statements(subject, entry) WHERE subject IS NOT NULL;
CREATE INDEX statements_by_subject_digest ON statements(subject_digest, entry)
  WHERE subject_digest IS NOT NULL;
CREATE INDEX statements_by_issuer ON statements(issuer, entry) WHERE issuer IS NOT NULL;
CREATE INDEX statements_by_content_type ON statements(content_type, entry) WHERE content_type IS NOT NULL;
CREATE TABLE indexed(size INTEGER NOT NULL, derivation TEXT NOT NULL DEFAULT '');
INSERT INTO indexed(size, derivation) VALUES(5, 'scitt-evidence/test');
INSERT INTO statements VALUES(3, 'pkg:npm/app@1.0.0', NULL, 'https://supplier.example', 'application/spdx+json',
  1700000000, 'SPDX', NULL, 'log', NULL);
INSERT INTO statements VALUES(4, 'oci.example/app@sha256:aa', 'sha256:aa', 'https://supplier.example', NULL,
  1700000001, NULL, NULL, NULL, NULL);
INSERT INTO edges(entry, kind, from_id, to_id, attributes)
  VALUES(3, 'DEPENDS_ON', 'pkg:npm/app@1.0.0', 'pkg:npm/left-pad@1.3.0', '{"direct":"true"}');
PRAGMA user_version = 3;
)sql";

// What a format 1 file lacked: the covering index on to_id, the payload
// columns and the derivation.
constexpr const char* kFormat3To1 = R"sql(
DROP INDEX edges_to; CREATE INDEX edges_to ON edges(to_id, position);
ALTER TABLE statements DROP COLUMN payload_source; ALTER TABLE statements DROP COLUMN payload_location;
ALTER TABLE indexed DROP COLUMN derivation; PRAGMA user_version = 1;
)sql";

// A format 1 or 3 file opens, is upgraded in place, and finds the
// statements and edges it held, by the same queries.
void ExpectUpgraded(bool from_format_1) {
  const EvidenceStoreBackend backend = EmbeddedBackend();
  const std::string place = backend.make_place();
  const std::string path = place + "/evidence.sqlite";
  Sql(path, std::string("BEGIN;") + kFormat3 + (from_format_1 ? kFormat3To1 : "") + "COMMIT;");
  const evidence::IndexedEdge edge{"DEPENDS_ON", "pkg:npm/app@1.0.0", "pkg:npm/left-pad@1.3.0",
                                   R"({"direct":"true"})"};
  {
    auto store = EvidenceDb::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (const bool incoming : {true, false}) {
      auto page = (*store)->FindEdges({.node = incoming ? edge.to : edge.from, .incoming = incoming});
      ASSERT_TRUE(page.ok());
      ASSERT_EQ(page->edges.size(), 1u);
      EXPECT_EQ(page->edges[0].entry, 3u);
      EXPECT_EQ(page->edges[0].edge, edge);
      EXPECT_EQ(page->edges[0].issuer, "https://supplier.example");
    }
    auto by_issuer = (*store)->FindStatements({.issuer = "https://supplier.example"});
    ASSERT_TRUE(by_issuer.ok());
    ASSERT_EQ(by_issuer->statements.size(), 2u);
    const evidence::IndexedStatement& first = by_issuer->statements[0];
    EXPECT_EQ(first.entry, 3u);
    EXPECT_EQ(first.subject, "pkg:npm/app@1.0.0");
    EXPECT_EQ(first.content_type, "application/spdx+json");
    EXPECT_EQ(first.registered_at, 1700000000);
    EXPECT_EQ(first.format, "SPDX");
    EXPECT_EQ(first.payload_source, from_format_1 ? std::nullopt : std::optional<std::string>("log"));
    EXPECT_EQ(by_issuer->statements[1].entry, 4u);
    EXPECT_FALSE(by_issuer->statements[1].content_type);
    auto by_digest = (*store)->FindStatements({.subject = "sha256:aa"});
    ASSERT_TRUE(by_digest.ok());
    ASSERT_EQ(by_digest->statements.size(), 1u);
    EXPECT_EQ(by_digest->statements[0].issuer, "https://supplier.example");
    auto by_type = (*store)->FindStatements({.content_type = "application/spdx+json"});
    ASSERT_TRUE(by_type.ok());
    ASSERT_EQ(by_type->statements.size(), 1u);
    EXPECT_EQ(by_type->statements[0].entry, 3u);
  }
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), "4");
  EXPECT_EQ(Sql(path, "SELECT group_concat(value, ' ') FROM names"), "https://supplier.example application/spdx+json");
  EXPECT_EQ(Sql(path, "SELECT count(*) FROM sqlite_master WHERE name = 'statements_3'"), "0");
  EXPECT_EQ(Sql(path, "SELECT sql FROM sqlite_master WHERE name = 'statements_by_issuer'"),
            "CREATE INDEX statements_by_issuer ON statements(issuer) WHERE issuer IS NOT NULL");
  // Derived before derivations were recorded, or by the indexer format 3 named.
  EXPECT_EQ(Sql(path, "SELECT derivation FROM indexed"), from_format_1 ? "" : "scitt-evidence/test");
  EXPECT_EQ(Sql(path, "SELECT sql FROM sqlite_master WHERE name = 'edges_to'"),
            "CREATE INDEX edges_to ON edges(to_id, position, entry, kind, from_id, attributes)");
  backend.remove_place(place);
}

TEST(EmbeddedEvidenceStore, UpgradesFormat1InPlace) { ExpectUpgraded(true); }
TEST(EmbeddedEvidenceStore, UpgradesFormat3InPlace) { ExpectUpgraded(false); }

// A format this build does not know is refused with the newest evidence
// format it reads, not the log's.
TEST(EmbeddedEvidenceStore, AnUnknownFormatIsRefusedWithTheFormatThisBuildReads) {
  const EvidenceStoreBackend backend = EmbeddedBackend();
  const std::string place = backend.make_place();
  const std::string path = place + "/evidence.sqlite";
  Sql(path, "PRAGMA user_version = 9");
  auto store = EvidenceDb::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("has format version 9; this build reads version 4"), std::string::npos)
      << store.error().message;
  backend.remove_place(place);
}

}  // namespace
}  // namespace scitt::storage::testing

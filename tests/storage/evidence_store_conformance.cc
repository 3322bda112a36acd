#include "evidence_store_conformance.h"

#include <thread>

namespace scitt::storage::testing {

using evidence::IndexedStatement;
using evidence::StatementQuery;

std::unique_ptr<evidence::EvidenceStore> EvidenceStoreConformance::MustOpen() const {
  auto store = GetParam().open(place_);
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

std::string EvidenceBackendName(const ::testing::TestParamInfo<EvidenceStoreBackend>& info) {
  return info.param.name;
}

namespace {

IndexedStatement Statement(uint64_t entry, std::optional<std::string> subject, std::optional<std::string> issuer,
                           std::optional<std::string> type) {
  IndexedStatement s;
  s.entry = entry;
  s.subject = std::move(subject);
  s.issuer = std::move(issuer);
  s.content_type = std::move(type);
  s.registered_at = 1700000000 + static_cast<int64_t>(entry);
  return s;
}

std::vector<uint64_t> Entries(const evidence::StatementPage& page) {
  std::vector<uint64_t> out;
  for (const auto& s : page.statements) out.push_back(s.entry);
  return out;
}

std::vector<uint64_t> Find(const evidence::EvidenceStore& store, StatementQuery query) {
  auto page = store.FindStatements(query);
  EXPECT_TRUE(page.ok()) << page.error().message;
  return page.ok() ? Entries(*page) : std::vector<uint64_t>{};
}

TEST_P(EvidenceStoreConformance, ANewStoreHasIndexedNothing) {
  auto store = MustOpen();
  EXPECT_EQ(*store->IndexedSize(), 0u);
  auto page = store->FindStatements({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->indexed_size, 0u);
  EXPECT_TRUE(page->statements.empty());
}

TEST_P(EvidenceStoreConformance, FindsByEachFieldAndTheirCombinationInEntryOrder) {
  auto store = MustOpen();
  IndexedStatement oci = Statement(4, "demo/app@sha256:aa", "did:web:a", "application/spdx+json");
  oci.subject_digest = "sha256:aa";
  const std::vector<IndexedStatement> statements = {
      Statement(0, "sha256:aa", "did:web:a", "application/vnd.cyclonedx+json"),
      Statement(1, "sha256:bb", "did:web:b", "application/vnd.cyclonedx+json"),
      Statement(3, std::nullopt, std::nullopt, std::nullopt),  // a statement that says none of it
      oci,
      Statement(5, "pkg:npm/left-pad@1.3.0", "did:web:b", "application/sarif+json"),
  };
  ASSERT_TRUE(store->Add(statements, 6).ok());  // entry 2 had nothing to index
  EXPECT_EQ(*store->IndexedSize(), 6u);
  EXPECT_EQ(Find(*store, {}), (std::vector<uint64_t>{0, 1, 3, 4, 5}));
  EXPECT_EQ(Find(*store, {.subject = "sha256:aa"}), (std::vector<uint64_t>{0, 4}));  // and name@digest
  EXPECT_EQ(Find(*store, {.subject = "demo/app@sha256:aa"}), (std::vector<uint64_t>{4}));
  EXPECT_EQ(Find(*store, {.issuer = "did:web:b"}), (std::vector<uint64_t>{1, 5}));
  EXPECT_EQ(Find(*store, {.content_type = "application/vnd.cyclonedx+json"}), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(Find(*store, {.subject = "sha256:aa", .issuer = "did:web:a", .content_type = "application/spdx+json"}),
            (std::vector<uint64_t>{4}));
  EXPECT_EQ(Find(*store, {.subject = "sha256:cc"}), (std::vector<uint64_t>{}));
  EXPECT_EQ(Find(*store, {.issuer = "did:web:c"}), (std::vector<uint64_t>{}));
  EXPECT_EQ(Find(*store, {.issuer = "did:web:b", .content_type = "application/sarif+json"}),
            (std::vector<uint64_t>{5}));
  // Added later, by another change: one string as issuer and content type.
  ASSERT_TRUE(store->Add(std::vector{Statement(6, "sha256:aa", "did:web:a", "did:web:a")}, 7).ok());
  EXPECT_EQ(Find(*store, {.issuer = "did:web:a"}), (std::vector<uint64_t>{0, 4, 6}));
  EXPECT_EQ(Find(*store, {.content_type = "did:web:a"}), (std::vector<uint64_t>{6}));
  EXPECT_EQ(Find(*store, {.subject = "sha256:aa", .content_type = "did:web:a"}), (std::vector<uint64_t>{6}));
  auto page = store->FindStatements({.subject = "demo/app@sha256:aa"});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->statements.size(), 1u);
  EXPECT_EQ(page->statements[0], oci);  // every field as added
  EXPECT_EQ(page->indexed_size, 7u);
}

TEST_P(EvidenceStoreConformance, PagesAfterAnEntry) {
  auto store = MustOpen();
  std::vector<IndexedStatement> statements;
  for (uint64_t i = 0; i < 25; ++i) statements.push_back(Statement(i, "sha256:aa", "iss", "t"));
  ASSERT_TRUE(store->Add(statements, 25).ok());
  std::vector<uint64_t> seen;
  std::optional<uint64_t> after;
  for (int pages = 0; pages < 10; ++pages) {
    auto found = Find(*store, {.subject = "sha256:aa", .after = after, .limit = 10});
    seen.insert(seen.end(), found.begin(), found.end());
    if (found.size() < 10) break;
    after = found.back();
  }
  ASSERT_EQ(seen.size(), 25u);
  for (uint64_t i = 0; i < 25; ++i) EXPECT_EQ(seen[i], i);
}

// After a crash the indexer replays from the saved size: adding entries
// again changes nothing, and the size never moves back.
TEST_P(EvidenceStoreConformance, AddingAgainChangesNothingAndTheSizeOnlyGrows) {
  {
    auto store = MustOpen();
    ASSERT_TRUE(store->Add(std::vector{Statement(0, "s", "i", "t"), Statement(1, "s", "i", "t")}, 2).ok());
    ASSERT_TRUE(store->Add(std::vector{Statement(1, "other", "other", "other")}, 1).ok());
  }
  auto store = MustOpen();  // persisted
  EXPECT_EQ(*store->IndexedSize(), 2u);
  EXPECT_EQ(Find(*store, {.subject = "s"}), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(Find(*store, {.subject = "other"}), (std::vector<uint64_t>{}));
  ASSERT_TRUE(store->Add({}, 10).ok());
  EXPECT_EQ(*store->IndexedSize(), 10u);
}

std::vector<std::pair<uint64_t, std::string>> Hops(const evidence::EvidenceStore& store, evidence::EdgeQuery query) {
  std::vector<std::pair<uint64_t, std::string>> out;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = store.FindEdges(query);
    EXPECT_TRUE(page.ok()) << page.error().message;
    if (!page.ok()) break;
    for (const auto& found : page->edges) {
      out.emplace_back(found.entry, query.incoming ? found.edge.from : found.edge.to);
    }
    if (!page->next) break;
    query.after = page->next;
  }
  return out;
}

// Edges are found from either end, by kind, in pages; each keeps the entry
// that asserted it, two statements asserting one edge are two edges, and a
// statement added again (a replay after a crash) adds no edge twice.
TEST_P(EvidenceStoreConformance, FindsEdgesFromEitherEndWithTheirEntries) {
  auto store = MustOpen();
  auto sbom = [](uint64_t entry) {
    IndexedStatement s = Statement(entry, "sha256:aa", "iss" + std::to_string(entry), "application/spdx+json");
    s.format = "SPDX";
    s.edges = {{"DESCRIBES", "sha256:aa", "pkg:npm/app@1", "{}"},
               {"DEPENDS_ON", "pkg:npm/app@1", "pkg:npm/left-pad@1.3.0", R"({"direct":"true"})"},
               {"DEPENDS_ON", "pkg:npm/app@1", "pkg:npm/lodash@4", "{}"},
               {"CONTAINS", "pkg:npm/app@1", "ref:3:file", "{}"}};
    return s;
  };
  IndexedStatement broken = Statement(5, "sha256:bb", "iss", "application/spdx+json");
  broken.indexing_error = "payload-location: the registry does not hold sha256:cc in demo/app";
  broken.payload_source = "not_retrieved";
  broken.payload_location = "/v2/demo/app/blobs/sha256:cc";
  ASSERT_TRUE(store->Add(std::vector{sbom(3), broken, sbom(7)}, 8).ok());
  ASSERT_TRUE(store->Add(std::vector{sbom(7)}, 8).ok());  // replayed

  using Hop = std::pair<uint64_t, std::string>;
  EXPECT_EQ(Hops(*store, {.node = "pkg:npm/app@1", .kind = "DEPENDS_ON", .limit = 3}),
            (std::vector<Hop>{{3, "pkg:npm/left-pad@1.3.0"}, {3, "pkg:npm/lodash@4"},
                              {7, "pkg:npm/left-pad@1.3.0"}, {7, "pkg:npm/lodash@4"}}));
  EXPECT_EQ(Hops(*store, {.node = "pkg:npm/left-pad@1.3.0", .incoming = true}),
            (std::vector<Hop>{{3, "pkg:npm/app@1"}, {7, "pkg:npm/app@1"}}));
  EXPECT_EQ(Hops(*store, {.node = "pkg:npm/app@1"}).size(), 6u);  // every kind
  EXPECT_TRUE(Hops(*store, {.node = "pkg:npm/nothing"}).empty());
  auto page = store->FindEdges({.node = "pkg:npm/app@1", .kind = "DEPENDS_ON", .limit = 1});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->indexed_size, 8u);
  ASSERT_EQ(page->edges.size(), 1u);
  EXPECT_EQ(page->edges[0].edge, (evidence::IndexedEdge{"DEPENDS_ON", "pkg:npm/app@1", "pkg:npm/left-pad@1.3.0",
                                                        R"({"direct":"true"})"}));
  EXPECT_EQ(page->edges[0].issuer, "iss3");  // who signed the statement that asserts it

  auto statements = store->FindStatements({.subject = "sha256:bb"});
  ASSERT_TRUE(statements.ok());
  ASSERT_EQ(statements->statements.size(), 1u);
  EXPECT_EQ(statements->statements[0], broken);  // every field kept
  EXPECT_FALSE(statements->statements[0].format);
  EXPECT_EQ(store->FindStatements({.subject = "sha256:aa"})->statements[0].format, "SPDX");
}

// The whole graph in indexing order, page by page, and then only what was
// added since (how dependency_graph.h loads and follows it).
TEST_P(EvidenceStoreConformance, ScansEveryEdgeInIndexingOrder) {
  auto store = MustOpen();
  auto statement = [](uint64_t entry, std::vector<evidence::IndexedEdge> edges) {
    IndexedStatement s = Statement(entry, "sha256:aa", "iss" + std::to_string(entry), "application/spdx+json");
    s.edges = std::move(edges);
    return s;
  };
  ASSERT_TRUE(store
                  ->Add(std::vector{statement(1, {{"DESCRIBES", "sha256:aa", "a", "{}"}, {"DEPENDS_ON", "a", "b", "{}"}}),
                                    statement(2, {}),
                                    statement(4, {{"DEPENDS_ON", "a", "c", "{}"}, {"VULNERABLE_TO", "c", "CVE-1", "{}"},
                                                  {"DEPENDS_ON", "c", "b", "{}"}})},
                        5)
                  .ok());
  using Seen = std::pair<uint64_t, std::string>;  // entry, "from>to"
  auto scan_all = [&](uint64_t after, size_t limit, uint64_t& last) {
    std::vector<Seen> seen;
    while (true) {
      auto page = store->ScanEdges({.after = after, .limit = limit});
      EXPECT_TRUE(page.ok()) << page.error().message;
      if (!page.ok()) return seen;
      EXPECT_EQ(page->indexed_size, *store->IndexedSize());
      for (const evidence::FoundEdge& found : page->edges) {
        seen.emplace_back(found.entry, found.edge.from + ">" + found.edge.to);
        EXPECT_EQ(found.issuer, "iss" + std::to_string(found.entry));
      }
      EXPECT_EQ(page->next.has_value(), !page->edges.empty());
      if (page->next) after = last = *page->next;
      if (page->edges.size() < limit) return seen;
    }
  };
  uint64_t last = 0;
  EXPECT_EQ(scan_all(0, 2, last), (std::vector<Seen>{{1, "sha256:aa>a"}, {1, "a>b"}, {4, "a>c"}, {4, "c>CVE-1"}, {4, "c>b"}}));
  uint64_t unchanged = last;
  EXPECT_TRUE(scan_all(last, 2, unchanged).empty());
  EXPECT_EQ(unchanged, last);
  ASSERT_TRUE(store->Add(std::vector{statement(6, {{"CONTAINS", "b", "d", "{}"}})}, 7).ok());
  EXPECT_EQ(scan_all(last, 2, last), (std::vector<Seen>{{6, "b>d"}}));
}

// A large statement's edges are stored ahead of it (AddEdges): unseen until
// the Add that covers its entry, dropped when no Add did (a crash halfway,
// a document found broken), and never for an entry already indexed.
TEST_P(EvidenceStoreConformance, EdgesStoredAheadOfTheirStatementCountOnceItIsAdded) {
  auto store = MustOpen();
  IndexedStatement first = Statement(0, "sha256:aa", "iss", "application/spdx+json");
  first.edges = {{"DEPENDS_ON", "a", "b", "{}"}};
  ASSERT_TRUE(store->Add(std::vector{first}, 2).ok());
  auto scan = [&] {
    std::vector<std::string> seen;
    const auto page = store->ScanEdges({});
    EXPECT_TRUE(page.ok());
    for (const evidence::FoundEdge& found : page->edges) {
      seen.push_back(std::to_string(found.entry) + ":" + found.edge.from + ">" + found.edge.to);
    }
    return seen;
  };
  // Stored, then left by a try that stopped: unseen, then dropped.
  ASSERT_TRUE(store->AddEdges(2, std::vector<evidence::IndexedEdge>{{"DEPENDS_ON", "x", "y", "{}"}}).ok());
  EXPECT_EQ(scan(), (std::vector<std::string>{"0:a>b"}));
  EXPECT_TRUE(store->FindEdges({.node = "x"})->edges.empty());
  EXPECT_TRUE(store->FindNodes({.prefix = "x"})->nodes.empty());
  ASSERT_TRUE(store->DropUnindexedEdges().ok());
  // Stored again in two batches, then the statement with its last edges.
  ASSERT_TRUE(store->AddEdges(2, std::vector<evidence::IndexedEdge>{{"DEPENDS_ON", "c", "d", "{}"}}).ok());
  ASSERT_TRUE(store->AddEdges(2, std::vector<evidence::IndexedEdge>{{"DEPENDS_ON", "d", "e", "{}"}}).ok());
  EXPECT_EQ(scan(), (std::vector<std::string>{"0:a>b"}));
  IndexedStatement large = Statement(2, "sha256:cc", "iss", "application/spdx+json");
  large.edges = {{"DEPENDS_ON", "e", "f", "{}"}};
  ASSERT_TRUE(store->Add(std::vector{large}, 3).ok());
  EXPECT_EQ(scan(), (std::vector<std::string>{"0:a>b", "2:c>d", "2:d>e", "2:e>f"}));
  EXPECT_TRUE(store->FindEdges({.node = "x"})->edges.empty());
  // Indexed edges stay; nothing is stored for an indexed entry.
  ASSERT_TRUE(store->DropUnindexedEdges().ok());
  EXPECT_EQ(scan().size(), 4u);
  const Status late = store->AddEdges(1, std::vector<evidence::IndexedEdge>{{"DEPENDS_ON", "g", "h", "{}"}});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kInvalidArgument);
  // What a crash left is dropped once the store is opened again.
  ASSERT_TRUE(store->AddEdges(3, std::vector<evidence::IndexedEdge>{{"DEPENDS_ON", "y", "z", "{}"}}).ok());
  store.reset();
  store = MustOpen();
  ASSERT_TRUE(store->DropUnindexedEdges().ok());
  ASSERT_TRUE(store->Add(std::vector{Statement(3, "sha256:dd", "iss", "application/spdx+json")}, 4).ok());
  EXPECT_EQ(scan(), (std::vector<std::string>{"0:a>b", "2:c>d", "2:d>e", "2:e>f"}));
}

// What derived the index is kept with it; a reset empties it for the
// indexer to read the log again.
TEST_P(EvidenceStoreConformance, ResetEmptiesTheIndexAndRecordsItsDerivation) {
  auto store = MustOpen();
  EXPECT_EQ(*store->Derivation(), "");
  IndexedStatement sbom = Statement(2, "sha256:aa", "iss", "application/spdx+json");
  sbom.edges = {{"DEPENDS_ON", "a", "b", "{}"}};
  ASSERT_TRUE(store->Add(std::vector{sbom}, 3).ok());
  ASSERT_TRUE(store->Reset("parsers v2").ok());
  EXPECT_EQ(*store->Derivation(), "parsers v2");
  EXPECT_EQ(*store->IndexedSize(), 0u);
  EXPECT_TRUE(Find(*store, {}).empty());
  EXPECT_TRUE(store->ScanEdges({})->edges.empty());
  ASSERT_TRUE(store->Add(std::vector{sbom}, 3).ok());  // indexed again from the log
  EXPECT_EQ(Find(*store, {}), (std::vector<uint64_t>{2}));
  EXPECT_EQ(store->FindEdges({.node = "a"})->edges.size(), 1u);
  store.reset();
  EXPECT_EQ(*MustOpen()->Derivation(), "parsers v2");  // kept
}

// Statements registered in a time window: since inclusive, until exclusive.
TEST_P(EvidenceStoreConformance, FindsStatementsRegisteredInATimeWindow) {
  auto store = MustOpen();
  std::vector<IndexedStatement> statements;
  for (uint64_t i = 0; i < 6; ++i) statements.push_back(Statement(i, "s", "i", "t"));  // at 1700000000 + i
  ASSERT_TRUE(store->Add(statements, 6).ok());
  EXPECT_EQ(Find(*store, {.since = 1700000002}), (std::vector<uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(Find(*store, {.until = 1700000002}), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(Find(*store, {.subject = "s", .since = 1700000001, .until = 1700000003}),
            (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(Find(*store, {.since = 1800000000}).empty());
}

// The ids that start with a prefix, at either end of an edge, in byte
// order, in pages, as of a tree size: the versions of a package.
TEST_P(EvidenceStoreConformance, FindsNodesByPrefix) {
  auto store = MustOpen();
  IndexedStatement first = Statement(0, "sha256:aa", "a", "t");
  first.edges = {{"DEPENDS_ON", "pkg:npm/left-pad@1.3.0", "pkg:npm/lodash@4", "{}"},
                 {"CONTAINS", "sha256:aa", "pkg:npm/left-pad@1.2.0", "{}"}};
  IndexedStatement second = Statement(1, "sha256:bb", "a", "t");
  second.edges = {{"CONTAINS", "sha256:bb", "pkg:npm/left-pad@2.0.0", "{}"},
                  {"CONTAINS", "sha256:bb", "pkg:npm/left-pad-extra@1.0.0", "{}"},
                  {"CONTAINS", "sha256:bb", "pkg:npm/left-pad@1.3.0", "{}"}};
  ASSERT_TRUE(store->Add(std::vector{first, second}, 2).ok());
  auto nodes = [&](evidence::NodeQuery query) {
    auto page = store->FindNodes(query);
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? page->nodes : std::vector<std::string>{};
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(nodes({.prefix = "pkg:npm/left-pad@"}),
            (Ids{"pkg:npm/left-pad@1.2.0", "pkg:npm/left-pad@1.3.0", "pkg:npm/left-pad@2.0.0"}));
  EXPECT_EQ(nodes({.prefix = "pkg:npm/left-pad@", .after = "pkg:npm/left-pad@1.2.0", .limit = 1}),
            (Ids{"pkg:npm/left-pad@1.3.0"}));
  EXPECT_EQ(nodes({.prefix = "pkg:npm/left-pad@", .as_of = 1}),
            (Ids{"pkg:npm/left-pad@1.2.0", "pkg:npm/left-pad@1.3.0"}));
  EXPECT_EQ(nodes({.prefix = "sha256:"}), (Ids{"sha256:aa", "sha256:bb"}));
  EXPECT_TRUE(nodes({.prefix = "pkg:pypi/"}).empty());
}

// A query answers from what is indexed: rows at or past the indexed size
// (none can exist through Add) are never seen, and readers run while the
// indexer adds.
TEST_P(EvidenceStoreConformance, ReadersRunWhileTheIndexerAdds) {
  auto store = MustOpen();
  std::thread writer([&] {
    for (uint64_t i = 0; i < 200; ++i) ASSERT_TRUE(store->Add(std::vector{Statement(i, "s", "i", "t")}, i + 1).ok());
  });
  for (int reads = 0; reads < 200; ++reads) {
    auto page = store->FindStatements({.subject = "s", .limit = 1000});
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->statements.size(), page->indexed_size);  // exactly the indexed ones
  }
  writer.join();
  EXPECT_EQ(Find(*store, {.subject = "s", .limit = 1000}).size(), 200u);
}

}  // namespace
}  // namespace scitt::storage::testing

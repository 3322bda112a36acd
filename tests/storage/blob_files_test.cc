// The embedded registry::BlobStore (storage/embedded/blob_files.h): upload
// sessions, digest checks, durability layout, expiry and limits.
#include "storage/embedded/blob_files.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <future>

#include "crypto/hash.h"
#include "store_test_util.h"
#include "support/manual_clock.h"

namespace scitt::storage {
namespace {

namespace fs = std::filesystem;
using registry::Digest;
using scitt::testing::ManualClock;
using testing::TempDir;

Bytes Content(size_t size, uint8_t seed) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(i * 31 + seed);
  return out;
}

std::unique_ptr<BlobFiles> MustOpen(const std::string& dir, BlobFilesOptions options = {}) {
  auto files = BlobFiles::Open(dir, std::move(options));
  EXPECT_TRUE(files.ok()) << files.error().message;
  return files.ok() ? std::move(*files) : nullptr;
}

Bytes ReadAll(const registry::BlobStore& store, const Digest& digest) {
  auto reader = store.Open(digest);
  EXPECT_TRUE(reader.ok()) << reader.error().message;
  if (!reader.ok()) return {};
  Bytes out;
  while (out.size() < (*reader)->size()) {
    auto piece = (*reader)->Read(out.size(), 1000);
    EXPECT_TRUE(piece.ok());
    if (!piece.ok() || piece->empty()) break;
    out.insert(out.end(), piece->begin(), piece->end());
  }
  return out;
}

// Blobs up to small_blob_bytes are kept in blobs.kv, and their uploads
// never touch uploads/; a session that outgrows the bound spills to a file.
TEST(BlobFiles, SmallBlobsAreKeptTogetherAndTheirUploadsStayInMemory) {
  TempDir dir;
  BlobFilesOptions options;
  options.small_blob_bytes = 1000;
  {
    auto store = MustOpen(dir.path(), options);
    const Bytes small = Content(1000, 7);
    auto put = store->Put(small);
    ASSERT_TRUE(put.ok());
    EXPECT_EQ(store->Size(*put)->value_or(0), 1000u);
    EXPECT_EQ(ReadAll(*store, *put), small);

    auto upload = store->StartUpload("r");
    ASSERT_TRUE(upload.ok());
    const Bytes pushed = Content(900, 8);
    ASSERT_TRUE(store->Append("r", *upload, 0, ByteView(pushed).first(400)).ok());
    ASSERT_TRUE(store->Append("r", *upload, 400, ByteView(pushed).subspan(400)).ok());
    EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));  // never a file
    ASSERT_TRUE(store->Commit("r", *upload, Digest::Sha256Of(pushed)).ok());

    // Beyond the bound: spilled to a file with what memory held, then a blob file.
    auto large = store->StartUpload("r");
    const Bytes big = Content(1500, 9);
    ASSERT_TRUE(store->Append("r", *large, 0, ByteView(big).first(600)).ok());
    EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));
    ASSERT_TRUE(store->Append("r", *large, 600, ByteView(big).subspan(600)).ok());
    EXPECT_FALSE(fs::is_empty(dir.path() + "/uploads"));
    ASSERT_TRUE(store->Commit("r", *large, Digest::Sha256Of(big)).ok());
    EXPECT_TRUE(fs::exists(dir.path() + "/blobs/sha256/" + Digest::Sha256Of(big).encoded().substr(0, 2) + "/" +
                           Digest::Sha256Of(big).encoded()));
    // A small upload whose bytes are not its digest is refused and stores nothing.
    auto wrong = store->StartUpload("r");
    ASSERT_TRUE(store->Append("r", *wrong, 0, Content(10, 1)).ok());
    EXPECT_FALSE(store->Commit("r", *wrong, Digest::Sha256Of(Content(10, 2))).ok());
    EXPECT_FALSE(store->Size(Digest::Sha256Of(Content(10, 2)))->has_value());
  }
  // Durable across reopening; listed and removed like files.
  auto store = MustOpen(dir.path(), options);
  EXPECT_EQ(ReadAll(*store, Digest::Sha256Of(Content(900, 8))), Content(900, 8));
  auto listed = store->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
  ASSERT_TRUE(store->Remove(Digest::Sha256Of(Content(1000, 7))).ok());
  EXPECT_FALSE(store->Size(Digest::Sha256Of(Content(1000, 7)))->has_value());
  EXPECT_EQ(store->List()->size(), 2u);
}

// The small_blobs table of blobs.sqlite as builds before 2026-12-07 wrote
// it: format 1 (WITHOUT ROWID) or 2 (rowid), holding `content`.
void WriteBlobsSqlite(const std::string& path, int format, const Bytes& content) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string schema =
      std::string("PRAGMA journal_mode = WAL;"
                  "CREATE TABLE small_blobs(digest TEXT PRIMARY KEY, content BLOB NOT NULL)") +
      (format == 1 ? " WITHOUT ROWID;" : ";") + "PRAGMA user_version = " + std::to_string(format) + ";";
  ASSERT_EQ(sqlite3_exec(db, schema.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO small_blobs VALUES(?, ?)", -1, &insert, nullptr), SQLITE_OK);
  const std::string text = Digest::Sha256Of(content).ToString();
  sqlite3_bind_text(insert, 1, text.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob(insert, 2, content.data(), static_cast<int>(content.size()), SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
  sqlite3_finalize(insert);
  sqlite3_close(db);
}

int SqliteVersion(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* version = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &version, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(version), SQLITE_ROW);
  const int out = sqlite3_column_int(version, 0);
  sqlite3_finalize(version);
  sqlite3_close(db);
  return out;
}

// blobs.sqlite of format 1 or 2 is moved into blobs.kv when opened, every
// blob kept, and an empty blobs.sqlite of format 4 (which the builds
// before refuse) takes its place. An audit before that reads a copy moved
// in its scratch directory and changes nothing.
TEST(BlobFiles, SmallBlobsOfOlderFormatsAreMoved) {
  for (const int format : {1, 2}) {
    TempDir dir;
    TempDir scratch;
    const Bytes content = Content(500, static_cast<uint8_t>(format));
    const Digest digest = Digest::Sha256Of(content);
    WriteBlobsSqlite(dir.path() + "/blobs.sqlite", format, content);
    {
      auto audit = BlobFiles::OpenForAudit(dir.path(), scratch.path());
      ASSERT_TRUE(audit.ok()) << audit.error().message;
      EXPECT_EQ(ReadAll(**audit, digest), content);
    }
    EXPECT_EQ(SqliteVersion(dir.path() + "/blobs.sqlite"), format);
    EXPECT_FALSE(fs::exists(dir.path() + "/blobs.kv"));
    {
      auto store = MustOpen(dir.path());
      EXPECT_EQ(ReadAll(*store, digest), content);
      ASSERT_TRUE(store->Put(Content(600, 4)).ok());
    }
    EXPECT_EQ(SqliteVersion(dir.path() + "/blobs.sqlite"), 4);
    EXPECT_FALSE(fs::exists(dir.path() + "/blobs.sqlite-wal"));
    auto store = MustOpen(dir.path());
    EXPECT_EQ(store->List()->size(), 2u);
    auto audit = BlobFiles::OpenForAudit(dir.path(), scratch.path());
    ASSERT_TRUE(audit.ok()) << audit.error().message;
    EXPECT_EQ(ReadAll(**audit, digest), content);
    EXPECT_FALSE((*audit)->Put(Content(10, 1)).ok());  // read in place, read-only
  }
}

// A blobs.sqlite of a format this build does not know is refused with the
// newest format it reads (its marker's), not the log's.
TEST(BlobFiles, AnUnknownFormatIsRefusedWithTheFormatThisBuildReads) {
  TempDir dir;
  WriteBlobsSqlite(dir.path() + "/blobs.sqlite", 7, Content(10, 1));
  auto store = BlobFiles::Open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("has format version 7; this build reads version 4"), std::string::npos)
      << store.error().message;
}

TEST(BlobFiles, ChunkedUploadCommitsUnderItsDigest) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  const Bytes content = Content(300000, 1);
  const Digest digest = Digest::Sha256Of(content);
  auto upload = store->StartUpload("r");
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->size(), 32u);  // 128 random bits, hex
  uint64_t offset = 0;
  for (size_t piece : {1u, 65536u, 100000u, 0u, 134463u}) {
    auto size = store->Append("r", *upload, offset, ByteView(content).subspan(offset, piece));
    ASSERT_TRUE(size.ok()) << size.error().message;
    offset += piece;
    EXPECT_EQ(*size, offset);
    EXPECT_EQ(*store->UploadSize("r", *upload), offset);
  }
  // Invisible until committed.
  EXPECT_FALSE(store->Size(digest)->has_value());
  auto committed = store->Commit("r", *upload, digest);
  ASSERT_TRUE(committed.ok()) << committed.error().message;
  EXPECT_EQ(*committed, content.size());
  EXPECT_EQ(store->Size(digest)->value_or(0), content.size());
  EXPECT_EQ(ReadAll(*store, digest), content);
  auto reader = store->Open(digest);
  ASSERT_TRUE(reader.ok());
  Bytes window(1000);
  EXPECT_EQ((*reader)->ReadInto(299500, window).value(), 500u);  // the end of the blob
  EXPECT_TRUE(std::equal(window.begin(), window.begin() + 500, content.begin() + 299500));
  EXPECT_EQ((*reader)->ReadInto(300000, window).value(), 0u);
  EXPECT_TRUE(fs::exists(dir.path() + "/blobs/sha256/" + digest.encoded().substr(0, 2) + "/" +
                         digest.encoded()));
  // The session is over.
  EXPECT_EQ(store->UploadSize("r", *upload).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Append("r", *upload, offset, content).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));
}

// CommitAsync and PutAllAsync answer once the blobs are durable: small
// ones from blobs.kv's syncer, large ones (files) at once; a wrong digest
// is answered as Commit answers it. The bytes read back after reopening.
TEST(BlobFiles, AsyncCommitsAndPutsAnswerOnceDurable) {
  TempDir dir;
  BlobFilesOptions options;
  options.small_blob_bytes = 1000;
  const Bytes small = Content(900, 3), large = Content(5000, 4), other = Content(10, 5);
  auto commit = [](registry::BlobStore& store, ByteView content, const Digest& digest) {
    auto upload = store.StartUpload("r");
    EXPECT_TRUE(upload.ok());
    EXPECT_TRUE(store.Append("r", *upload, 0, content).ok());
    std::promise<Result<uint64_t>> answer;
    store.CommitAsync("r", *upload, digest, [&](Result<uint64_t> size) { answer.set_value(std::move(size)); });
    return answer.get_future().get();
  };
  {
    auto store = MustOpen(dir.path(), options);
    EXPECT_EQ(commit(*store, small, Digest::Sha256Of(small)).value(), 900u);
    EXPECT_EQ(commit(*store, large, Digest::Sha256Of(large)).value(), 5000u);
    auto wrong = commit(*store, small, Digest::Sha256Of(large));
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
    // The contents are read before PutAllAsync returns (freed here at once:
    // ASan would see a later read); one given twice gets its digest twice.
    std::promise<Result<std::vector<Digest>>> put;
    std::vector<Bytes> copies = {other, large, other};
    store->PutAllAsync(std::vector<ByteView>(copies.begin(), copies.end()),
                       [&](Result<std::vector<Digest>> done) { put.set_value(std::move(done)); });
    copies.clear();
    copies.shrink_to_fit();
    auto digests = put.get_future().get();
    ASSERT_TRUE(digests.ok()) << digests.error().message;
    EXPECT_EQ(*digests, (std::vector<Digest>{Digest::Sha256Of(other), Digest::Sha256Of(large), Digest::Sha256Of(other)}));
  }
  auto store = MustOpen(dir.path(), options);
  EXPECT_EQ(ReadAll(*store, Digest::Sha256Of(small)), small);
  EXPECT_EQ(ReadAll(*store, Digest::Sha256Of(large)), large);
  EXPECT_EQ(ReadAll(*store, Digest::Sha256Of(other)), other);
  EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));
}

// Uploaded again (another repository, no mount): the stored file stays as
// it is, and the upload is dropped without an fsync or a rename.
TEST(BlobFiles, AnUploadOfAStoredBlobIsDropped) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  const Bytes content = Content(300000, 4);
  const Digest digest = Digest::Sha256Of(content);
  const std::string path = dir.path() + "/blobs/sha256/" + digest.encoded().substr(0, 2) + "/" + digest.encoded();
  ino_t first = 0;
  for (const std::string owner : {"a", "b"}) {
    auto upload = store->StartUpload(owner);
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE(store->Append(owner, *upload, 0, content).ok());
    auto committed = store->Commit(owner, *upload, digest);
    ASSERT_TRUE(committed.ok()) << committed.error().message;
    EXPECT_EQ(*committed, content.size());
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    if (first == 0) first = st.st_ino;
    EXPECT_EQ(st.st_ino, first);  // not replaced by a rename
    EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));
    EXPECT_EQ(ReadAll(*store, digest), content);
  }
  // A wrong digest is still refused, and drops the upload too.
  auto upload = store->StartUpload("c");
  ASSERT_TRUE(store->Append("c", *upload, 0, content).ok());
  EXPECT_EQ(store->Commit("c", *upload, Digest::Sha256Of(Content(10, 4))).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));
}

TEST(BlobFiles, OutOfOrderChunksAndWrongDigestsAreRefused) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  const Bytes content = Content(1000, 2);
  auto upload = store->StartUpload("r");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE(store->Append("r", *upload, 0, ByteView(content).subspan(0, 500)).ok());
  for (uint64_t bad : {0u, 499u, 501u}) {
    auto appended = store->Append("r", *upload, bad, ByteView(content).subspan(500));
    ASSERT_FALSE(appended.ok());
    EXPECT_EQ(appended.error().code, ErrorCode::kConflict) << bad;
  }
  EXPECT_EQ(*store->UploadSize("r", *upload), 500u);  // nothing of the refused chunks
  ASSERT_TRUE(store->Append("r", *upload, 500, ByteView(content).subspan(500)).ok());
  const Digest wrong = Digest::Sha256Of(ByteView(content).subspan(1));
  auto committed = store->Commit("r", *upload, wrong);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(committed.error().message.find(Digest::Sha256Of(content).ToString()), std::string::npos);
  EXPECT_FALSE(store->Size(wrong)->has_value());
  EXPECT_FALSE(store->Size(Digest::Sha256Of(content))->has_value());
  EXPECT_EQ(store->UploadSize("r", *upload).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));
}

TEST(BlobFiles, Sha512AndEmptyBlobs) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  const Bytes content = Content(3 << 20, 3);  // over the re-read chunk
  const Digest sha512 =
      Digest::Of(crypto::HashAlgorithm::kSha512, crypto::Digest(crypto::HashAlgorithm::kSha512, content));
  auto upload = store->StartUpload("r");
  ASSERT_TRUE(store->Append("r", *upload, 0, content).ok());
  auto committed = store->Commit("r", *upload, sha512);
  ASSERT_TRUE(committed.ok()) << committed.error().message;
  EXPECT_EQ(ReadAll(*store, sha512), content);
  EXPECT_TRUE(fs::exists(dir.path() + "/blobs/sha512/" + sha512.encoded().substr(0, 2) + "/" +
                         sha512.encoded()));

  const Digest empty = Digest::Sha256Of({});
  upload = store->StartUpload("r");
  ASSERT_TRUE(store->Commit("r", *upload, empty).ok());
  EXPECT_EQ(store->Size(empty)->value_or(99), 0u);
  auto reader = store->Open(empty);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE((*reader)->Read(0, 10)->empty());
}

TEST(BlobFiles, CancelPutRemoveAndList) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  auto upload = store->StartUpload("r");
  ASSERT_TRUE(store->Append("r", *upload, 0, Content(10, 4)).ok());
  EXPECT_TRUE(store->Cancel("r", *upload).ok());
  EXPECT_EQ(store->Cancel("r", *upload).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Cancel("r", "not-an-upload").error().code, ErrorCode::kNotFound);
  // A session belongs to the repository it was started for.
  upload = store->StartUpload("r");
  EXPECT_EQ(store->UploadSize("other", *upload).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Append("other", *upload, 0, Content(1, 1)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Commit("other", *upload, Digest::Sha256Of({})).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->Cancel("other", *upload).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store->Cancel("r", *upload).ok());

  const Bytes manifest = Content(500, 5);
  auto put = store->Put(manifest);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(*put, Digest::Sha256Of(manifest));
  EXPECT_EQ(ReadAll(*store, *put), manifest);
  EXPECT_TRUE(store->Put(manifest).ok());  // again: the same blob
  auto list = store->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<Digest>{*put});

  // A reader keeps its blob after removal.
  auto reader = store->Open(*put);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(store->Remove(*put).ok());
  EXPECT_TRUE(store->Remove(*put).ok());
  EXPECT_FALSE(store->Size(*put)->has_value());
  EXPECT_EQ(store->Open(*put).error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*reader)->Read(0, 500).value(), manifest);
  EXPECT_TRUE(store->List()->empty());
}

TEST(BlobFiles, SessionsExpireAreBoundedAndDoNotSurviveARestart) {
  TempDir dir;
  ManualClock clock(std::chrono::seconds(5));  // a machine booted seconds ago
  BlobFilesOptions options;
  options.max_uploads = 2;
  options.upload_expiry = std::chrono::seconds(60);
  options.clock = clock.clock();
  auto store = MustOpen(dir.path(), options);
  auto first = store->StartUpload("r");
  auto second = store->StartUpload("r");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  auto third = store->StartUpload("r");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);

  clock.Advance(std::chrono::seconds(40));
  ASSERT_TRUE(store->Append("r", *first, 0, Content(10, 6)).ok());  // keeps `first` alive
  clock.Advance(std::chrono::seconds(30));                      // `second` idle 70 s
  EXPECT_EQ(store->UploadSize("r", *second).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*store->UploadSize("r", *first), 10u);
  EXPECT_TRUE(store->StartUpload("r").ok());  // room again

  // Bytes per session are bounded too.
  BlobFilesOptions small;
  small.max_upload_bytes = 10;
  TempDir other;
  auto bounded = MustOpen(other.path(), small);
  auto session = bounded->StartUpload("r");
  ASSERT_TRUE(bounded->Append("r", *session, 0, Content(6, 1)).ok());
  auto over = bounded->Append("r", *session, 6, Content(5, 1));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(*bounded->UploadSize("r", *session), 6u);
  EXPECT_TRUE(bounded->Append("r", *session, 6, Content(4, 1)).ok());

  // A restart: sessions are gone, their files removed, committed blobs kept.
  const Digest kept = *store->Put(Content(7, 7));
  store.reset();
  store = MustOpen(dir.path(), options);
  EXPECT_EQ(store->UploadSize("r", *first).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(dir.path() + "/uploads"));
  EXPECT_EQ(store->Size(kept)->value_or(0), 7u);
}

}  // namespace
}  // namespace scitt::storage

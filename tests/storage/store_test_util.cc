#include "store_test_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "crypto/hash.h"
#include "merkle/tree.h"

namespace scitt::storage::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "scitt-store-XXXXXX").string();
  path_ = ::mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Bytes Statement(uint64_t index, size_t size) {
  std::string text = "statement-" + std::to_string(index) + "-";
  Bytes out;
  while (out.size() < size) out.insert(out.end(), text.begin(), text.end());
  out.resize(size);
  return out;
}

crypto::Sha256Digest SignedContentFor(const crypto::Sha256Digest& entry_hash) {
  return crypto::Sha256(entry_hash);
}

Result<crypto::Sha256Digest> SignedContentOf(ByteView statement) {
  return SignedContentFor(crypto::Sha256(statement));
}

StoreOptions WithSignedContents(StoreOptions options) {
  options.signed_content_of = SignedContentOf;
  return options;
}

Batch Batches::Next(uint64_t n, size_t statement_size) const {
  Batch batch;
  merkle::CompactRange range = range_;
  for (uint64_t k = 0; k < n; ++k) {
    log::LogEntry entry;
    entry.index = range.size();
    entry.statement = Statement(entry.index, statement_size);
    entry.entry_hash = crypto::Sha256(entry.statement);
    entry.signed_content = SignedContentFor(entry.entry_hash);
    entry.registered_at = 1700000000 + static_cast<int64_t>(entry.index);
    entry.policy_index = entry.index / 2;
    if (entry.index % 3 == 0) entry.collateral = Bytes{0xa1, 0x01, 0x02};
    range.Append(merkle::HashLeaf(entry.entry_hash),
                 [&](uint8_t level, uint64_t index, const merkle::Hash& hash) {
                   batch.nodes.push_back(log::NodeWrite{level, index, hash});
                 });
    batch.entries.push_back(std::move(entry));
  }
  batch.head = HeadAt(range.size(), range.Root());
  return batch;
}

void Batches::Remember(const Batch& batch) {
  for (const auto& entry : batch.entries) {
    const merkle::Hash leaf = merkle::HashLeaf(entry.entry_hash);
    range_.Append(leaf);
    leaves_.push_back(leaf);
  }
}

Status Batches::Append(log::LogStore& store, uint64_t n, size_t statement_size) {
  Batch batch = Next(n, statement_size);
  SCITT_RETURN_IF_ERROR(store.AppendBatch(batch.entries, batch.nodes, batch.head));
  Remember(batch);
  return Status::Ok();
}

void Batches::Expect(uint64_t n) { Remember(Next(n)); }

log::TreeHead Batches::HeadAt(uint64_t size, const merkle::Hash& root) {
  log::TreeHead head;
  head.tree_size = size;
  head.root = root;
  head.timestamp = 1700000000 + static_cast<int64_t>(size);
  head.receipt_protected = Bytes(110, 0xa4);
  head.receipt_signature = Bytes(64, static_cast<uint8_t>(size));
  head.checkpoint = "example.com/log\n" + std::to_string(size) + "\n" + Base64Encode(root) +
                    "\n\n\xE2\x80\x94 example.com/log " + std::string(92, 'A') + "\n";
  return head;
}

bool SameHead(const log::TreeHead& a, const log::TreeHead& b) {
  return a.tree_size == b.tree_size && a.root == b.root && a.timestamp == b.timestamp &&
         a.receipt_protected == b.receipt_protected && a.receipt_signature == b.receipt_signature &&
         a.checkpoint == b.checkpoint;
}

std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& item : fs::recursive_directory_iterator(dir)) {
    const std::string name = fs::relative(item.path(), dir).string();
    struct stat st;
    EXPECT_EQ(::lstat(item.path().c_str(), &st), 0);
    std::ostringstream facts;
    facts << st.st_mode << " " << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec;
    if (item.is_regular_file()) {
      std::ifstream in(item.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      facts << " " << HexEncode(crypto::Sha256(AsBytes(bytes)));
    }
    out[name] = facts.str();
  }
  return out;
}

void CheckContents(const log::LogStore& store, const Batches& batches) {
  const uint64_t size = store.size();
  ASSERT_EQ(size, batches.leaves().size());
  auto latest = store.LatestTreeHead();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->tree_size, size);
  EXPECT_EQ(latest->root, batches.Root());
  EXPECT_TRUE(SameHead(*latest, Batches::HeadAt(size, batches.Root())));
  auto root = merkle::RootAt(size, store.nodes());
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, batches.Root());
  for (uint64_t i = 0; i < size; i += 7) {
    auto entry = store.Entry(i);
    ASSERT_TRUE(entry.ok()) << entry.error().message;
    EXPECT_EQ(entry->index, i);
    EXPECT_EQ(entry->statement, Statement(i));
    EXPECT_EQ(entry->entry_hash, crypto::Sha256(entry->statement));
    EXPECT_EQ(entry->registered_at, 1700000000 + static_cast<int64_t>(i));
    EXPECT_EQ(entry->policy_index, i / 2);
    EXPECT_EQ(entry->collateral, i % 3 == 0 ? Bytes({0xa1, 0x01, 0x02}) : Bytes());
    EXPECT_EQ(merkle::HashLeaf(entry->entry_hash), batches.leaves()[i]);
    auto found = store.FindEntry(entry->entry_hash);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::optional<uint64_t>(i));
    found = store.FindSignedContent(SignedContentFor(entry->entry_hash));
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_EQ(*found, std::optional<uint64_t>(i));
  }
}

}  // namespace scitt::storage::testing

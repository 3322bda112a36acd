// The bulk read documents (log/pages.h): bounds, the end of the log, and the
// encoding the auditor decodes.
#include "log/pages.h"

#include <gtest/gtest.h>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "crypto/hash.h"
#include "log/transparency_log.h"
#include "storage/store.h"
#include "support/test_log.h"

namespace scitt::log {
namespace {

class PagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    LogOptions options;
    options.origin = "example.com/pages";
    options.issuer = "https://example.com";
    options.max_batch_delay = std::chrono::microseconds(100);
    auto log = TransparencyLog::Open(std::move(store).value(), testing::MakeLogKeys(), options);
    ASSERT_TRUE(log.ok()) << log.error().message;
    log_ = std::move(log).value();
  }
  void TearDown() override { log_.reset(); }

  // Appends one entry whose statement has `size` bytes (batches of one).
  void Append(size_t size, uint8_t fill) {
    LogEntry entry;
    entry.statement = Bytes(size, fill);
    entry.entry_hash = crypto::Sha256(entry.statement);
    entry.signed_content = entry.entry_hash;  // unique per entry, as the log requires
    entry.collateral = fill % 2 ? Bytes{0xa0} : Bytes{};
    ASSERT_TRUE(testing::Append(*log_, std::move(entry)).ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<TransparencyLog> log_;
};

TEST_F(PagesTest, EntriesStopAtTheLimitAndNameTheNextPage) {
  for (int i = 0; i < 5; ++i) Append(10, static_cast<uint8_t>(i));
  auto page = ReadEntryPage(log_->store(), 1, {3, 1 << 20});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_EQ(page->entries[0].index, 1u);
  EXPECT_EQ(page->next, 4u);
  auto last = ReadEntryPage(log_->store(), 4, {3, 1 << 20});
  ASSERT_EQ(last->entries.size(), 1u);
  EXPECT_FALSE(last->next.has_value());
}

TEST_F(PagesTest, EntriesAreBoundedByBytesButAlwaysMakeProgress) {
  for (int i = 0; i < 4; ++i) Append(1000, static_cast<uint8_t>(i));
  auto page = ReadEntryPage(log_->store(), 0, {100, 2500});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->entries.size(), 2u);  // a third would pass 2500 bytes
  EXPECT_EQ(page->next, 2u);
  auto one = ReadEntryPage(log_->store(), 0, {100, 10});
  EXPECT_EQ(one->entries.size(), 1u);  // larger than the bound on its own: still sent
  EXPECT_EQ(one->next, 1u);
}

// Issue 10 #6: from + limit near 2^64 must not wrap into a "next" of 5.
TEST_F(PagesTest, PagesPastTheEndAreEmptyAndNeverWrap) {
  Append(10, 1);
  for (uint64_t from : {uint64_t{1}, uint64_t{1} << 63, UINT64_MAX - 4, UINT64_MAX}) {
    auto page = ReadEntryPage(log_->store(), from, {10, 1 << 20});
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(page->entries.empty()) << from;
    EXPECT_FALSE(page->next.has_value()) << from;
  }
  auto heads = ReadTreeHeadPage(log_->store(), UINT64_MAX, {10, 1 << 20});
  ASSERT_TRUE(heads.ok());
  EXPECT_TRUE(heads->tree_heads.empty());
}

TEST_F(PagesTest, TreeHeadsPageByLimit) {
  for (int i = 0; i < 3; ++i) Append(10, static_cast<uint8_t>(i));
  auto page = ReadTreeHeadPage(log_->store(), 0, {2, 1 << 20});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->tree_heads.size(), 2u);
  EXPECT_EQ(page->tree_heads[0].tree_size, 1u);
  EXPECT_EQ(page->next, 3u);
}

TEST_F(PagesTest, EncodingRoundTripsAndIsDeterministic) {
  for (int i = 0; i < 3; ++i) Append(20, static_cast<uint8_t>(i));
  auto entries = ReadEntryPage(log_->store(), 0, {2, 1 << 20});
  Bytes doc = EncodeEntryPage(*entries);
  auto decoded = DecodeEntryPage(doc);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->entries.size(), 2u);
  EXPECT_EQ(decoded->next, 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(decoded->entries[i].statement, entries->entries[i].statement);
    EXPECT_EQ(decoded->entries[i].entry_hash, entries->entries[i].entry_hash);
    EXPECT_EQ(decoded->entries[i].collateral, entries->entries[i].collateral);
    EXPECT_EQ(decoded->entries[i].registered_at, entries->entries[i].registered_at);
  }
  // RFC 8949 §4.2.1: re-encoding the decoded document gives the same bytes.
  auto value = cbor::Decode(doc);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(cbor::Encode(*value), doc);

  auto heads = ReadTreeHeadPage(log_->store(), 0, {10, 1 << 20});
  auto heads_back = DecodeTreeHeadPage(EncodeTreeHeadPage(*heads));
  ASSERT_TRUE(heads_back.ok()) << heads_back.error().message;
  ASSERT_EQ(heads_back->tree_heads.size(), heads->tree_heads.size());
  EXPECT_EQ(heads_back->tree_heads.back().root, heads->tree_heads.back().root);
  EXPECT_EQ(heads_back->tree_heads.back().checkpoint, heads->tree_heads.back().checkpoint);
  EXPECT_FALSE(heads_back->next.has_value());
}

TEST(PagesDecode, RefusesDocumentsOfTheWrongShape) {
  auto encode = [](cbor::Value v) { return cbor::Encode(v); };
  EXPECT_FALSE(DecodeEntryPage(encode(cbor::Value::FromMap({}))).ok());
  EXPECT_FALSE(DecodeEntryPage(encode(cbor::Value::FromMap({cbor::Entry("entries", cbor::Value::Uint(1))}))).ok());
  EXPECT_FALSE(DecodeEntryPage(encode(cbor::Value::FromMap(
                                   {cbor::Entry("entries", cbor::Value::FromArray({cbor::Value::FromMap({
                                                               cbor::Entry("index", cbor::Value::Text("0")),
                                                           })}))})))
                   .ok());
  EXPECT_FALSE(DecodeTreeHeadPage(encode(cbor::Value::FromMap(
                                      {cbor::Entry("tree_heads", cbor::Value::FromArray({})),
                                       cbor::Entry("next", cbor::Value::Int(-1))})))
                   .ok());
  EXPECT_FALSE(DecodeEntryPage(Bytes{0xff}).ok());
}

}  // namespace
}  // namespace scitt::log

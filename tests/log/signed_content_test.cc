// One registration per signed content (docs/profile.md): an ES256 statement
// and its malleated twin (r, n - s), which verifies as well, are one entry.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <unistd.h>

#include <future>
#include <memory>

#include "cbor/value.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "log/transparency_log.h"
#include "storage/store.h"
#include "support/test_log.h"

namespace scitt::log {
namespace {


// The order n of P-256 (SEC 2 §2.4.2), big-endian.
constexpr char kP256Order[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

Bytes SignEs256(const crypto::PrivateKey& key, const std::string& payload) {
  cose::Sign1Content content;
  content.protected_map = cbor::Value::FromMap({
      cbor::Entry(cose::header::kAlg, cbor::Value::Int(-7)),
      cbor::Entry(cose::header::kContentType, cbor::Value::Text("application/json")),
  });
  content.payload = AsBytes(payload);
  auto signed_statement = cose::SignSign1(content, key);
  EXPECT_TRUE(signed_statement.ok());
  return *signed_statement;
}

// The same statement with s replaced by n - s: the other valid ECDSA
// signature over the same content (the signature is the last 64 bytes).
Bytes Malleate(Bytes statement) {
  BIGNUM* n = nullptr;
  BN_hex2bn(&n, kP256Order);
  uint8_t* s_bytes = statement.data() + statement.size() - 32;
  BIGNUM* s = BN_bin2bn(s_bytes, 32, nullptr);
  BIGNUM* twin = BN_new();
  BN_sub(twin, n, s);
  BN_bn2binpad(twin, s_bytes, 32);
  BN_free(n);
  BN_free(s);
  BN_free(twin);
  return statement;
}

LogEntry EntryOf(const cose::Sign1& statement) {
  LogEntry entry;
  entry.statement = statement.RegisteredForm();
  entry.entry_hash = cose::LogEntry(statement);
  entry.signed_content = cose::SignedContent(statement);
  return entry;
}

TEST(SignedContent, IsTheHashOfWhatTheSignatureCovers) {
  auto key = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
  const Bytes bytes = SignEs256(key, std::string(100000, 'p'));
  auto statement = cose::Sign1::Parse(bytes);
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(cose::SignedContent(*statement), crypto::Sha256(statement->ToBeSigned()));
  EXPECT_EQ(*SignedContentOf(statement->RegisteredForm()), cose::SignedContent(*statement));
  EXPECT_EQ(SignedContentOf(AsBytes("not cose")).error().code, ErrorCode::kMalformed);

  auto twin = cose::Sign1::Parse(Malleate(bytes));
  ASSERT_TRUE(twin.ok());
  ASSERT_TRUE(statement->VerifySignature(key.public_key()).ok());
  ASSERT_TRUE(twin->VerifySignature(key.public_key()).ok()) << "n - s must verify too";
  EXPECT_NE(cose::LogEntry(*twin), cose::LogEntry(*statement));
  EXPECT_EQ(cose::SignedContent(*twin), cose::SignedContent(*statement));
  // Other content, or another protected header, is another registration.
  auto other = cose::Sign1::Parse(SignEs256(key, std::string(100000, 'q')));
  EXPECT_NE(cose::SignedContent(*other), cose::SignedContent(*statement));
}

TEST(SignedContent, TheLogRegistersEachSignedContentOnce) {
  const testing::TempDir temp;
  const std::string& dir = temp.path();
  const LogKeys keys = testing::MakeLogKeys();
  LogOptions options;
  options.origin = "example.com/log";
  options.issuer = "https://ts.example";
  options.max_batch_delay = std::chrono::milliseconds(5);
  auto submit = [](TransparencyLog& log, LogEntry entry) {
    auto done = std::make_shared<std::promise<Result<Appended>>>();
    auto future = done->get_future();
    log.Submit(std::move(entry), [done](Result<Appended> r) { done->set_value(std::move(r)); });
    return future;
  };

  auto issuer = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
  const Bytes first_bytes = SignEs256(issuer, "{\"a\":1}");
  auto first = *cose::Sign1::Parse(first_bytes);
  auto twin = *cose::Sign1::Parse(Malleate(first_bytes));
  auto second = *cose::Sign1::Parse(SignEs256(issuer, "{\"a\":2}"));
  {
    auto log = TransparencyLog::Open(*storage::OpenStore("file:" + dir), keys, options);
    ASSERT_TRUE(log.ok()) << log.error().message;
    auto a = submit(**log, EntryOf(first)).get();
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_FALSE(a->existed);
    // The twin, alone and in one batch with a second copy of itself.
    auto b = submit(**log, EntryOf(twin)).get();
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_TRUE(b->existed);
    EXPECT_EQ(b->index, a->index);
    auto c = submit(**log, EntryOf(second));
    auto d = submit(**log, EntryOf(second));
    auto c_result = c.get();
    auto d_result = d.get();
    ASSERT_TRUE(c_result.ok() && d_result.ok());
    EXPECT_EQ(c_result->index, d_result->index);
    EXPECT_NE(c_result->existed, d_result->existed);
    EXPECT_EQ((*log)->size(), 2u);
    EXPECT_EQ(**(*log)->FindSignedContent(cose::SignedContent(twin)), a->index);
    EXPECT_FALSE((*log)->FindEntry(cose::LogEntry(twin))->has_value());
  }
  // After a restart the store answers for the entries it holds.
  auto log = TransparencyLog::Open(*storage::OpenStore("file:" + dir), keys, options);
  ASSERT_TRUE(log.ok()) << log.error().message;
  auto again = submit(**log, EntryOf(twin)).get();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->existed);
  EXPECT_EQ(again->index, 0u);
  EXPECT_EQ((*log)->size(), 2u);
  log->reset();
}

}  // namespace
}  // namespace scitt::log

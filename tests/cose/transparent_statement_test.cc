// Transparent statements from stored registered statements: the prefix-only
// splice (TransparentFromRegistered) gives exactly what AttachReceipts gives
// after a full parse, and refuses bytes not in the registered form.
#include <gtest/gtest.h>

#include "cbor/encoder.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"

namespace scitt::cose {
namespace {

using cbor::Entry;
using cbor::Value;

// tag 18 [protected bstr, {}, payload, signature], the protected bstr's head
// written with `head` (its shortest form unless given).
Bytes Registered(const Bytes& protected_bytes, const Value& payload, const Bytes& head = {}) {
  Bytes out = {0xd2, 0x84};
  if (head.empty()) {
    cbor::EncodeHead(2, protected_bytes.size(), &out);
  } else {
    out.insert(out.end(), head.begin(), head.end());
  }
  out.insert(out.end(), protected_bytes.begin(), protected_bytes.end());
  out.push_back(0xa0);
  cbor::EncodeTo(payload, &out);
  cbor::EncodeTo(Value::ByteString(Bytes(64, 7)), &out);
  return out;
}

Bytes ProtectedOfSize(size_t extra) {
  Value map = Value::FromMap(
      {Entry(header::kAlg, Value::Int(-7)),
       Entry(header::kCwtClaims, Value::FromMap({Entry(claim::kIss, Value::Text("https://issuer.example")),
                                                 Entry(claim::kSub, Value::Text("pkg:a"))}))});
  if (extra > 0) map.map().push_back(Entry(1000, Value::ByteString(Bytes(extra, 1))));
  return cbor::Encode(map);
}

const std::vector<Bytes> kOneReceipt = {Bytes{0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40}};
const std::vector<Bytes> kTwoReceipts = {Bytes{0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40}, Bytes(300, 9)};

void ExpectSameAsAttach(const Bytes& registered) {
  auto parsed = Sign1::Parse(registered);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  for (const auto& receipts : {kOneReceipt, kTwoReceipts}) {
    auto spliced = TransparentFromRegistered(registered, receipts);
    ASSERT_TRUE(spliced.ok()) << spliced.error().message;
    EXPECT_EQ(*spliced, AttachReceipts(*parsed, receipts));
    auto reparsed = Sign1::Parse(*spliced);
    ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
    EXPECT_EQ(reparsed->unprotected_headers().receipts, receipts);
    EXPECT_EQ(reparsed->RegisteredForm(), registered);
  }
}

TEST(TransparentFromRegistered, EqualsAttachReceipts) {
  // Protected bstr heads of every width: 1 byte (< 24), 0x58, 0x59, 0x5a.
  for (size_t extra : {0, 30, 300, 70000}) {
    SCOPED_TRACE(extra);
    ExpectSameAsAttach(Registered(ProtectedOfSize(extra), Value::ByteString(AsBytes("payload"))));
  }
  ExpectSameAsAttach(Registered(ProtectedOfSize(0), Value::Null()));        // detached payload
  ExpectSameAsAttach(Registered(Bytes{}, Value::ByteString(Bytes(1 << 16, 'x'))));  // empty protected
}

TEST(TransparentFromRegistered, KeepsALongerProtectedHeadAsReceived) {
  const Bytes prot = ProtectedOfSize(0);
  // 0x59 with a two-byte length that would fit in one: not shortest, but
  // the signature covers these bytes, so they are kept.
  Bytes head = {0x59, 0x00, static_cast<uint8_t>(prot.size())};
  Bytes registered = Registered(prot, Value::ByteString(AsBytes("p")), head);
  ExpectSameAsAttach(registered);
  Bytes head8 = {0x5b, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(prot.size())};
  ExpectSameAsAttach(Registered(prot, Value::ByteString(AsBytes("p")), head8));
}

// Only the prefix is read: what follows the a0 byte is copied unexamined.
TEST(TransparentFromRegistered, ReadsOnlyThePrefix) {
  Bytes registered = Registered(ProtectedOfSize(0), Value::ByteString(AsBytes("p")));
  registered.resize(registered.size() - 10);  // a truncated signature
  auto spliced = TransparentFromRegistered(registered, kOneReceipt);
  ASSERT_TRUE(spliced.ok());
  EXPECT_EQ(spliced->size(), registered.size() - 1 + cbor::Encode(Value::FromMap(
      {Entry(header::kReceipts, Value::FromArray({Value::ByteString(kOneReceipt[0])}))})).size());
}

TEST(TransparentFromRegistered, RefusesOtherForms) {
  const Bytes prot = ProtectedOfSize(0);
  const Bytes good = Registered(prot, Value::ByteString(AsBytes("p")));
  ASSERT_TRUE(TransparentFromRegistered(good, kOneReceipt).ok());

  Bytes with_unprotected = good;
  with_unprotected[2 + (prot.size() < 24 ? 1 : 2) + prot.size()] = 0xa1;  // a non-empty map
  std::vector<std::pair<const char*, Bytes>> bad = {
      {"empty", {}},
      {"untagged", Bytes(good.begin() + 1, good.end())},
      {"other tag", [&] { Bytes b = good; b[0] = 0xd1; return b; }()},
      {"array of 3", [&] { Bytes b = good; b[1] = 0x83; return b; }()},
      {"protected as text", [&] { Bytes b = good; b[2] = 0x60 | (b[2] & 0x1f); return b; }()},
      {"indefinite protected", Bytes{0xd2, 0x84, 0x5f, 0x41, 0xa0, 0xff, 0xa0, 0xf6, 0x40}},
      {"reserved head", Bytes{0xd2, 0x84, 0x5c, 0xa0}},
      {"truncated head", Bytes{0xd2, 0x84, 0x59, 0x01}},
      {"protected past the end", Bytes{0xd2, 0x84, 0x45, 0xa0, 0xa0}},
      {"nothing after protected", Bytes{0xd2, 0x84, 0x41, 0xa0}},
      {"huge length", Bytes{0xd2, 0x84, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa0}},
      {"unprotected not empty", with_unprotected},
      {"prefix only", Bytes{0xd2, 0x84}},
  };
  for (const auto& [name, bytes] : bad) {
    auto out = TransparentFromRegistered(bytes, kOneReceipt);
    ASSERT_FALSE(out.ok()) << name;
    EXPECT_EQ(out.error().code, ErrorCode::kMalformed) << name;
  }
  auto none = TransparentFromRegistered(good, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace scitt::cose

// COSE_Sign1 structure rules and bad input: each case is an error, never a crash.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cbor/encoder.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "crypto/algorithm.h"
#include "crypto/hash.h"
#include "crypto/key.h"

namespace scitt::cose {
namespace {

using cbor::Entry;
using cbor::Value;

Value Claims() {
  return Value::FromMap({Entry(claim::kIss, Value::Text("https://issuer.example")),
                         Entry(claim::kSub, Value::Text("pkg:a"))});
}

// A COSE_Sign1 assembled by hand from its four parts, unsigned.
Bytes Assemble(const Value& protected_map, const Value& unprotected, const Value& payload,
               bool tagged = true) {
  Value array = Value::FromArray({Value::ByteString(cbor::Encode(protected_map)), unprotected, payload,
                                  Value::ByteString(Bytes(64, 1))});
  return cbor::Encode(tagged ? Value::Tagged(18, array) : array);
}

Value BasicProtected() {
  return Value::FromMap({Entry(header::kAlg, Value::Int(-7)), Entry(header::kCwtClaims, Claims())});
}

class Sign1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
    ASSERT_TRUE(key.ok());
    key_ = *key;
  }
  Bytes Sign(Value protected_map, ByteView payload, Value unprotected = Value::FromMap({})) {
    Sign1Content content;
    content.protected_map = std::move(protected_map);
    content.unprotected = std::move(unprotected);
    content.payload = payload;
    auto signed_bytes = SignSign1(content, key_);
    EXPECT_TRUE(signed_bytes.ok());
    return *signed_bytes;
  }
  crypto::PrivateKey key_;
};

TEST_F(Sign1Test, SignParseVerifyRoundTrip) {
  Bytes msg = Sign(BasicProtected(), AsBytes("hello"));
  auto parsed = Sign1::Parse(msg, Sign1ParseOptions{true});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->tagged());
  EXPECT_EQ(ToString(*parsed->payload()), "hello");
  EXPECT_EQ(parsed->protected_headers().cwt->iss, "https://issuer.example");
  EXPECT_TRUE(parsed->VerifySignature(key_.public_key()).ok());
  EXPECT_EQ(parsed->RegisteredForm(), msg);  // unprotected was already {}
}

TEST_F(Sign1Test, RegisteredFormDropsUnprotectedAndKeepsBytes) {
  Value unprotected = Value::FromMap({Entry(header::kKid, Value::ByteString(AsBytes("k")))});
  Bytes msg = Sign(BasicProtected(), AsBytes("hello"), unprotected);
  auto parsed = Sign1::Parse(msg);
  ASSERT_TRUE(parsed.ok());
  Bytes registered = parsed->RegisteredForm();
  EXPECT_NE(registered, msg);
  auto reparsed = Sign1::Parse(registered);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_TRUE(reparsed->unprotected_headers().map.map().empty());
  EXPECT_TRUE(reparsed->VerifySignature(key_.public_key()).ok());
  // Its hash, taken piece by piece, is the hash of those bytes.
  EXPECT_EQ(parsed->RegisteredFormSha256(), crypto::Sha256(registered));
  EXPECT_EQ(reparsed->RegisteredFormSha256(), crypto::Sha256(registered));
}

// Every view of a parse points into the statement's bytes: a borrowed parse
// into the caller's, an owning one into its own; neither copies the payload.
// A byte string in the unprotected header is still read (it is decoded again
// with its content).
TEST_F(Sign1Test, PartsAreViewsIntoTheStatement) {
  const Bytes payload(100'000, 0x5a);
  Value unprotected = Value::FromMap({Entry(header::kKid, Value::ByteString(AsBytes("key-1")))});
  const Bytes msg = Sign(BasicProtected(), payload, unprotected);
  const auto inside = [](ByteView part, ByteView whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
  };
  auto borrowed = Sign1::ParseBorrowed(msg, Sign1ParseOptions{true});
  ASSERT_TRUE(borrowed.ok()) << borrowed.error().message;
  EXPECT_EQ(borrowed->encoded().data(), msg.data());
  auto owned = Sign1::Parse(msg, Sign1ParseOptions{true});
  ASSERT_TRUE(owned.ok()) << owned.error().message;
  EXPECT_NE(owned->encoded().data(), msg.data());
  for (const Sign1* parsed : {&*borrowed, &*owned}) {
    EXPECT_TRUE(inside(*parsed->payload(), parsed->encoded()));
    EXPECT_TRUE(inside(parsed->signature(), parsed->encoded()));
    EXPECT_TRUE(inside(parsed->protected_bytes(), parsed->encoded()));
    EXPECT_EQ(Bytes(parsed->payload()->begin(), parsed->payload()->end()), payload);
    EXPECT_EQ(parsed->signature().size(), 64u);
    EXPECT_EQ(parsed->unprotected_headers().kid, Bytes({'k', 'e', 'y', '-', '1'}));
    EXPECT_TRUE(parsed->VerifySignature(key_.public_key()).ok());
    EXPECT_EQ(parsed->RegisteredForm(), owned->RegisteredForm());
  }
  // A copy of an owning parse keeps its bytes alive.
  std::optional<Sign1> copy;
  {
    auto temporary = Sign1::Parse(msg);
    ASSERT_TRUE(temporary.ok());
    copy = *temporary;
  }
  EXPECT_EQ(Bytes(copy->encoded().begin(), copy->encoded().end()), msg);
}

// In place (Registrar::Check): the Sig_structure is built inside the
// received bytes, which are put back as they were, and the registered form
// is made inside them. Shapes: tagged with an empty unprotected map (the
// Sig_structure's head is longer than what precedes the payload, which moves
// up), untagged (the registered form is one byte longer), an unprotected
// map with content (room enough: nothing moves); every algorithm family.
Sign1VerifyOptions InPlace(Bytes& source) {
  Sign1VerifyOptions options;
  options.writable_source = source;
  return options;
}

TEST(Sign1InPlace, VerifiesRestoresAndTakesTheRegisteredForm) {
  struct Shape {
    const char* name;
    bool tagged;
    Value unprotected;
  };
  const std::vector<Shape> shapes = {
      {"tagged, empty unprotected", true, Value::FromMap({})},
      {"untagged, empty unprotected", false, Value::FromMap({})},
      {"tagged, kid unprotected", true,
       Value::FromMap({Entry(header::kKid, Value::ByteString(Bytes(40, 'k')))})},
      {"untagged, short unprotected", false, Value::FromMap({Entry(header::kKid, Value::ByteString(AsBytes("k")))})},
  };
  for (const crypto::Algorithm alg : {crypto::Algorithm::kES256, crypto::Algorithm::kEdDSA, crypto::Algorithm::kPS256}) {
    auto key = crypto::PrivateKey::Generate(alg);
    ASSERT_TRUE(key.ok());
    auto other = crypto::PrivateKey::Generate(alg);
    ASSERT_TRUE(other.ok());
    for (const Shape& shape : shapes) {
      for (const size_t payload_size : {size_t{0}, size_t{5}, size_t{300'000}}) {
        const std::string where = std::string(crypto::AlgorithmName(alg)) + ", " + shape.name + ", " +
                                  std::to_string(payload_size) + "-byte payload";
        Sign1Content content;
        content.protected_map = Value::FromMap({Entry(header::kAlg, Value::Int(crypto::CoseId(alg))),
                                                Entry(header::kCwtClaims, Claims())});
        content.unprotected = shape.unprotected;
        Bytes payload(payload_size);
        for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7);
        content.payload = payload;
        auto signed_bytes = SignSign1(content, *key);
        ASSERT_TRUE(signed_bytes.ok()) << where;
        Bytes msg = *signed_bytes;
        if (!shape.tagged) msg.erase(msg.begin());  // tag 18 is the one byte 0xd2
        Bytes source = msg;
        auto parsed = Sign1::ParseBorrowed(source);
        ASSERT_TRUE(parsed.ok()) << where << ": " << parsed.error().message;
        EXPECT_TRUE(parsed->VerifySignature(key->public_key(), InPlace(source)).ok()) << where;
        EXPECT_EQ(source, msg) << where;
        EXPECT_FALSE(parsed->VerifySignature(other->public_key(), InPlace(source)).ok()) << where;
        EXPECT_EQ(source, msg) << where;
        // A buffer that is not the one parsed is refused, not written.
        Bytes elsewhere = msg;
        EXPECT_FALSE(parsed->VerifySignature(key->public_key(), InPlace(elsewhere)).ok()) << where;
        EXPECT_EQ(elsewhere, msg) << where;
        const size_t payload_end = static_cast<size_t>(parsed->payload()->data() - source.data()) + payload_size;
        const Bytes registered = parsed->RegisteredForm();
        // In a buffer that cannot grow (a file mapping), with room in front
        // of the message, and without.
        for (const size_t room : {size_t{0}, size_t{16}}) {
          Bytes buffer(room, 0xee);
          buffer.insert(buffer.end(), msg.begin(), msg.end());
          auto in_buffer = Sign1::ParseBorrowed(ByteView(buffer).subspan(room));
          ASSERT_TRUE(in_buffer.ok()) << where;
          const auto form = in_buffer->RegisteredFormInPlace(buffer);
          if (room == 0 && !shape.tagged && shape.unprotected.map().empty()) {
            EXPECT_FALSE(form) << where << ": one byte longer than the message, no room";
            continue;
          }
          ASSERT_TRUE(form) << where << ", room " << room;
          EXPECT_EQ(Bytes(form->begin(), form->end()), registered) << where << ", room " << room;
          EXPECT_EQ(form->data() + form->size(), buffer.data() + buffer.size()) << where;
        }
        Bytes unrelated = msg;  // not the bytes this message was parsed from
        EXPECT_FALSE(parsed->RegisteredFormInPlace(unrelated)) << where;
        EXPECT_EQ(parsed->TakeRegisteredForm(std::move(source)), registered) << where;

        // One payload bit changed: refused in place as with a copy.
        if (payload_size == 0) continue;
        Bytes tampered = msg;
        tampered[payload_end - 1] ^= 1;
        auto changed = Sign1::ParseBorrowed(tampered);
        ASSERT_TRUE(changed.ok()) << where;
        const Bytes before = tampered;
        EXPECT_FALSE(changed->VerifySignature(key->public_key(), InPlace(tampered)).ok()) << where;
        EXPECT_FALSE(changed->VerifySignature(key->public_key()).ok()) << where;
        EXPECT_EQ(tampered, before) << where;
      }
    }
  }
}

// The protected header is kept byte for byte even when it is not in
// deterministic order (pyscitt writes 1, 3, 33, 15).
TEST_F(Sign1Test, NonDeterministicProtectedHeaderIsKept) {
  Bytes protected_bytes = cbor::Encode(Value::Encoded(Bytes{0xa2, 0x0f, 0xa0, 0x01, 0x26}));
  Bytes tbs = BuildToBeSigned(Bytes{0xa2, 0x0f, 0xa0, 0x01, 0x26}, {}, AsBytes("x"));
  auto sig = key_.Sign(crypto::Algorithm::kES256, tbs);
  ASSERT_TRUE(sig.ok());
  Bytes msg = {0xd2, 0x84, 0x45, 0xa2, 0x0f, 0xa0, 0x01, 0x26, 0xa0, 0x41, 'x', 0x58, 0x40};
  msg.insert(msg.end(), sig->begin(), sig->end());
  auto parsed = Sign1::Parse(msg);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->VerifySignature(key_.public_key()).ok());
  EXPECT_EQ(parsed->RegisteredForm(), msg);
}

TEST_F(Sign1Test, DetachedPayloadNeedsContent) {
  Sign1Content content;
  content.protected_map = BasicProtected();
  content.payload = AsBytes("artifact");
  content.detach_payload = true;
  auto msg = SignSign1(content, key_);
  ASSERT_TRUE(msg.ok());
  auto parsed = Sign1::Parse(*msg);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->payload().has_value());
  EXPECT_FALSE(parsed->VerifySignature(key_.public_key()).ok());
  Sign1VerifyOptions options;
  Bytes detached = ToBytes("artifact");
  options.detached_payload = detached;
  EXPECT_TRUE(parsed->VerifySignature(key_.public_key(), options).ok());
}

TEST_F(Sign1Test, UnknownCriticalHeaderFailsVerification) {
  Value prot = BasicProtected();
  prot.map().push_back(Entry(99, Value::Int(1)));
  prot.map().push_back(Entry(header::kCrit, Value::FromArray({Value::Int(99)})));
  Bytes msg = Sign(prot, AsBytes("x"));
  auto parsed = Sign1::Parse(msg);
  ASSERT_TRUE(parsed.ok());
  Status status = parsed->VerifySignature(key_.public_key());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("crit"), std::string::npos);

  Value known = BasicProtected();
  known.map().push_back(Entry(header::kCrit, Value::FromArray({Value::Int(header::kCwtClaims)})));
  auto ok = Sign1::Parse(Sign(known, AsBytes("x")));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->VerifySignature(key_.public_key()).ok());
}

TEST_F(Sign1Test, DerSignatureIsRefused) {
  Bytes msg = Sign(BasicProtected(), AsBytes("x"));
  auto parsed = Sign1::Parse(msg);
  ASSERT_TRUE(parsed.ok());
  // Re-encode r||s as DER: 30 len 02 len r 02 len s (r and s < 2^255 here or padded).
  ByteView sig = parsed->signature();
  auto der_int = [](ByteView v) {
    Bytes out;
    size_t i = 0;
    while (i + 1 < v.size() && v[i] == 0) ++i;
    Bytes body(v.begin() + static_cast<long>(i), v.end());
    if (body[0] & 0x80) body.insert(body.begin(), 0);
    out.push_back(0x02);
    out.push_back(static_cast<uint8_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
  };
  Bytes r = der_int(sig.subspan(0, 32)), s = der_int(sig.subspan(32));
  Bytes der = {0x30, static_cast<uint8_t>(r.size() + s.size())};
  der.insert(der.end(), r.begin(), r.end());
  der.insert(der.end(), s.begin(), s.end());
  EXPECT_FALSE(key_.public_key().Verify(crypto::Algorithm::kES256, parsed->ToBeSigned(), der).ok());
}

struct BadCase {
  const char* name;
  Bytes bytes;
};

TEST(Sign1BadInput, EachIsAnError) {
  Value prot = BasicProtected();
  Value empty = Value::FromMap({});
  Value payload = Value::ByteString(AsBytes("p"));
  Bytes good = Assemble(prot, empty, payload);
  Bytes trailing = good;
  trailing.push_back(0x00);
  Value hash_env_unprot = Value::FromMap({Entry(header::kPayloadHashAlg, Value::Int(-16))});
  Value prot_with_cty_and_258 = BasicProtected();
  prot_with_cty_and_258.map().push_back(Entry(header::kContentType, Value::Text("a/b")));
  prot_with_cty_and_258.map().push_back(Entry(header::kPayloadHashAlg, Value::Int(-16)));
  Value prot_crit_absent = BasicProtected();
  prot_crit_absent.map().push_back(Entry(header::kCrit, Value::FromArray({Value::Int(77)})));
  Value kid_in_both_prot = BasicProtected();
  kid_in_both_prot.map().push_back(Entry(header::kKid, Value::ByteString(AsBytes("a"))));
  Value kid_unprot = Value::FromMap({Entry(header::kKid, Value::ByteString(AsBytes("b")))});
  Value bad_kid = BasicProtected();
  bad_kid.map().push_back(Entry(header::kKid, Value::Text("not bytes")));
  Value bad_claims = Value::FromMap({Entry(header::kAlg, Value::Int(-7)),
                                     Entry(header::kCwtClaims, Value::Int(3))});
  Value bad_iss = Value::FromMap({Entry(header::kAlg, Value::Int(-7)),
                                  Entry(header::kCwtClaims, Value::FromMap({Entry(1, Value::Int(5))}))});

  std::vector<BadCase> cases = {
      {"empty", {}},
      {"truncated", Bytes(good.begin(), good.end() - 5)},
      {"trailing bytes", trailing},
      {"wrong tag", cbor::Encode(Value::Tagged(17, Value::FromArray({})))},
      {"not an array", cbor::Encode(Value::Tagged(18, Value::Int(1)))},
      {"three items", cbor::Encode(Value::Tagged(18, Value::FromArray({Value::ByteString(Bytes{}), empty, payload})))},
      {"protected not bstr", cbor::Encode(Value::Tagged(18, Value::FromArray({empty, empty, payload, payload})))},
      {"protected not a map", cbor::Encode(Value::Tagged(18, Value::FromArray({Value::ByteString(Bytes{0x01}), empty, payload, payload})))},
      {"protected trailing bytes", cbor::Encode(Value::Tagged(18, Value::FromArray({Value::ByteString(Bytes{0xa0, 0x00}), empty, payload, payload})))},
      {"duplicate protected key", cbor::Encode(Value::Tagged(18, Value::FromArray({Value::ByteString(Bytes{0xa2, 0x01, 0x26, 0x01, 0x26}), empty, payload, payload})))},
      {"unprotected not a map", Assemble(prot, Value::FromArray({}), payload)},
      {"payload is an int", Assemble(prot, empty, Value::Int(1))},
      {"signature not bstr", cbor::Encode(Value::Tagged(18, Value::FromArray({Value::ByteString(cbor::Encode(prot)), empty, payload, Value::Text("sig")})))},
      {"258 unprotected", Assemble(prot, hash_env_unprot, payload)},
      {"content type with 258", Assemble(prot_with_cty_and_258, empty, payload)},
      {"crit names an absent label", Assemble(prot_crit_absent, empty, payload)},
      {"label in both buckets", Assemble(kid_in_both_prot, kid_unprot, payload)},
      {"kid not bytes", Assemble(bad_kid, empty, payload)},
      {"CWT claims not a map", Assemble(bad_claims, empty, payload)},
      {"iss not text", Assemble(bad_iss, empty, payload)},
      {"deeply nested", Bytes(100000, 0x81)},
  };
  for (const auto& c : cases) {
    auto parsed = Sign1::Parse(c.bytes);
    EXPECT_FALSE(parsed.ok()) << c.name;
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.error().message.empty()) << c.name;
    }
  }
  EXPECT_TRUE(Sign1::Parse(good).ok());
}

}  // namespace
}  // namespace scitt::cose

namespace scitt::cose {
namespace {

// A header map with `items` one-byte zeros in an array under label 1000,
// plus alg and CWT claims.
Value HeaderWithItems(size_t items) {
  Value map = BasicProtected();
  map.map().push_back(Entry(1000, Value::FromArray(cbor::Array(items, Value::Uint(0)))));
  return map;
}

// Issue 10 (CBOR item amplification): header maps are bounded, so a statement
// built of tiny items is refused early instead of decoded into a huge tree.
TEST(Sign1Limits, ProtectedHeaderItems) {
  // The map, alg (2 items), CWT claims (6), key 1000 and its array: 11.
  const size_t fits = kMaxHeaderItems - 11;
  EXPECT_TRUE(Sign1::Parse(Assemble(HeaderWithItems(fits), Value::FromMap({}), Value::ByteString(Bytes{}))).ok());
  auto over = Sign1::Parse(Assemble(HeaderWithItems(fits + 1), Value::FromMap({}), Value::ByteString(Bytes{})));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kMalformed);
  EXPECT_NE(over.error().message.find("the protected header exceeds a limit"), std::string::npos)
      << over.error().message;
  EXPECT_NE(over.error().message.find("more than 2048 items"), std::string::npos) << over.error().message;
}

TEST(Sign1Limits, UnprotectedHeaderItems) {
  // The unprotected map with key 1000 and its array: 3.
  const size_t fits = kMaxHeaderItems - 3;
  auto unprotected = [](size_t items) {
    return Value::FromMap({Entry(1000, Value::FromArray(cbor::Array(items, Value::Uint(0))))});
  };
  EXPECT_TRUE(Sign1::Parse(Assemble(BasicProtected(), unprotected(fits), Value::ByteString(Bytes{}))).ok());
  auto over = Sign1::Parse(Assemble(BasicProtected(), unprotected(fits + 1), Value::ByteString(Bytes{})));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kMalformed);
  EXPECT_NE(over.error().message.find("the unprotected header exceeds a limit"), std::string::npos)
      << over.error().message;
}

TEST(Sign1Limits, HeaderDepth) {
  // A map whose label 1000 holds arrays down to level `levels` (the map is 1).
  auto nested = [](Value map, size_t levels) {
    Value v = Value::FromArray({});
    for (size_t i = 2; i < levels; ++i) v = Value::FromArray({std::move(v)});
    map.map().push_back(Entry(1000, std::move(v)));
    return map;
  };
  const Value empty = Value::FromMap({});
  EXPECT_TRUE(Sign1::Parse(Assemble(nested(BasicProtected(), kMaxHeaderDepth), empty, Value::Null())).ok());
  auto deep = Sign1::Parse(Assemble(nested(BasicProtected(), kMaxHeaderDepth + 1), empty, Value::Null()));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message.find("nesting deeper than 16 levels"), std::string::npos)
      << deep.error().message;

  EXPECT_TRUE(Sign1::Parse(Assemble(BasicProtected(), nested(empty, kMaxHeaderDepth), Value::Null())).ok());
  auto deep_unprotected =
      Sign1::Parse(Assemble(BasicProtected(), nested(empty, kMaxHeaderDepth + 1), Value::Null()));
  ASSERT_FALSE(deep_unprotected.ok());
  EXPECT_NE(deep_unprotected.error().message.find("the unprotected header exceeds a limit"), std::string::npos)
      << deep_unprotected.error().message;
}

// A big payload is one item: the limits never touch it.
TEST(Sign1Limits, LargePayloadIsOneItem) {
  EXPECT_TRUE(Sign1::Parse(Assemble(BasicProtected(), Value::FromMap({}),
                                    Value::ByteString(Bytes(1 << 20, 'x')))).ok());
}

}  // namespace
}  // namespace scitt::cose

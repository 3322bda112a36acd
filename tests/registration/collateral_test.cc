// The collateral format: what registration records for an unprotected
// x5chain, and the statement an auditor rebuilds from it.
#include "registration/collateral.h"

#include <gtest/gtest.h>

#include "cbor/encoder.h"
#include "cose/labels.h"

namespace scitt::registration {
namespace {

Bytes RegisteredStatement() {
  Bytes protected_bytes = cbor::Encode(cbor::Value::FromMap({cbor::Entry(cose::header::kAlg, cbor::Value::Int(-7))}));
  return cbor::Encode(cbor::Value::Tagged(
      18, cbor::Value::FromArray({cbor::Value::ByteString(protected_bytes), cbor::Value::FromMap({}),
                                  cbor::Value::ByteString(ToBytes("payload")), cbor::Value::ByteString(Bytes(64, 1))})));
}

TEST(Collateral, TheAuditorRebuildsTheCheckedStatement) {
  auto registered = cose::Sign1::Parse(RegisteredStatement());
  ASSERT_TRUE(registered.ok()) << registered.error().message;
  const std::vector<Bytes> chain = {ToBytes("leaf-der"), ToBytes("ca-der")};
  auto checked = StatementAsChecked(*registered, EncodeCollateral(chain));
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  auto parsed = cose::Sign1::Parse(*checked);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->unprotected_headers().x5chain.size(), 2u);
  EXPECT_EQ(parsed->unprotected_headers().x5chain[0], chain[0]);
  EXPECT_EQ(parsed->RegisteredForm(), registered->RegisteredForm());

  auto unchanged = StatementAsChecked(*registered, {});
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(*unchanged, RegisteredStatement());
}

TEST(Collateral, OtherFormsAreRefused) {
  auto registered = cose::Sign1::Parse(RegisteredStatement());
  ASSERT_TRUE(registered.ok());
  for (const cbor::Value& bad :
       {cbor::Value::FromMap({}), cbor::Value::FromMap({cbor::Entry("x5chain", cbor::Value::FromArray({}))}),
        cbor::Value::FromMap({cbor::Entry("x5chain", cbor::Value::FromArray({cbor::Value::Uint(1)}))}),
        cbor::Value::Uint(7)}) {
    EXPECT_EQ(StatementAsChecked(*registered, cbor::Encode(bad)).error().code, ErrorCode::kMalformed);
  }
  EXPECT_FALSE(StatementAsChecked(*registered, Bytes{0xff}).ok());
}

}  // namespace
}  // namespace scitt::registration

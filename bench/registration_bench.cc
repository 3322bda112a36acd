// Registrar::Check (the whole registration pipeline without HTTP or the log)
// next to raw OpenSSL verification of the same signature: what the checks
// around the signature cost.
#include <benchmark/benchmark.h>

#include "cbor/value.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "crypto/key.h"
#include "registration/registrar.h"

namespace {

using namespace scitt;

struct Fixture {
  crypto::PrivateKey key;
  Bytes statement;
  Bytes tbs;
  Bytes signature;
  std::unique_ptr<registration::Registrar> registrar;
};

Fixture& GetFixture() {
  static Fixture f = [] {
    Fixture f;
    f.key = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
    auto kid = f.key.public_key().Thumbprint();
    cose::Sign1Content content;
    content.protected_map = cbor::Value::FromMap({
        cbor::Entry(cose::header::kAlg, cbor::Value::Int(-7)),
        cbor::Entry(cose::header::kKid, cbor::Value::ByteString(ByteView(kid))),
        cbor::Entry(cose::header::kCwtClaims,
                    cbor::Value::FromMap({cbor::Entry(cose::claim::kIss, cbor::Value::Text("https://bench.example")),
                                          cbor::Entry(cose::claim::kSub, cbor::Value::Text("pkg:bench/a@1"))})),
        cbor::Entry(cose::header::kContentType, cbor::Value::Text("application/octet-stream")),
    });
    Bytes payload(1024, 'p');
    content.payload = payload;
    f.statement = *cose::SignSign1(content, f.key);
    auto parsed = *cose::Sign1::Parse(f.statement);
    f.tbs = parsed.ToBeSigned();
    ByteView sig = parsed.signature();
    f.signature.assign(sig.begin(), sig.end());
    registration::TrustConfig trust;
    trust.issuer_keys.push_back(crypto::KeyWithId{f.key.public_key(), Bytes(kid.begin(), kid.end()), std::nullopt});
    f.registrar = std::make_unique<registration::Registrar>(trust, policy::RegistrationPolicy::Default());
    return f;
  }();
  return f;
}

void RegistrarCheck(benchmark::State& state) {
  Fixture& f = GetFixture();
  for (auto _ : state) {
    auto result = f.registrar->Check(f.statement, 1700000000);
    if (!std::holds_alternative<registration::Accepted>(result)) state.SkipWithError("refused");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(RegistrarCheck);

void CryptoVerify(benchmark::State& state) {
  Fixture& f = GetFixture();
  crypto::PublicKey pub = f.key.public_key();
  for (auto _ : state) {
    if (!pub.Verify(crypto::Algorithm::kES256, f.tbs, f.signature).ok()) state.SkipWithError("bad");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(CryptoVerify);

}  // namespace

BENCHMARK_MAIN();

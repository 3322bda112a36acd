// COSE_Sign1 verification (parse + Sig_structure + signature) next to raw
// OpenSSL verification of the same bytes with the same key (bench::RawVerifier),
// in one run.
// The figure is the ratio of the two rates (target ≥ 0.95 for ES256).
#include <map>
#include <string>

#include <benchmark/benchmark.h>

#include "cbor/value.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "crypto/key.h"
#include "bench/raw_verify.h"

namespace {

using namespace scitt;

struct Fixture {
  crypto::PrivateKey key;
  Bytes statement;  // a 1 KiB payload statement
  Bytes tbs;
};

Fixture& GetFixture(crypto::Algorithm alg) {
  static std::map<crypto::Algorithm, Fixture> fixtures;
  auto it = fixtures.find(alg);
  if (it != fixtures.end()) return it->second;
  Fixture f;
  f.key = *crypto::PrivateKey::Generate(alg);
  cbor::Value claims = cbor::Value::FromMap({cbor::Entry(cose::claim::kIss, cbor::Value::Text("https://issuer.example")),
                                            cbor::Entry(cose::claim::kSub, cbor::Value::Text("pkg:example/app@1.0"))});
  Bytes payload(1024, 'x');
  cose::Sign1Content content;
  content.protected_map = cbor::Value::FromMap({cbor::Entry(cose::header::kAlg, cbor::Value::Int(crypto::CoseId(alg))),
                                               cbor::Entry(cose::header::kCwtClaims, claims),
                                               cbor::Entry(cose::header::kContentType, cbor::Value::Text("application/json"))});
  content.payload = payload;
  f.statement = *cose::SignSign1(content, f.key);
  f.tbs = cose::Sign1::Parse(f.statement)->ToBeSigned();
  return fixtures.emplace(alg, std::move(f)).first->second;
}

void CoseVerify(benchmark::State& state, crypto::Algorithm alg) {
  Fixture& f = GetFixture(alg);
  crypto::PublicKey pub = f.key.public_key();
  for (auto _ : state) {
    auto msg = cose::Sign1::Parse(f.statement);
    Status ok = msg->VerifySignature(pub);
    if (!ok.ok()) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}

// The same Sig_structure bytes, verified the way `openssl speed` does (a
// context set up once per thread, then digest + verify).
void RawOpenSslVerify(benchmark::State& state, crypto::Algorithm alg) {
  Fixture& f = GetFixture(alg);
  auto raw = bench::RawVerifier::Create(f.key, alg, f.tbs);
  if (!raw.ok()) return state.SkipWithError(raw.error().message.c_str());
  for (auto _ : state) {
    if (!raw->VerifyOnce()) state.SkipWithError("raw verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}

// Prints, after the normal table, the COSE/raw ratio of items per second
// (of the medians when --benchmark_repetitions is given).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates_[run.run_name.function_name] = it->second.value;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    for (const char* alg : {"ES256", "EdDSA"}) {
      std::string cose = std::string("CoseVerify/") + alg, raw = std::string("RawOpenSslVerify/") + alg;
      if (rates_.count(cose) && rates_.count(raw)) {
        printf("ratio %s: COSE_Sign1 verify %.0f/s over raw OpenSSL verify %.0f/s = %.3f\n", alg,
               rates_[cose], rates_[raw], rates_[cose] / rates_[raw]);
      }
    }
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("RawOpenSslVerify/ES256", RawOpenSslVerify, crypto::Algorithm::kES256);
  benchmark::RegisterBenchmark("CoseVerify/ES256", CoseVerify, crypto::Algorithm::kES256);
  benchmark::RegisterBenchmark("RawOpenSslVerify/EdDSA", RawOpenSslVerify, crypto::Algorithm::kEdDSA);
  benchmark::RegisterBenchmark("CoseVerify/EdDSA", CoseVerify, crypto::Algorithm::kEdDSA);
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

// COSE_Sign1 verification (parse + Sig_structure + signature) next to raw
// OpenSSL verification of the same bytes with the same key, in one run.
// The figure is the ratio of the two rates (target ≥ 0.95 for ES256).
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <map>
#include <string>

#include <benchmark/benchmark.h>

#include "cbor/value.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "crypto/key.h"

namespace {

using namespace scitt;

struct Fixture {
  crypto::PrivateKey key;
  Bytes statement;  // a 1 KiB payload statement
  Bytes tbs;
  Bytes der_signature;
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
  auto parsed = *cose::Sign1::Parse(f.statement);
  f.tbs = parsed.ToBeSigned();
  ByteView sig = parsed.signature();
  if (alg == crypto::Algorithm::kEdDSA) {
    f.der_signature.assign(sig.begin(), sig.end());
  } else {
    // Raw OpenSSL wants DER: convert once, outside the timed loop.
    size_t half = sig.size() / 2;
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(sig.data(), static_cast<int>(half), nullptr),
                   BN_bin2bn(sig.data() + half, static_cast<int>(half), nullptr));
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(s, &der);
    f.der_signature.assign(der, der + len);
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
  }
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

void RawOpenSslVerify(benchmark::State& state, crypto::Algorithm alg) {
  Fixture& f = GetFixture(alg);
  crypto::PublicKey pub = f.key.public_key();
  const EVP_MD* md = alg == crypto::Algorithm::kEdDSA ? nullptr : EVP_sha256();
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pub.evp());
    int rc = EVP_DigestVerify(ctx, f.der_signature.data(), f.der_signature.size(), f.tbs.data(), f.tbs.size());
    EVP_MD_CTX_free(ctx);
    if (rc != 1) state.SkipWithError("raw verify failed");
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

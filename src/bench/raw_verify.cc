#include "bench/raw_verify.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/wait.h>

#include <openssl/evp.h>

#include <openssl/err.h>

#include "crypto/openssl_forms.h"

namespace scitt::bench {
namespace {

// `what` and OpenSSL's first queued error, which is then cleared.
Error OpensslError(const std::string& what) {
  char text[256] = "no detail";
  if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return MakeError(ErrorCode::kInternal, what + " (OpenSSL: " + text + ")");
}

}  // namespace

using crypto::Algorithm;
using crypto::PrivateKey;
using crypto::PublicKey;

struct RawVerifier::State {
  ~State() {
    EVP_PKEY_CTX_free(pkey_ctx);
    EVP_MD_CTX_free(md_ctx);
  }
  Bytes message;
  Bytes signature;                 // DER for ECDSA
  const EVP_MD* md = nullptr;      // ECDSA: the digest, fetched once
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // ECDSA
  EVP_MD_CTX* md_ctx = nullptr;      // EdDSA
};

RawVerifier::RawVerifier(std::unique_ptr<State> state) : state_(std::move(state)) {}
RawVerifier::RawVerifier(RawVerifier&&) noexcept = default;
RawVerifier& RawVerifier::operator=(RawVerifier&&) noexcept = default;
RawVerifier::~RawVerifier() = default;

Result<RawVerifier> RawVerifier::Create(const PrivateKey& key, Algorithm alg, Bytes message) {
  auto state = std::make_unique<State>();
  state->message = std::move(message);
  SCITT_ASSIGN_OR_RETURN(Bytes cose_signature, key.Sign(alg, state->message));
  const PublicKey public_key = key.public_key();  // the contexts take their own references
  EVP_PKEY* pkey = public_key.evp();
  if (crypto::IsEcdsa(alg)) {
    SCITT_ASSIGN_OR_RETURN(state->signature, crypto::EcdsaSignatureToDer(cose_signature, alg));
    state->md = crypto::SignatureDigest(alg);
    state->pkey_ctx = EVP_PKEY_CTX_new(pkey, nullptr);
    if (state->pkey_ctx == nullptr || EVP_PKEY_verify_init(state->pkey_ctx) != 1) {
      return OpensslError("cannot set up the raw ECDSA verifier");
    }
  } else if (alg == Algorithm::kEdDSA) {
    state->signature = std::move(cose_signature);
    state->md_ctx = EVP_MD_CTX_new();
    if (state->md_ctx == nullptr ||
        EVP_DigestVerifyInit(state->md_ctx, nullptr, nullptr, nullptr, pkey) != 1) {
      return OpensslError("cannot set up the raw EdDSA verifier");
    }
  } else {
    return MakeError(ErrorCode::kUnsupported, "the raw verifier measures ECDSA and EdDSA only");
  }
  RawVerifier verifier(std::move(state));
  if (!verifier.VerifyOnce()) {
    return OpensslError("the raw verifier does not verify its own signature");
  }
  return verifier;
}

bool RawVerifier::VerifyOnce() {
  State& s = *state_;
  bool ok;
  if (s.pkey_ctx != nullptr) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    ok = EVP_Digest(s.message.data(), s.message.size(), digest, &digest_size, s.md, nullptr) == 1 &&
         EVP_PKEY_verify(s.pkey_ctx, s.signature.data(), s.signature.size(), digest, digest_size) == 1;
  } else {
    ok = EVP_DigestVerify(s.md_ctx, s.signature.data(), s.signature.size(), s.message.data(),
                          s.message.size()) == 1;
  }
  if (!ok) ERR_clear_error();  // never leak a failure into a later, unrelated call
  return ok;
}

Result<double> RawVerifyRate(const PrivateKey& key, Algorithm alg, size_t message_size, int threads,
                             double seconds) {
  std::vector<RawVerifier> verifiers;
  for (int t = 0; t < threads; ++t) {
    SCITT_ASSIGN_OR_RETURN(RawVerifier verifier, RawVerifier::Create(key, alg, Bytes(message_size, 'm')));
    verifiers.push_back(std::move(verifier));
  }
  using Clock = std::chrono::steady_clock;
  std::atomic<uint64_t> done{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> workers;
  for (RawVerifier& verifier : verifiers) {
    workers.emplace_back([&] {
      uint64_t n = 0;
      while (Clock::now() < deadline) {
        for (int i = 0; i < 16; ++i) {
          if (!verifier.VerifyOnce()) failed = true;
        }
        n += 16;
      }
      done += n;
    });
  }
  for (auto& worker : workers) worker.join();
  if (failed) return MakeError(ErrorCode::kInternal, "a raw verification failed");
  return static_cast<double>(done) / std::chrono::duration<double>(Clock::now() - start).count();
}

Result<double> OpensslSpeedVerifyRate(Algorithm alg, int threads, int seconds) {
  // `openssl speed`'s test name, and how its result line names the curve.
  std::string test, line_names;
  switch (alg) {
    case Algorithm::kES256: test = "ecdsap256", line_names = "ecdsa (nistp256)"; break;
    case Algorithm::kES384: test = "ecdsap384", line_names = "ecdsa (nistp384)"; break;
    case Algorithm::kES512: test = "ecdsap521", line_names = "ecdsa (nistp521)"; break;
    case Algorithm::kEdDSA: test = "ed25519", line_names = "EdDSA (Ed25519)"; break;
    default: return MakeError(ErrorCode::kUnsupported, "no openssl speed test for this algorithm");
  }
  const std::string command = "openssl speed -multi " + std::to_string(threads) + " -seconds " +
                              std::to_string(seconds) + " " + test + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return MakeError(ErrorCode::kUnsupported, "cannot run openssl speed");
  // With -multi the last result line is the processes' sum:
  // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  42422.5  35972.9"
  // (sign, verify, sign/s, verify/s).
  std::optional<double> rate;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) {
    const std::string_view line(buffer);
    if (line.find(line_names) == std::string_view::npos || line.find("bits") == std::string_view::npos) continue;
    const size_t end = line.find_last_not_of(" \t\r\n");
    const size_t start = line.find_last_of(" \t", end);
    if (end == std::string_view::npos || start == std::string_view::npos) continue;
    const std::string number(line.substr(start + 1, end - start));
    char* parsed_end = nullptr;
    const double value = std::strtod(number.c_str(), &parsed_end);
    if (parsed_end != number.c_str() && *parsed_end == '\0' && value > 0) rate = value;
  }
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) == 127) {
    return MakeError(ErrorCode::kUnsupported, "no openssl program on the PATH");
  }
  if (!rate) return MakeError(ErrorCode::kInternal, "openssl speed " + test + " printed no verify rate");
  return *rate;
}

}  // namespace scitt::bench

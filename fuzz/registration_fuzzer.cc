// Fuzzes the registration pipeline: arbitrary bytes through Registrar::Check
// with a permissive trust configuration (one trust anchor, one issuer key,
// self-asserted cnf keys allowed) and a policy script, so that statements
// built from the seeds get past the signature and through the header →
// script-argument conversion (unprotected headers are not signed, so
// mutations there still verify).
#include <cstddef>
#include <cstdint>
#include <variant>

#include "cose/sign1.h"
#include "crypto/hash.h"
#include "registration/registrar.h"

namespace {

// The seeds (fuzz/corpus/registration_fuzzer/) were signed by keys under
// this anchor and this issuer key.
constexpr char kRootPem[] = R"(-----BEGIN CERTIFICATE-----
MIIBrDCCAVKgAwIBAgIBATAKBggqhkjOPQQDAjAsMRUwEwYDVQQDDAxGdXp6IFJv
b3QgQ0ExEzARBgNVBAoMCnNjaXR0IGZ1enowIBcNMjYxMTMwMjMyNTE0WhgPMjEy
NjExMDYyMzI1MTRaMCwxFTATBgNVBAMMDEZ1enogUm9vdCBDQTETMBEGA1UECgwK
c2NpdHQgZnV6ejBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABF0gocVOKhLDtbz0
fIJSrwa/rwILt158bx+2ckmoNUKlTrtzih23NtDf+D8QUWMV+dgyqt+5QepQA5kq
oT1MJg2jYzBhMB0GA1UdDgQWBBQUDQ2YS03cJDZjrbA6HV3TJTul5DAfBgNVHSME
GDAWgBQUDQ2YS03cJDZjrbA6HV3TJTul5DAPBgNVHRMBAf8EBTADAQH/MA4GA1Ud
DwEB/wQEAwICBDAKBggqhkjOPQQDAgNIADBFAiEApuXXOcR7dGdiIQZ+32FyBJ+3
1QJq8wiVTK3zS4DUO4cCIHrC1Q4qMvrWgo6iE8P4/YxJIYQOpCLZNxDBs42hmkcu
-----END CERTIFICATE-----
)";
constexpr char kIssuerKeyPem[] = R"(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAZCCjjoAD/gBkIzPvDWIv0B991RaKxNLCbILX/FNFglM=
-----END PUBLIC KEY-----
)";
constexpr int64_t kNow = 1893456000;  // 2030-01-01, inside the seed certificates' validity
constexpr char kPolicy[] =
    R"({"script": "function apply(phdr, uhdr, payload, details) {)"
    R"( return JSON.stringify([phdr, uhdr, payload, details]).length > 0; }"})";

const scitt::registration::Registrar& FuzzRegistrar() {
  static const scitt::registration::Registrar* registrar = [] {
    scitt::registration::TrustConfig trust;
    trust.trust_anchors = std::move(*scitt::crypto::Certificate::ParsePemBundle(kRootPem));
    trust.issuer_keys.push_back({*scitt::crypto::PublicKey::FromPem(kIssuerKeyPem),
                                 scitt::ToBytes("fuzz-issuer"), std::nullopt});
    trust.allow_self_asserted = true;
    return new scitt::registration::Registrar(
        std::move(trust), *scitt::policy::RegistrationPolicy::FromJson(kPolicy),
        1 << 16);
  }();
  return *registrar;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& registrar = FuzzRegistrar();
  // Check verifies inside its buffer and makes the registered form there
  // (cose::Sign1::TakeRegisteredForm): the input's copy is its to change.
  auto result = registrar.Check(scitt::Bytes(data, data + size), kNow);
  if (auto* refusal = std::get_if<scitt::registration::Refusal>(&result)) {
    if (refusal->title.empty() || refusal->reason.empty() || refusal->detail.empty()) __builtin_trap();
    return 0;
  }
  const auto& accepted = std::get<scitt::registration::Accepted>(result);
  if (scitt::crypto::Sha256(accepted.registered_statement) != accepted.entry_hash) __builtin_trap();
  // Made in place, it is what a copy makes.
  const auto parsed = scitt::cose::Sign1::Parse(scitt::ByteView(data, size));
  if (!parsed.ok() || parsed->RegisteredForm() != accepted.registered_statement) __builtin_trap();
  // What the log stores must register again on its own, unless verification
  // needed unprotected collateral that the registered form drops.
  if (accepted.collateral.empty() &&
      !std::holds_alternative<scitt::registration::Accepted>(
          registrar.Check(accepted.registered_statement, kNow))) {
    __builtin_trap();
  }
  return 0;
}

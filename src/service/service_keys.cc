#include "service/service_keys.h"

#include <sys/stat.h>

#include <filesystem>

#include "base/file.h"
#include "cose/cose_key.h"

namespace scitt::service {
namespace {

namespace fs = std::filesystem;

// Loads the key at `path`, or generates and stores one (mode 0600) when
// `created` is given.
Result<crypto::PrivateKey> LoadOrCreate(const fs::path& path, crypto::Algorithm alg, bool* created) {
  if (fs::exists(path)) {
    SCITT_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(path.string()));
    auto key = crypto::PrivateKey::FromPem(pem);
    if (!key.ok()) return MakeError(key.error().code, path.string() + ": " + key.error().message);
    return key;
  }
  if (created == nullptr) return MakeError(ErrorCode::kNotFound, path.string() + " is missing");
  SCITT_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(alg));
  SCITT_RETURN_IF_ERROR(WriteFile(path.string(), AsBytes(key.ToPem()), /*private_mode=*/true));
  *created = true;
  return key;
}

// `created` null: load only, never write.
Result<ServiceKeys> LoadKeys(const std::string& data_dir, bool* created) {
  fs::path dir = fs::path(data_dir) / "keys";
  if (created != nullptr) {
    SCITT_RETURN_IF_ERROR(CreateDirectories((dir / "retired").string()));
    ::chmod(dir.c_str(), 0700);
  }

  ServiceKeys keys;
  SCITT_ASSIGN_OR_RETURN(keys.receipt_key,
                         LoadOrCreate(dir / "receipt-key.pem", crypto::Algorithm::kES256, created));
  keys.receipt_alg = keys.receipt_key.default_algorithm();
  auto thumbprint = keys.receipt_key.public_key().Thumbprint();
  keys.receipt_kid.assign(thumbprint.begin(), thumbprint.end());
  SCITT_ASSIGN_OR_RETURN(keys.checkpoint_key,
                         LoadOrCreate(dir / "checkpoint-key.pem", crypto::Algorithm::kEdDSA, created));
  if (keys.checkpoint_key.public_key().curve() != crypto::Curve::kEd25519) {
    return MakeError(ErrorCode::kInvalidArgument, "checkpoint-key.pem must be an Ed25519 key (C2SP signed notes)");
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "retired", ec)) {
    if (entry.path().extension() != ".pem") continue;
    SCITT_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(entry.path().string()));
    auto as_private = crypto::PrivateKey::FromPem(pem);
    auto as_public = as_private.ok() ? Result<crypto::PublicKey>(as_private->public_key())
                                     : crypto::PublicKey::FromPem(pem);
    if (!as_public.ok()) return MakeError(ErrorCode::kMalformed, entry.path().string() + ": not a PEM key");
    keys.retired.push_back(*as_public);
  }
  return keys;
}

}  // namespace

Result<ServiceKeys> LoadOrCreateServiceKeys(const std::string& data_dir) {
  bool created = false;
  SCITT_ASSIGN_OR_RETURN(ServiceKeys keys, LoadKeys(data_dir, &created));
  keys.created = created;
  return keys;
}

Result<ServiceKeys> LoadServiceKeys(const std::string& data_dir) { return LoadKeys(data_dir, nullptr); }

std::vector<std::pair<Bytes, cbor::Value>> PublishedCoseKeys(const ServiceKeys& keys) {
  std::vector<std::pair<Bytes, cbor::Value>> out;
  out.emplace_back(keys.receipt_kid,
                   cose::ToCoseKey(keys.receipt_key.public_key(), ByteView(keys.receipt_kid), keys.receipt_alg));
  for (const auto& retired : keys.retired) {
    auto thumbprint = retired.Thumbprint();
    Bytes kid(thumbprint.begin(), thumbprint.end());
    out.emplace_back(kid, cose::ToCoseKey(retired, ByteView(kid)));
  }
  return out;
}

}  // namespace scitt::service

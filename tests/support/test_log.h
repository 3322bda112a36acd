// For tests that run a real log over the embedded store: fresh service keys
// and a temporary directory removed afterwards. Header-only: the test
// binaries that include it link scitt_log already.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <future>
#include <string>

#include "crypto/key.h"
#include "log/transparency_log.h"

namespace scitt::testing {

// An ES256 receipt key (kid: its RFC 9679 thumbprint) and an Ed25519
// checkpoint key.
inline log::LogKeys MakeLogKeys() {
  log::LogKeys keys;
  keys.receipt_key = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
  const auto thumbprint = keys.receipt_key.public_key().Thumbprint();
  keys.receipt_kid = Bytes(thumbprint.begin(), thumbprint.end());
  keys.checkpoint_key = *crypto::PrivateKey::Generate(crypto::Algorithm::kEdDSA);
  return keys;
}

// Submits `entry` and waits until the log has appended it (or failed).
inline Result<log::Appended> Append(log::TransparencyLog& log, log::LogEntry entry) {
  std::promise<Result<log::Appended>> done;
  log.Submit(std::move(entry), [&](Result<log::Appended> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace scitt::testing

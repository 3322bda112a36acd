// C2SP tlog-checkpoint bodies in signed notes (C2SP signed-note), Ed25519.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/key.h"
#include "merkle/hash.h"

namespace scitt::log {

struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  merkle::Hash root{};
};

// "<origin>\n<size>\n<base64 root>\n" (tlog-checkpoint v1.0.0).
std::string CheckpointBody(const Checkpoint& checkpoint);

// The note signer for one Ed25519 key; the key name is the log origin.
class NoteSigner {
 public:
  NoteSigner(std::string name, crypto::PrivateKey key);
  const std::string& name() const { return name_; }
  // First 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian.
  uint32_t key_id() const { return key_id_; }
  // Vkey string "<name>+<hex key id>+<base64(0x01 ‖ public key)>".
  std::string VerifierKey() const;
  // The signed note: body, blank line, "— <name> <base64(key id ‖ sig)>\n".
  Result<std::string> Sign(std::string_view body) const;

 private:
  std::string name_;
  crypto::PrivateKey key_;
  uint32_t key_id_ = 0;
};

// The text of a signed note (up to and including the newline before the
// blank line), NOT verified: for reading back a note this log signed itself.
Result<std::string> NoteText(std::string_view note);
// Verifies a signed note with a vkey string; returns the body. Unknown
// signatures are ignored; at least the given key must have signed.
Result<std::string> VerifyNote(std::string_view note, std::string_view verifier_key);
// Parses a checkpoint body (no extension lines kept).
Result<Checkpoint> ParseCheckpoint(std::string_view body);

}  // namespace scitt::log

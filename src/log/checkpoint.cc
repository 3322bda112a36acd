#include "log/checkpoint.h"

#include <openssl/evp.h>

#include <cstring>
#include <optional>

#include "base/bytes.h"
#include "base/text.h"
#include "crypto/hash.h"

namespace scitt::log {
namespace {

// c2sp.org/signed-note §Signatures: "— <key name> <base64 signature>\n", where
// "—" is U+2014 EM DASH (UTF-8 e2 80 94).
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";
// c2sp.org/signed-note §Signature types: 0x01 is Ed25519.
constexpr uint8_t kEd25519Type = 0x01;
// Verifiers "MUST accept at least up to 16 signatures"; a bound keeps a hostile
// note from making us parse without end.
constexpr size_t kMaxSignatures = 64;

Error Malformed(std::string message) {
  return MakeError(ErrorCode::kMalformed, std::move(message));
}

// c2sp.org/signed-note §Signatures:
//   key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
uint32_t KeyId(std::string_view name, ByteView public_key) {
  Bytes input(name.begin(), name.end());
  input.push_back('\n');
  input.push_back(kEd25519Type);
  input.insert(input.end(), public_key.begin(), public_key.end());
  const crypto::Sha256Digest digest = crypto::Sha256(input);
  return (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) | (uint32_t{digest[2]} << 8) |
         uint32_t{digest[3]};
}

// The raw 32-byte Ed25519 public key (RFC 8032), or empty for any other key.
Bytes RawEd25519PublicKey(const crypto::PrivateKey& key) {
  if (!key.valid() || EVP_PKEY_get_base_id(key.evp()) != EVP_PKEY_ED25519) return {};
  Bytes raw(32);
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.evp(), raw.data(), &len) != 1 || len != 32) return {};
  return raw;
}

// "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus
// (U+002B) characters." We also keep them ASCII-printable.
bool ValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == '+') return false;
  }
  return true;
}

// "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control
// characters (those below U+0020) other than newline."
bool ValidNoteText(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') return false;
  }
  return IsValidUtf8(text);
}

struct VerifierKey {
  std::string name;
  uint32_t key_id = 0;
  crypto::PublicKey key;
};

// c2sp.org/signed-note §Verifier keys: "<name>+<hex key ID>+<base64(type || key)>".
Result<VerifierKey> ParseVerifierKey(std::string_view vkey) {
  const size_t plus1 = vkey.find('+');
  const size_t plus2 = plus1 == std::string_view::npos ? plus1 : vkey.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) {
    return Malformed("verifier key must be <name>+<key id>+<key>");
  }
  VerifierKey out;
  out.name = std::string(vkey.substr(0, plus1));
  if (!ValidKeyName(out.name)) return Malformed("verifier key has an invalid key name");
  const std::string_view id_hex = vkey.substr(plus1 + 1, plus2 - plus1 - 1);
  auto id = HexDecode(id_hex);
  if (id_hex.size() != 8 || !id) return Malformed("verifier key id must be 8 hex digits");
  out.key_id = (uint32_t{(*id)[0]} << 24) | (uint32_t{(*id)[1]} << 16) | (uint32_t{(*id)[2]} << 8) |
               uint32_t{(*id)[3]};
  auto material = Base64Decode(vkey.substr(plus2 + 1));
  if (!material || material->empty()) return Malformed("verifier key material is not base64");
  if ((*material)[0] != kEd25519Type || material->size() != 33) {
    return MakeError(ErrorCode::kUnsupported, "verifier key is not an Ed25519 (type 0x01) key");
  }
  const ByteView raw = ByteView(*material).subspan(1);
  if (KeyId(out.name, raw) != out.key_id) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "verifier key id does not match its name and public key");
  }
  SCITT_ASSIGN_OR_RETURN(out.key, crypto::PublicKey::FromEd25519(raw));
  return out;
}

}  // namespace

// c2sp.org/tlog-checkpoint §Note text:
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n
std::string CheckpointBody(const Checkpoint& checkpoint) {
  return checkpoint.origin + "\n" + std::to_string(checkpoint.tree_size) + "\n" +
         Base64Encode(checkpoint.root) + "\n";
}

NoteSigner::NoteSigner(std::string name, crypto::PrivateKey key)
    : name_(std::move(name)), key_(std::move(key)) {
  const Bytes raw = RawEd25519PublicKey(key_);
  if (!raw.empty()) key_id_ = KeyId(name_, raw);
}

std::string NoteSigner::VerifierKey() const {
  Bytes material{kEd25519Type};
  const Bytes raw = RawEd25519PublicKey(key_);
  material.insert(material.end(), raw.begin(), raw.end());
  const uint8_t id[4] = {static_cast<uint8_t>(key_id_ >> 24), static_cast<uint8_t>(key_id_ >> 16),
                         static_cast<uint8_t>(key_id_ >> 8), static_cast<uint8_t>(key_id_)};
  return name_ + "+" + HexEncode(id) + "+" + Base64Encode(material);
}

Result<std::string> NoteSigner::Sign(std::string_view body) const {
  if (RawEd25519PublicKey(key_).empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "the checkpoint key must be an Ed25519 key");
  }
  if (!ValidKeyName(name_)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "note key name \"" + name_ + "\" is empty or has spaces or '+'");
  }
  if (body.empty() || body.back() != '\n' || !ValidNoteText(body)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "note text must be UTF-8 without control characters and end in a newline");
  }
  // c2sp.org/signed-note §Ed25519 signatures: RFC 8032 over the note text.
  SCITT_ASSIGN_OR_RETURN(Bytes signature, key_.Sign(crypto::Algorithm::kEdDSA, AsBytes(body)));
  Bytes framed = {static_cast<uint8_t>(key_id_ >> 24), static_cast<uint8_t>(key_id_ >> 16),
                  static_cast<uint8_t>(key_id_ >> 8), static_cast<uint8_t>(key_id_)};
  framed.insert(framed.end(), signature.begin(), signature.end());
  std::string note(body);
  note += "\n";
  note += kSignaturePrefix;
  note += name_;
  note += " ";
  note += Base64Encode(framed);
  note += "\n";
  return note;
}

Result<std::string> NoteText(std::string_view note) {
  if (!ValidNoteText(note)) {
    return Malformed("signed note is not UTF-8 text without control characters");
  }
  // "the text is separated from the signatures by the last empty line".
  const size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos || note.back() != '\n') {
    return Malformed("signed note has no blank line before its signatures");
  }
  return std::string(note.substr(0, blank + 1));
}

Result<std::string> VerifyNote(std::string_view note, std::string_view verifier_key) {
  SCITT_ASSIGN_OR_RETURN(const VerifierKey vkey, ParseVerifierKey(verifier_key));
  SCITT_ASSIGN_OR_RETURN(std::string text, NoteText(note));
  std::string_view signatures = note.substr(text.size() + 1);
  bool verified = false;
  size_t count = 0;
  while (!signatures.empty()) {
    if (++count > kMaxSignatures) return Malformed("signed note has too many signatures");
    const size_t eol = signatures.find('\n');  // the note ends in '\n' (checked above)
    std::string_view line = signatures.substr(0, eol);
    signatures.remove_prefix(eol + 1);
    if (!line.starts_with(kSignaturePrefix)) {
      return Malformed("signed note line does not start with \"— \": " + std::string(line));
    }
    line.remove_prefix(kSignaturePrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return Malformed("signature line has no signature");
    const std::string_view name = line.substr(0, space);
    auto framed = Base64Decode(line.substr(space + 1));
    if (!ValidKeyName(name) || !framed || framed->size() < 4) {
      return Malformed("signature line is not \"— <name> <base64>\"");
    }
    const uint32_t id = (uint32_t{(*framed)[0]} << 24) | (uint32_t{(*framed)[1]} << 16) |
                        (uint32_t{(*framed)[2]} << 8) | uint32_t{(*framed)[3]};
    // "Verifiers MUST ignore signatures from unknown keys, even if they share a
    // name or ID (but not both) with a known key."
    if (name != vkey.name || id != vkey.key_id) continue;
    // "If a signature from a known key fails to verify, clients SHOULD reject
    // the whole note."
    Status ok =
        vkey.key.Verify(crypto::Algorithm::kEdDSA, AsBytes(text), ByteView(*framed).subspan(4));
    if (!ok.ok()) {
      return MakeError(ErrorCode::kVerificationFailed,
                       "signed note: the signature by " + vkey.name + " does not verify");
    }
    verified = true;
  }
  if (!verified) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "signed note carries no signature by " + vkey.name);
  }
  return text;
}

Result<Checkpoint> ParseCheckpoint(std::string_view body) {
  if (body.empty() || body.back() != '\n') return Malformed("checkpoint must end in a newline");
  std::string_view lines[3];
  std::string_view rest = body;
  for (auto& line : lines) {
    const size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) return Malformed("checkpoint has fewer than three lines");
    line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  if (checkpoint.origin.empty()) return Malformed("checkpoint origin is empty");
  auto size = ParseDecimal(lines[1]);
  if (!size) return Malformed("checkpoint tree size is not a decimal without leading zeros");
  checkpoint.tree_size = *size;
  auto root = Base64Decode(lines[2]);
  if (!root || root->size() != checkpoint.root.size()) {
    return Malformed("checkpoint root is not the base64 of 32 bytes");
  }
  std::memcpy(checkpoint.root.data(), root->data(), checkpoint.root.size());
  // tlog-checkpoint: extension lines follow, each non-empty; they are not kept.
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    if (eol == 0) return Malformed("checkpoint has an empty extension line");
    rest.remove_prefix(eol + 1);
  }
  return checkpoint;
}

}  // namespace scitt::log

// C2SP checkpoints and signed notes: the spec examples, round trips, tampering.
#include "log/checkpoint.h"

#include <gtest/gtest.h>

#include "crypto/key.h"
#include "merkle/hash.h"

namespace scitt::log {
namespace {

// c2sp.org/signed-note, §Verifier keys example.
constexpr std::string_view kSpecVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kSpecNote =
    "This is an example message.\n"
    "\n"
    "\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

// golang.org/x/mod/sumdb/note package documentation: a signer key (whose
// private part lets us check that signing reproduces the note byte for byte),
// a second verifier key, and the note signed by both.
constexpr std::string_view kPeterSkeyMaterial = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kPeterText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSignature =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochSignature =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

NoteSigner PeterSigner() {
  auto material = Base64Decode(kPeterSkeyMaterial);
  EXPECT_TRUE(material && material->size() == 33 && (*material)[0] == 0x01);
  auto key = crypto::PrivateKey::FromEd25519Seed(ByteView(*material).subspan(1));
  EXPECT_TRUE(key.ok());
  return NoteSigner("PeterNeumann", *key);
}

TEST(CheckpointBody, IsTheTlogCheckpointText) {
  EXPECT_EQ(CheckpointBody(Checkpoint{"example.com/log", 0, merkle::EmptyRoot()}),
            "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  merkle::Hash root;
  for (size_t i = 0; i < root.size(); ++i) root[i] = static_cast<uint8_t>(i);
  const std::string body = CheckpointBody(Checkpoint{"example.com/log", 1234567, root});
  EXPECT_EQ(body, "example.com/log\n1234567\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
  auto parsed = ParseCheckpoint(body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->origin, "example.com/log");
  EXPECT_EQ(parsed->tree_size, 1234567u);
  EXPECT_EQ(parsed->root, root);
  // Extension lines are allowed and not kept.
  EXPECT_TRUE(ParseCheckpoint(body + "ext one\n").ok());
}

TEST(CheckpointBody, ParseRejectsMalformedBodies) {
  const std::string root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  for (const std::string& bad : {
           std::string("o\n01\n") + root + "\n",                    // leading zero
           std::string("o\n-1\n") + root + "\n",                    // not a decimal
           std::string("o\n18446744073709551616\n") + root + "\n",  // beyond 64 bits
           std::string("\n1\n") + root + "\n",                      // empty origin
           std::string("o\n1\n") + root,                            // no final newline
           std::string("o\n1\nAAAA\n"),                             // root too short
           std::string("o\n1\n") + root + "\n\n",                   // empty extension line
           std::string("o\n1\n"),                                   // no root
       }) {
    EXPECT_EQ(ParseCheckpoint(bad).error().code, ErrorCode::kMalformed) << bad;
  }
}

TEST(SignedNote, VerifiesTheSpecExample) {
  auto text = VerifyNote(kSpecNote, kSpecVkey);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "This is an example message.\n");
}

TEST(SignedNote, SigningReproducesTheGoExample) {
  const NoteSigner signer = PeterSigner();
  EXPECT_EQ(signer.name(), "PeterNeumann");
  EXPECT_EQ(signer.key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer.VerifierKey(), kPeterVkey);
  auto note = signer.Sign(kPeterText);
  ASSERT_TRUE(note.ok()) << note.error().message;
  EXPECT_EQ(*note, std::string(kPeterText) + "\n" + std::string(kPeterSignature));
}

TEST(SignedNote, IgnoresOtherKeysSignatures) {
  const std::string both =
      std::string(kPeterText) + "\n" + std::string(kPeterSignature) + std::string(kEnochSignature);
  EXPECT_EQ(*VerifyNote(both, kPeterVkey), kPeterText);
  EXPECT_EQ(*VerifyNote(both, kEnochVkey), kPeterText);
  // Only another key signed: rejected.
  const std::string enoch_only = std::string(kPeterText) + "\n" + std::string(kEnochSignature);
  EXPECT_EQ(VerifyNote(enoch_only, kPeterVkey).error().code, ErrorCode::kVerificationFailed);
}

TEST(SignedNote, RoundTripWithAGeneratedKey) {
  auto key = crypto::PrivateKey::Generate(crypto::Algorithm::kEdDSA);
  ASSERT_TRUE(key.ok());
  NoteSigner signer("log.example/one", *key);
  const std::string body = CheckpointBody(Checkpoint{"log.example/one", 42, merkle::EmptyRoot()});
  auto note = signer.Sign(body);
  ASSERT_TRUE(note.ok());
  auto text = VerifyNote(*note, signer.VerifierKey());
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, body);
  EXPECT_EQ(*NoteText(*note), body);
  // The key id in the vkey is the one the signer computes.
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", signer.key_id());
  EXPECT_EQ(signer.VerifierKey().substr(0, 25), std::string("log.example/one+") + hex + "+");
}

TEST(SignedNote, TamperingFails) {
  const NoteSigner signer = PeterSigner();
  const std::string note = *signer.Sign(kPeterText);

  std::string changed_text = note;
  changed_text[3] = 'X';
  EXPECT_EQ(VerifyNote(changed_text, kPeterVkey).error().code, ErrorCode::kVerificationFailed);

  std::string changed_signature = note;
  const size_t sig_at = note.rfind(' ') + 10;
  changed_signature[sig_at] = changed_signature[sig_at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyNote(changed_signature, kPeterVkey).error().code, ErrorCode::kVerificationFailed);

  // A vkey whose id does not match its key is refused outright.
  std::string bad_vkey(kPeterVkey);
  bad_vkey[13] = bad_vkey[13] == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyNote(note, bad_vkey).ok());

  // Structure: no blank line, a stray line among signatures, control characters.
  EXPECT_EQ(
      VerifyNote(std::string(kPeterText) + std::string(kPeterSignature), kPeterVkey).error().code,
      ErrorCode::kMalformed);
  EXPECT_EQ(VerifyNote(note + "junk\n", kPeterVkey).error().code, ErrorCode::kMalformed);
  EXPECT_EQ(VerifyNote("a\tb\n\n" + std::string(kPeterSignature), kPeterVkey).error().code,
            ErrorCode::kMalformed);
  EXPECT_EQ(VerifyNote("no signatures\n", kPeterVkey).error().code, ErrorCode::kMalformed);
}

TEST(SignedNote, SignerRefusesWhatCannotBeANote) {
  const NoteSigner signer = PeterSigner();
  EXPECT_EQ(signer.Sign("no final newline").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(signer.Sign("bell \a\n").error().code, ErrorCode::kInvalidArgument);
  auto ecdsa = crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
  ASSERT_TRUE(ecdsa.ok());
  EXPECT_EQ(NoteSigner("example.com/log", *ecdsa).Sign("text\n").error().code,
            ErrorCode::kInvalidArgument);
  auto key = crypto::PrivateKey::Generate(crypto::Algorithm::kEdDSA);
  EXPECT_EQ(NoteSigner("has space", *key).Sign("text\n").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace scitt::log

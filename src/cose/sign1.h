// COSE_Sign1 (RFC 9052 §4.2): parse, sign, verify, and re-emit byte for byte.
//
// Tag 18 is always written on output. On input it is optional unless
// ParseOptions::require_tag is set (receipts and registration set it; see
// docs/profile.md). Any other tag is refused.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/decoder.h"
#include "cbor/value.h"
#include "cose/headers.h"
#include "crypto/hash.h"
#include "crypto/key.h"

namespace scitt::cose {

struct Sign1ParseOptions {
  bool require_tag = false;
};

// Header maps are small: a few parameters, CWT claims, an x5chain of a few
// certificates, receipts as byte strings. Parse() refuses a protected or
// unprotected header map of more than kMaxHeaderItems items (the map, its
// keys, values and everything nested in them) or nested deeper than
// kMaxHeaderDepth levels (the map is level 1), so parsing costs time and
// memory proportional to a statement's size with a small constant however it
// is built (issue 10: a 1 MiB header of one-byte items cost 0.3 s and 300 MB).
inline constexpr size_t kMaxHeaderItems = 2048;
inline constexpr size_t kMaxHeaderDepth = 16;

struct Sign1VerifyOptions {
  ByteView external_aad;                        // h'' in SCITT
  std::optional<ByteView> detached_payload;     // used when the payload is nil
  // The bytes the message was parsed from (ParseBorrowed), writable: the
  // Sig_structure is then built inside them around the payload and they are
  // put back before VerifySignature returns, instead of in a copy the size
  // of the payload (Ed25519 verifies one contiguous message). Nothing may
  // read them meanwhile. Empty: a copy, as always.
  std::span<uint8_t> writable_source;
};

class Sign1 {
 public:
  // Decodes and checks the structure: [protected bstr, unprotected map,
  // payload bstr/nil, signature bstr], header types, no label in both
  // buckets (RFC 9052 §3), crit only protected and naming present labels,
  // hash envelope rules (RFC 9995 §3: 258 protected, 259/260 never
  // unprotected, no content type). No trailing bytes. Header maps within
  // kMaxHeaderItems and kMaxHeaderDepth.
  static Result<Sign1> Parse(ByteView data, const Sign1ParseOptions& options = {});
  static Result<Sign1> Parse(Bytes data, const Sign1ParseOptions& options = {});
  // Parse without a copy: the result's views point into `data`, which must
  // outlive it and every copy of it. For a check that is done with the
  // statement before its caller's buffer goes (Registrar::Check).
  static Result<Sign1> ParseBorrowed(ByteView data, const Sign1ParseOptions& options = {});
  // Parse without a copy of bytes that `owner` holds (a statement mapped
  // from the log's file, LogEntry::mapped_statement): the result and its
  // copies keep `owner` alive.
  static Result<Sign1> ParseShared(std::shared_ptr<const void> owner, ByteView data,
                                   const Sign1ParseOptions& options = {});

  bool tagged() const { return tagged_; }
  // The whole input as received.
  ByteView encoded() const { return data_; }
  // The serialized protected map (content of the protected bstr).
  ByteView protected_bytes() const { return protected_bytes_; }
  const HeaderMap& protected_headers() const { return protected_; }
  const HeaderMap& unprotected_headers() const { return unprotected_; }
  // nullopt when the payload is detached (nil).
  std::optional<ByteView> payload() const { return payload_; }
  ByteView signature() const { return signature_; }
  // True when the protected header carries 258 (RFC 9995 hash envelope).
  bool is_hash_envelope() const { return protected_.payload_hash_alg.has_value(); }

  // The Sig_structure bytes (RFC 9052 §4.4) for this message.
  Bytes ToBeSigned(ByteView external_aad = {},
                   std::optional<ByteView> detached_payload = std::nullopt) const;

  // Checks crit (every listed label must be one we understand), that the
  // protected alg is supported and fits `key`, and the signature.
  Status VerifySignature(const crypto::PublicKey& key,
                         const Sign1VerifyOptions& options = {}) const;

  // Tagged, with the unprotected header replaced by an empty map; the
  // protected, payload and signature items are copied exactly as received
  // (DESIGN.md §3: the registered statement).
  Bytes RegisteredForm() const;
  // RegisteredForm(), made inside `source`, the buffer this message was
  // parsed from (ParseBorrowed), which it takes: a statement of hundreds of
  // megabytes is then held once, not twice. This message's views are not
  // to be used afterwards.
  Bytes TakeRegisteredForm(Bytes source) const;
  // The same inside `buffer`, which holds the bytes this message was parsed
  // from (ParseBorrowed) and may begin before them, with room for a longer
  // beginning (a file mapping cannot grow at its front): the registered
  // form's place in `buffer`, or nullopt when the message is not in it or
  // there is no room.
  std::optional<ByteView> RegisteredFormInPlace(std::span<uint8_t> buffer) const;
  // SHA-256 of RegisteredForm(), hashed piece by piece: no statement-sized
  // copy (cose::LogEntry).
  crypto::Sha256Digest RegisteredFormSha256() const;
  // Tagged, with `unprotected` (encoded deterministically) as the
  // unprotected header; other items exactly as received.
  Bytes WithUnprotected(const cbor::Value& unprotected) const;

 private:
  Sign1() = default;
  Bytes Reassemble(ByteView unprotected_item) const;
  Bytes RegisteredFormHead() const;  // tag, array head, protected item, {}
  Status VerifyInPlace(crypto::Algorithm alg, const crypto::PublicKey& key, ByteView external_aad,
                       std::span<uint8_t> source) const;
  // Calls `take` with each piece of the tagged message whose unprotected
  // item is `unprotected_item`, in order.
  template <typename Take>
  void ForEachPiece(ByteView unprotected_item, Take&& take) const;

  // Decodes data_ into the views and header maps below.
  static Result<Sign1> ParseData(Sign1 msg, const Sign1ParseOptions& options);

  std::shared_ptr<const void> owner_;  // holds data_, unless it is borrowed
  ByteView data_;                       // every view below points into it
  bool tagged_ = false;
  ByteView protected_item_;            // raw protected bstr item (head + content)
  ByteView protected_bytes_;
  ByteView payload_item_;              // raw payload item (bstr or nil)
  ByteView signature_item_;
  std::optional<ByteView> payload_;
  ByteView signature_;
  HeaderMap protected_;
  HeaderMap unprotected_;
};

// RFC 9052 §4.4: ["Signature1", protected, external_aad, payload].
Bytes BuildToBeSigned(ByteView protected_bytes, ByteView external_aad, ByteView payload);
// BuildToBeSigned without the payload's bytes: everything up to and
// including the payload's byte string head.
Bytes ToBeSignedHead(ByteView protected_bytes, ByteView external_aad, size_t payload_size);

struct Sign1Content {
  cbor::Value protected_map;             // encoded deterministically
  cbor::Value unprotected = cbor::Value::FromMap({});
  ByteView payload;
  bool detach_payload = false;           // write nil, sign over `payload`
  ByteView external_aad;
};

// Signs with the algorithm named by protected_map's alg (1), which must be
// present and fit `key`. Returns the tagged COSE_Sign1.
Result<Bytes> SignSign1(const Sign1Content& content, const crypto::PrivateKey& key);

// The labels this implementation understands in `crit` (RFC 9052 §3.1).
bool IsUnderstoodCriticalLabel(const cbor::Value& label);

// The content type of what a statement is about, as text: its payload's
// (header 3), or for a hash envelope its preimage's (header 259). A
// CoAP Content-Format number (RFC 9052 §3.1: tstr or uint) is given as
// its decimal digits.
std::optional<std::string> PayloadContentType(const Sign1& statement);

}  // namespace scitt::cose

// OCI names, tags and digests (distribution-spec "Pulling manifests",
// image-spec descriptor.md "Digests"): parsed and validated once, so every
// route, store and client verb agrees on what is a valid reference.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/algorithm.h"

namespace scitt::registry {

// Repository names: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`,
// and at most kMaxNameLength characters (clients cap `host/name` at 255).
inline constexpr size_t kMaxNameLength = 255;
bool IsValidName(std::string_view name);

// Tags: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
bool IsValidTag(std::string_view tag);

// A content digest `algorithm:encoded` with a registered algorithm this
// registry computes: sha256 (64 lowercase hex digits) or sha512 (128).
class Digest {
 public:
  // kInvalidArgument when `text` does not follow the digest grammar, or
  // names sha256/sha512 with a malformed encoded part; kUnsupported for a
  // well-formed digest of another algorithm (blake3, …). Both are 400
  // DIGEST_INVALID on the wire; the messages differ.
  static Result<Digest> Parse(std::string_view text);
  // The digest of `hash` (the raw output of `algorithm`).
  static Digest Of(crypto::HashAlgorithm algorithm, ByteView hash);
  // The sha256 digest of `content`.
  static Digest Sha256Of(ByteView content);

  crypto::HashAlgorithm algorithm() const { return algorithm_; }
  std::string_view algorithm_name() const;  // "sha256", "sha512"
  const std::string& encoded() const { return encoded_; }  // lowercase hex
  std::string ToString() const;                            // "sha256:…"

  auto operator<=>(const Digest&) const = default;

 private:
  crypto::HashAlgorithm algorithm_ = crypto::HashAlgorithm::kSha256;
  std::string encoded_;
};

// What the `<tag-or-digest>` path segment of a manifest route names.
struct TagOrDigest {
  std::string tag;   // set when it is a tag
  Digest digest;     // meaningful when `tag` is empty
  bool is_digest() const { return tag.empty(); }
};
// A digest when `text` contains ':', else a tag; kInvalidArgument (or
// kUnsupported, see Digest::Parse) when neither is valid.
Result<TagOrDigest> ParseTagOrDigest(std::string_view text);

// The referrers tag schema (distribution-spec "Referrers Tag Schema"): the
// algorithm cut to 32 characters, '-', the encoded part cut to 64, with any
// character a tag may not hold replaced by '-': "sha256-<64 hex>".
std::string ReferrersTag(const Digest& digest);

}  // namespace scitt::registry

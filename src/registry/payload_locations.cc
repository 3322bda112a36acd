#include "registry/payload_locations.h"

#include "crypto/hash.h"

namespace scitt::registry {

std::optional<BlobLocation> ParseBlobLocation(std::string_view location,
                                              const std::vector<std::string>& base_urls) {
  for (const std::string& base : base_urls) {
    std::string_view trimmed = base;
    while (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
    if (!trimmed.empty() && location.starts_with(trimmed) && location.substr(trimmed.size()).starts_with("/")) {
      location.remove_prefix(trimmed.size());
      break;
    }
  }
  constexpr std::string_view kPrefix = "/v2/";
  constexpr std::string_view kBlobs = "/blobs/";
  if (!location.starts_with(kPrefix)) return std::nullopt;
  location.remove_prefix(kPrefix.size());
  const size_t blobs = location.rfind(kBlobs);
  if (blobs == std::string_view::npos) return std::nullopt;
  const std::string_view name = location.substr(0, blobs);
  auto digest = Digest::Parse(location.substr(blobs + kBlobs.size()));
  if (!IsValidName(name) || !digest.ok()) return std::nullopt;
  return BlobLocation{std::string(name), *digest};
}

std::optional<std::string> BlobLocations::Check(const registration::Accepted::PayloadLocation& payload) const {
  const std::optional<BlobLocation> blob = ParseBlobLocation(payload.location, base_urls_);
  if (!blob) return std::nullopt;  // held elsewhere: not ours to check
  const std::string where = blob->digest.ToString() + " in " + blob->repository;
  auto held = store_.HasBlob(blob->repository, blob->digest);
  if (!held.ok()) return std::optional<std::string>("payload-location " + where + " could not be checked: " + held.error().message);
  if (!*held) return std::optional<std::string>("payload-location names blob " + where + ", which this registry does not hold");
  Bytes hash;
  if (blob->digest.algorithm() == payload.alg) {
    hash = HexDecode(blob->digest.encoded()).value_or(Bytes());  // a parsed digest: valid hex
  } else {
    // Another algorithm than the blob's digest: hash the blob itself.
    auto reader = blobs_.Open(blob->digest);
    if (!reader.ok()) return std::optional<std::string>("payload-location " + where + " could not be read: " + reader.error().message);
    crypto::Hasher hasher(payload.alg);
    constexpr size_t kPiece = 1 << 20;
    for (uint64_t offset = 0; offset < (*reader)->size(); offset += kPiece) {
      auto piece = (*reader)->Read(offset, static_cast<size_t>(std::min<uint64_t>(kPiece, (*reader)->size() - offset)));
      if (!piece.ok()) return std::optional<std::string>("payload-location " + where + " could not be read: " + piece.error().message);
      hasher.Update(*piece);
    }
    hash = hasher.Finish();
  }
  if (hash != payload.hash) {
    return std::optional<std::string>("payload-location names blob " + where + ", whose " +
                  std::string(crypto::HashAlgorithmName(payload.alg)) + " is " + HexEncode(hash) +
                  ", not the signed hash " + HexEncode(payload.hash));
  }
  return std::nullopt;
}

}  // namespace scitt::registry

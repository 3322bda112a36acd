#include "evidence/preimages.h"

#include "crypto/hash.h"
#include "evidence/formats/parse.h"
#include "registry/payload_locations.h"

namespace scitt::evidence {

Result<std::optional<Bytes>> RegistryPreimages::Fetch(const std::string& location, crypto::HashAlgorithm alg,
                                                      ByteView hash) const {
  const auto blob = registry::ParseBlobLocation(location, base_urls_);
  if (!blob) return std::optional<Bytes>();  // elsewhere: not retrieved
  const std::string where = blob->digest.ToString() + " in " + blob->repository;
  SCITT_ASSIGN_OR_RETURN(const bool held, store_.HasBlob(blob->repository, blob->digest));
  if (!held) return MakeError(ErrorCode::kNotFound, "payload-location: the registry does not hold " + where);
  SCITT_ASSIGN_OR_RETURN(auto reader, blobs_.Open(blob->digest));
  if (reader->size() > kMaxDocumentBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "payload-location: " + where + " is over " +
                                                      std::to_string(kMaxDocumentBytes) + " bytes");
  }
  SCITT_ASSIGN_OR_RETURN(Bytes preimage, reader->Read(0, static_cast<size_t>(reader->size())));
  crypto::Hasher hasher(alg);
  hasher.Update(preimage);
  // Registration checked it; a blob changed on disk since must not be read
  // as the signed document.
  if (hasher.Finish() != Bytes(hash.begin(), hash.end())) {
    return MakeError(ErrorCode::kVerificationFailed, "payload-location: " + where + " does not hash to the signed " +
                                                         std::string(crypto::HashAlgorithmName(alg)));
  }
  return std::optional<Bytes>(std::move(preimage));
}

}  // namespace scitt::evidence

// The referrers tag schema (distribution-spec "Referrers Tag Schema";
// reference/oci-and-evidence.md §1.9): on a registry without the referrers
// API, the client keeps an image index of a subject's referrers at the tag
// registry::ReferrersTag(subject). These are the pure steps of that
// algorithm and of reading paged referrers lists; RegistryClient does the
// requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "registry/manifest.h"

namespace scitt::oci_client {

// Steps 1–3 of the client algorithm for a manifest pushed with a subject
// when no OCI-Subject came back. `current` is the index at the fallback tag
// (nullopt: the tag does not exist, start from an empty index) with the
// Content-Type it was served with. Returns the index to push back to the
// tag, or nullopt when `referrer` (by digest) is listed already (no
// duplicates). Descriptors already listed are kept exactly as they are
// (other tools' fields too); `referrer` is appended as given, so build it
// with registry::ReferrerDescriptor (artifactType, else config.mediaType;
// all annotations). kInvalidArgument when `current` is not an image index:
// the spec says to report that and stop rather than replace it.
Result<std::optional<std::string>> AddToReferrersIndex(std::optional<ByteView> current,
                                                       std::string_view content_type,
                                                       const registry::Descriptor& referrer);

// The descriptors with artifactType `artifact_type` (all when nullopt): the
// client-side filter, for a registry that did not say OCI-Filters-Applied.
std::vector<registry::Descriptor> FilterByArtifactType(std::vector<registry::Descriptor> descriptors,
                                                       const std::optional<std::string>& artifact_type);

// The target of the `rel="next"` link in a Link header (RFC 8288), as
// written (relative or absolute); nullopt when there is none.
std::optional<std::string> NextPageLink(std::string_view link_header);

}  // namespace scitt::oci_client

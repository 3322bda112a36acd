// A client of the OCI distribution API for any registry: ours, and ones
// without the referrers API (Debian's docker-registry 2.8.2), with Basic
// and Docker-token (Bearer) authentication.
//
// Bounds: manifests, referrers lists, and the blobs read into memory
// (PullBlob: statements, receipts) are held up to
// RegistryOptions::http.max_response_bytes (64 MiB by default); larger ones
// are refused with a message saying so. Blobs of any size go through files
// (PullBlobToFile, PushBlobFromFile), never whole in memory. Referrers
// lists are read at most kMaxReferrerPages pages and kMaxReferrers
// descriptors, and a `Link` that leads back to a page already read is an
// error.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "http/client.h"
#include "oci_client/credentials.h"
#include "registry/manifest.h"

namespace scitt::oci_client {

inline constexpr size_t kMaxReferrerPages = 64;
inline constexpr size_t kMaxReferrers = 10000;

struct RegistryOptions {
  http::ClientOptions http;
  bool plain_http = false;                 // http:// instead of https://
  std::optional<Credentials> credentials;  // nullopt: anonymous
};

struct FetchedManifest {
  registry::Digest digest;  // of `bytes`, checked against the reference and Docker-Content-Digest
  std::string media_type;   // Content-Type without parameters
  Bytes bytes;              // exactly as served
  registry::Manifest parsed;
  std::string etag;         // for If-Match; may be empty
  registry::Descriptor descriptor() const;  // media type, digest, size
};

struct PushedManifest {
  registry::Digest digest;
  // The registry answered OCI-Subject: it lists the manifest as a referrer
  // of its subject itself. Otherwise the client keeps the referrers tag.
  bool subject_indexed = false;
  int status = 0;  // 201, normally
};

struct ReferrersListing {
  std::vector<registry::Descriptor> referrers;
  bool from_referrers_tag = false;  // the registry has no referrers API
};

// Failures are kNotFound for 404, kInvalidArgument for other refusals
// (4xx), kIo for the network and 5xx; the message names the request and
// summarises the registry's OCI error document.
class RegistryClient {
 public:
  // `registry` is host[:port] as in an image reference.
  RegistryClient(std::string registry, RegistryOptions options);

  const std::string& registry() const { return registry_; }
  // "http://host:port" or "https://host:port", as requests are sent.
  std::string base_url() const;

  // GET /v2/: the registry speaks the distribution API (a 401 challenge is
  // not a failure: pulls may still be anonymous).
  Status Ping();

  // The names of the extensions the registry lists at /v2/_oci/ext/discover
  // (distribution-spec extensions/_oci.md), e.g. "_scitt"; none when it
  // answers 404 (distribution 2.8.2 does).
  Result<std::vector<std::string>> ListExtensions();

  // The manifest `reference` (a tag or digest) names, checked: its digest
  // must match a digest reference and the Docker-Content-Digest header.
  Result<FetchedManifest> GetManifest(const std::string& repository, const std::string& reference);

  // PUT of `bytes` exactly, with `media_type` as Content-Type, to a tag or
  // to the digest of the bytes.
  Result<PushedManifest> PutManifest(const std::string& repository, const std::string& reference,
                                     ByteView bytes, const std::string& media_type);

  Result<bool> HasBlob(const std::string& repository, const registry::Digest& digest);

  // Uploads `content` as `digest` unless the repository has it (HEAD): POST
  // /blobs/uploads/, then PUT <Location>?digest= (the Location may be
  // relative and may carry a query of its own).
  Status PushBlob(const std::string& repository, const registry::Digest& digest, ByteView content);

  // PushBlob of the file `path`, which must hold the blob `digest` names (the
  // registry checks it too); it is read as it is sent.
  Status PushBlobFromFile(const std::string& repository, const registry::Digest& digest, const std::string& path);

  // The blob `descriptor` names, its size and digest checked; at most
  // max_response_bytes (larger: kUnsupported, use PullBlobToFile).
  Result<Bytes> PullBlob(const std::string& repository, const registry::Descriptor& descriptor);

  // The blob written to `path` as it arrives (into "<path>.partial", renamed
  // to `path` once its size and digest are checked; removed on failure).
  Status PullBlobToFile(const std::string& repository, const registry::Descriptor& descriptor,
                        const std::string& path);

  // The referrers of `subject`: the referrers API (with `artifactType` as
  // a filter, applied here when the registry did not), or, when it answers
  // 404, the index at the referrers tag (absent, or not an index: none).
  Result<ReferrersListing> ListReferrers(const std::string& repository, const registry::Digest& subject,
                                         const std::optional<std::string>& artifact_type = std::nullopt);

  // Lists `referrer` at `subject`'s referrers tag (AddToReferrersIndex),
  // pushing the index back with If-Match when the registry sent an ETag;
  // a 412 (someone else changed it) re-reads and tries again, three times.
  Status AddToReferrersTag(const std::string& repository, const registry::Digest& subject,
                           const registry::Descriptor& referrer);

 private:
  struct Request {
    std::string method;
    std::string url;  // absolute
    http::Headers headers;
    std::string body;
    std::string repository;
    bool push = false;          // the token scope needs "push"
    std::string upload_file;    // the body is this file instead of `body`
    std::string download_file;  // a 2xx body goes to this file …
    uint64_t download_limit = 0;  // … at most this many bytes
  };
  // One exchange of `request` (to `url`, with `headers`), sent again while
  // the registry answers 429.
  Result<http::Response> Exchange(const Request& request, const std::string& url, const http::Headers& headers);
  Status Upload(const std::string& repository, const registry::Digest& digest, std::string content,
                std::string file);
  // Sends with the credentials the registry asked for: on 401 it follows
  // the WWW-Authenticate challenge once (Basic, or a Bearer token fetched
  // from the realm and cached per scope). GET and HEAD follow redirects,
  // without Authorization to another host.
  Result<http::Response> Send(Request request);
  // The Authorization header for a request of `scope`: its cached Bearer
  // token, else Basic once the registry asked for it, else none.
  std::optional<std::string> Authorization(const std::string& scope) const;
  Result<std::string> FetchToken(const std::map<std::string, std::string>& challenge, const std::string& scope);
  std::string Url(const std::string& path) const { return base_url() + path; }

  std::string registry_;
  RegistryOptions options_;
  bool use_basic_ = false;                      // the registry asked for Basic once
  std::map<std::string, std::string> tokens_;  // Bearer token per scope
};

// "<what>: <status> <CODE>: <message>" from a registry's OCI error document
// (or the bare status), as an Error of the kind RegistryClient documents.
Error RegistryFailure(const std::string& what, const http::Response& response);

}  // namespace scitt::oci_client

#include "oci_client/registry_client.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "base/text.h"
#include "crypto/hash.h"
#include "http/message.h"
#include "oci_client/auth_challenge.h"
#include "oci_client/image_reference.h"
#include "oci_client/referrers_index.h"
#include "registry/errors.h"

namespace scitt::oci_client {
namespace {

constexpr int kMaxRedirects = 5;
constexpr int kMaxTagUpdateAttempts = 3;
// distribution-spec: a 429 (TOOMANYREQUESTS) SHOULD carry Retry-After; the
// request is sent again after it, this many times, waiting at most
// kMaxRetryAfter each time.
constexpr int kMaxThrottledRetries = 8;
constexpr std::chrono::seconds kMaxRetryAfter{10};

// Every manifest type this client reads (distribution-spec: the client
// says which it takes).
const char* const kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

std::optional<std::string> Header(const http::Response& response, const char* name) {
  const auto it = response.headers.find(name);
  if (it == response.headers.end()) return std::nullopt;
  return it->second;
}

std::string WithoutParameters(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return std::string(type);
}

// scheme://authority of an absolute URL ("" when it is not one).
std::string Origin(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "";
  return std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority());
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The digest of `content` with `digest`'s algorithm equals it.
bool Matches(const registry::Digest& digest, ByteView content) {
  return registry::Digest::Of(digest.algorithm(), crypto::Digest(digest.algorithm(), content)) == digest;
}

// The digest of the file `path` by `algorithm`, read a piece at a time.
Result<registry::Digest> DigestOfFile(const std::string& path, crypto::HashAlgorithm algorithm) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot read " + path);
  crypto::Hasher hasher(algorithm);
  std::vector<char> piece(1 << 20);
  while (in) {
    in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
    hasher.Update(ByteView(reinterpret_cast<const uint8_t*>(piece.data()), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return MakeError(ErrorCode::kIo, "cannot read " + path);
  return registry::Digest::Of(algorithm, hasher.Finish());
}

}  // namespace

Error RegistryFailure(const std::string& what, const http::Response& response) {
  std::string message = what + ": " + std::to_string(response.status);
  if (auto error = registry::DecodeErrors(AsBytes(response.body))) {
    if (error->code != registry::OciCode::kInternal) message += " " + std::string(registry::OciCodeName(error->code));
    if (!error->message.empty()) message += ": " + ToValidUtf8(error->message).substr(0, 300);
  } else if (!response.body.empty() && response.body.size() <= 200 && IsValidUtf8(response.body)) {
    std::string text = response.body;
    std::erase_if(text, [](char c) { return c == '\n' || c == '\r'; });
    message += ": " + text;
  }
  if (response.status == 401) {
    message += " (credentials: --username/--password, --creds, SCITT_REGISTRY_USERNAME/PASSWORD or an auth file)";
  }
  const ErrorCode code = response.status == 404                              ? ErrorCode::kNotFound
                         : response.status >= 400 && response.status < 500 ? ErrorCode::kInvalidArgument
                                                                             : ErrorCode::kIo;
  return MakeError(code, message);
}

registry::Descriptor FetchedManifest::descriptor() const {
  registry::Descriptor out;
  out.media_type = media_type;
  out.digest = digest;
  out.size = static_cast<int64_t>(bytes.size());
  return out;
}

RegistryClient::RegistryClient(std::string registry, RegistryOptions options)
    : registry_(std::move(registry)), options_(std::move(options)) {}

std::string RegistryClient::base_url() const { return RegistryBaseUrl(registry_, options_.plain_http); }

Result<std::string> RegistryClient::FetchToken(const std::map<std::string, std::string>& challenge,
                                               const std::string& scope) {
  const auto realm = challenge.find("realm");
  if (realm == challenge.end()) return MakeError(ErrorCode::kMalformed, "a Bearer challenge without a realm");
  auto parsed = boost::urls::parse_uri(realm->second);
  if (!parsed) return MakeError(ErrorCode::kMalformed, "the token realm is not a URL: " + realm->second);
  boost::urls::url url(*parsed);
  if (const auto service = challenge.find("service"); service != challenge.end()) {
    url.params().append({"service", service->second});
  }
  if (!scope.empty()) url.params().append({"scope", scope});
  http::Headers headers;
  // Anonymous when there are no credentials: public registries hand out
  // pull tokens to anyone.
  if (options_.credentials) {
    headers["Authorization"] =
        "Basic " + Base64Encode(AsBytes(options_.credentials->username + ":" + options_.credentials->password));
  }
  SCITT_ASSIGN_OR_RETURN(http::Response response, Exchange({"GET"}, std::string(url.buffer()), headers));
  if (response.status != 200) return RegistryFailure("token request to " + realm->second, response);
  return ParseTokenResponse(response.body);
}

Result<http::Response> RegistryClient::Exchange(const Request& request, const std::string& url,
                                                const http::Headers& headers) {
  for (int attempt = 0;; ++attempt) {
    Result<http::Response> response =
        !request.upload_file.empty()
            ? http::FetchFromFile(request.method, url, headers, request.upload_file, options_.http)
        : !request.download_file.empty()
            ? http::FetchToFile(request.method, url, headers, request.download_file, request.download_limit,
                                options_.http)
            : http::Fetch(request.method, url, headers, request.body, options_.http);
    if (!response.ok() || response->status != 429 || attempt == kMaxThrottledRetries) return response;
    // Retry-After in seconds (RFC 9110 §10.2.3); an HTTP-date or nothing: 1 s.
    const std::optional<uint64_t> seconds = ParseDecimal(Header(*response, "Retry-After").value_or(""));
    std::this_thread::sleep_for(std::clamp(std::chrono::seconds(seconds.value_or(1)), std::chrono::seconds(1),
                                           kMaxRetryAfter));
  }
}

std::optional<std::string> RegistryClient::Authorization(const std::string& scope) const {
  if (const auto token = tokens_.find(scope); token != tokens_.end()) return "Bearer " + token->second;
  if (use_basic_ && options_.credentials) {
    return "Basic " + Base64Encode(AsBytes(options_.credentials->username + ":" + options_.credentials->password));
  }
  return std::nullopt;
}

Result<http::Response> RegistryClient::Send(Request request) {
  const std::string scope =
      request.repository.empty() ? "" : "repository:" + request.repository + (request.push ? ":pull,push" : ":pull");
  http::Response response;
  for (int attempt = 0;; ++attempt) {
    http::Headers headers = request.headers;
    if (auto authorization = Authorization(scope)) headers["Authorization"] = std::move(*authorization);
    SCITT_ASSIGN_OR_RETURN(response, Exchange(request, request.url, headers));
    if (response.status != 401 || attempt > 0) break;
    const std::vector<AuthChallenge> challenges =
        ParseWwwAuthenticate(Header(response, "WWW-Authenticate").value_or(""));
    const AuthChallenge* bearer = nullptr;
    const AuthChallenge* basic = nullptr;
    for (const AuthChallenge& challenge : challenges) {
      if (challenge.scheme == "bearer" && bearer == nullptr) bearer = &challenge;
      if (challenge.scheme == "basic" && basic == nullptr) basic = &challenge;
    }
    if (bearer != nullptr) {
      const auto wanted = bearer->params.find("scope");
      SCITT_ASSIGN_OR_RETURN(tokens_[scope],
                             FetchToken(bearer->params, wanted != bearer->params.end() ? wanted->second : scope));
    } else if (basic != nullptr && options_.credentials && !use_basic_) {
      use_basic_ = true;
    } else {
      break;  // nothing more to try: the caller reports the 401
    }
  }
  // RFC 9110 §15.4; distribution-spec: never forward Authorization to
  // another host (blob storage behind a redirect has its own signed URL).
  if (request.method == "GET" || request.method == "HEAD") {
    std::string url = request.url;
    for (int hop = 0; IsRedirect(response.status); ++hop) {
      const auto location = Header(response, "Location");
      if (!location) break;
      if (hop == kMaxRedirects) return MakeError(ErrorCode::kIo, "more than 5 redirects from " + request.url);
      const std::string next = http::ResolveUrl(url, *location);
      http::Headers headers = request.headers;
      if (Origin(next) == Origin(request.url)) {
        if (auto authorization = Authorization(scope)) headers["Authorization"] = std::move(*authorization);
      }
      SCITT_ASSIGN_OR_RETURN(response, Exchange(request, next, headers));
      url = next;
    }
  }
  return response;
}

Status RegistryClient::Ping() {
  SCITT_ASSIGN_OR_RETURN(http::Response response, Send({"GET", Url("/v2/"), {}, "", "", false}));
  if (response.status == 404) {
    return MakeError(ErrorCode::kNotFound, registry_ + " is not an OCI registry (GET " + Url("/v2/") + " answered 404)");
  }
  // A registry that wants credentials for something challenges here
  // (distribution-spec end-1) and may still serve anonymous pulls (ours
  // with --submit-tokens does), also to a client whose credentials are for
  // another registry (`copy` has one set for both): go on, and let each
  // request say.
  if (response.status == 401) return Status::Ok();
  if (response.status != 200) return RegistryFailure("GET " + Url("/v2/"), response);
  return Status::Ok();
}

Result<std::vector<std::string>> RegistryClient::ListExtensions() {
  const std::string url = Url("/v2/_oci/ext/discover");
  SCITT_ASSIGN_OR_RETURN(http::Response response, Send({"GET", url, {}, "", "", false}));
  std::vector<std::string> out;
  if (response.status == 404) return out;
  if (response.status != 200) return RegistryFailure("GET " + url, response);
  const auto document = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  const auto extensions = document.is_object() ? document.find("extensions") : document.end();
  if (!document.is_object() || extensions == document.end() || !extensions->is_array()) {
    return MakeError(ErrorCode::kMalformed, "GET " + url + ": not an extension list");
  }
  for (const auto& extension : *extensions) {
    if (extension.is_object() && extension.contains("name") && extension["name"].is_string()) {
      out.push_back(extension["name"].get<std::string>());
    }
  }
  return out;
}

Result<FetchedManifest> RegistryClient::GetManifest(const std::string& repository, const std::string& reference) {
  const std::string url = Url("/v2/" + repository + "/manifests/" + reference);
  SCITT_ASSIGN_OR_RETURN(http::Response response,
                         Send({"GET", url, {{"Accept", kManifestAccept}}, "", repository, false}));
  if (response.status != 200) return RegistryFailure("GET " + url, response);
  FetchedManifest out;
  out.bytes = ToBytes(response.body);
  out.media_type = WithoutParameters(Header(response, "Content-Type").value_or(""));
  out.etag = Header(response, "ETag").value_or("");
  out.digest = registry::Digest::Sha256Of(out.bytes);
  auto check = [&](const registry::Digest& claimed, const char* where) -> Status {
    if (!Matches(claimed, out.bytes)) {
      return MakeError(ErrorCode::kVerificationFailed,
                       "GET " + url + ": the manifest does not match " + where + " " + claimed.ToString());
    }
    out.digest = claimed;
    return Status::Ok();
  };
  if (reference.find(':') != std::string::npos) {
    SCITT_ASSIGN_OR_RETURN(const registry::Digest pinned, registry::Digest::Parse(reference));
    SCITT_RETURN_IF_ERROR(check(pinned, "the digest asked for"));
  }
  if (const auto header = Header(response, "Docker-Content-Digest")) {
    auto claimed = registry::Digest::Parse(*header);
    if (claimed.ok()) SCITT_RETURN_IF_ERROR(check(*claimed, "its Docker-Content-Digest"));
  }
  auto parsed = registry::ParseManifest(out.media_type, out.bytes);
  if (!parsed.ok()) return MakeError(ErrorCode::kMalformed, "GET " + url + ": " + parsed.error().message);
  out.parsed = std::move(parsed).value();
  if (out.media_type.empty()) out.media_type = out.parsed.media_type;
  return out;
}

Result<PushedManifest> RegistryClient::PutManifest(const std::string& repository, const std::string& reference,
                                                   ByteView bytes, const std::string& media_type) {
  const std::string url = Url("/v2/" + repository + "/manifests/" + reference);
  SCITT_ASSIGN_OR_RETURN(http::Response response,
                         Send({"PUT", url, {{"Content-Type", media_type}}, ToString(bytes), repository, true}));
  if (response.status / 100 != 2) return RegistryFailure("PUT " + url, response);
  PushedManifest out;
  out.status = response.status;
  out.digest = registry::Digest::Sha256Of(bytes);
  if (const auto header = Header(response, "Docker-Content-Digest")) {
    auto claimed = registry::Digest::Parse(*header);
    if (!claimed.ok() || !Matches(*claimed, bytes)) {
      return MakeError(ErrorCode::kVerificationFailed,
                       "PUT " + url + ": the registry stored other bytes (Docker-Content-Digest " + *header + ")");
    }
  }
  out.subject_indexed = Header(response, "OCI-Subject").has_value();
  return out;
}

Result<bool> RegistryClient::HasBlob(const std::string& repository, const registry::Digest& digest) {
  const std::string url = Url("/v2/" + repository + "/blobs/" + digest.ToString());
  SCITT_ASSIGN_OR_RETURN(http::Response response, Send({"HEAD", url, {}, "", repository, false}));
  if (response.status == 200) return true;
  if (response.status == 404) return false;
  return RegistryFailure("HEAD " + url, response);
}

Status RegistryClient::PushBlob(const std::string& repository, const registry::Digest& digest, ByteView content) {
  if (!Matches(digest, content)) {
    return MakeError(ErrorCode::kInternal, "the blob to push does not match its digest " + digest.ToString());
  }
  return Upload(repository, digest, ToString(content), "");
}

Status RegistryClient::PushBlobFromFile(const std::string& repository, const registry::Digest& digest,
                                        const std::string& path) {
  return Upload(repository, digest, "", path);
}

Status RegistryClient::Upload(const std::string& repository, const registry::Digest& digest, std::string content,
                              std::string file) {
  SCITT_ASSIGN_OR_RETURN(const bool present, HasBlob(repository, digest));
  if (present) return Status::Ok();
  const std::string start = Url("/v2/" + repository + "/blobs/uploads/");
  SCITT_ASSIGN_OR_RETURN(http::Response session, Send({"POST", start, {}, "", repository, true}));
  const auto location = Header(session, "Location");
  if (session.status != 202 || !location) {
    if (session.status == 202) return MakeError(ErrorCode::kMalformed, "POST " + start + ": 202 without a Location");
    return RegistryFailure("POST " + start, session);
  }
  // The Location is opaque and may carry a query the client must keep.
  std::string url = http::ResolveUrl(start, *location);
  url += (url.find('?') == std::string::npos ? "?digest=" : "&digest=") + digest.ToString();
  // distribution 2.8.2 parses other body types as a form (reference §1.5).
  Request put{"PUT", url, {{"Content-Type", "application/octet-stream"}}, std::move(content), repository, true};
  put.upload_file = std::move(file);
  SCITT_ASSIGN_OR_RETURN(http::Response answer, Send(std::move(put)));
  if (answer.status != 201) return RegistryFailure("PUT " + url.substr(0, url.find('?')), answer);
  return Status::Ok();
}

Result<Bytes> RegistryClient::PullBlob(const std::string& repository, const registry::Descriptor& descriptor) {
  const std::string url = Url("/v2/" + repository + "/blobs/" + descriptor.digest.ToString());
  if (descriptor.size < 0 || static_cast<uint64_t>(descriptor.size) > options_.http.max_response_bytes) {
    return MakeError(ErrorCode::kUnsupported,
                     "blob " + descriptor.digest.ToString() + " is " + std::to_string(descriptor.size) +
                         " bytes, over the limit of " + std::to_string(options_.http.max_response_bytes) +
                         " for a blob read into memory");
  }
  SCITT_ASSIGN_OR_RETURN(http::Response response, Send({"GET", url, {}, "", repository, false}));
  if (response.status != 200) return RegistryFailure("GET " + url, response);
  if (response.body.size() != static_cast<size_t>(descriptor.size) || !Matches(descriptor.digest, AsBytes(response.body))) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "GET " + url + ": the blob does not match its descriptor's digest and size");
  }
  return ToBytes(response.body);
}

Status RegistryClient::PullBlobToFile(const std::string& repository, const registry::Descriptor& descriptor,
                                      const std::string& path) {
  const std::string url = Url("/v2/" + repository + "/blobs/" + descriptor.digest.ToString());
  const std::string partial = path + ".partial";
  Request get{"GET", url, {}, "", repository, false};
  get.download_file = partial;
  const uint64_t expected = static_cast<uint64_t>(std::max<int64_t>(descriptor.size, 0));
  get.download_limit = expected;
  auto fetched = [&]() -> Status {
    SCITT_ASSIGN_OR_RETURN(http::Response response, Send(std::move(get)));
    if (response.status != 200) return RegistryFailure("GET " + url, response);
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(partial, ec);
    SCITT_ASSIGN_OR_RETURN(const registry::Digest digest, DigestOfFile(partial, descriptor.digest.algorithm()));
    if (ec || size != expected || digest != descriptor.digest) {
      return MakeError(ErrorCode::kVerificationFailed,
                       "GET " + url + ": the blob does not match its descriptor's digest and size");
    }
    std::filesystem::rename(partial, path, ec);
    if (ec) return MakeError(ErrorCode::kIo, "cannot rename " + partial + ": " + ec.message());
    return Status::Ok();
  }();
  if (!fetched.ok()) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
  }
  return fetched;
}

Result<ReferrersListing> RegistryClient::ListReferrers(const std::string& repository, const registry::Digest& subject,
                                                       const std::optional<std::string>& artifact_type) {
  ReferrersListing out;
  std::string url = Url("/v2/" + repository + "/referrers/" + subject.ToString());
  // '+' in a media type would read as a space in a query: encode it.
  if (artifact_type) url += "?artifactType=" + http::PercentEncode(*artifact_type);
  std::set<std::string> seen;
  bool filtered = true;
  for (size_t page = 0;; ++page) {
    if (page == kMaxReferrerPages) {
      return MakeError(ErrorCode::kUnsupported, "the referrers of " + subject.ToString() + " span more than " +
                                                    std::to_string(kMaxReferrerPages) + " pages");
    }
    seen.insert(url);
    SCITT_ASSIGN_OR_RETURN(http::Response response,
                           Send({"GET", url, {{"Accept", std::string(registry::kOciIndex)}}, "", repository, false}));
    if (response.status == 404 && page == 0) break;  // no referrers API: the tag schema below
    if (response.status != 200) return RegistryFailure("GET " + url, response);
    auto index = registry::ParseManifest(WithoutParameters(Header(response, "Content-Type").value_or("")),
                                         AsBytes(response.body));
    if (!index.ok() || index->kind != registry::ManifestKind::kIndex) {
      return MakeError(ErrorCode::kMalformed, "GET " + url + ": not an image index");
    }
    if (Header(response, "OCI-Filters-Applied").value_or("").find("artifactType") == std::string::npos) {
      filtered = false;
    }
    for (auto& descriptor : index->manifests) out.referrers.push_back(std::move(descriptor));
    if (out.referrers.size() > kMaxReferrers) {
      return MakeError(ErrorCode::kUnsupported, subject.ToString() + " has more than " +
                                                    std::to_string(kMaxReferrers) + " referrers");
    }
    const auto link = Header(response, "Link");
    const std::optional<std::string> next = link ? NextPageLink(*link) : std::nullopt;
    if (!next) {
      if (!filtered) out.referrers = FilterByArtifactType(std::move(out.referrers), artifact_type);
      return out;
    }
    url = http::ResolveUrl(url, *next);
    if (seen.count(url) != 0) return MakeError(ErrorCode::kMalformed, "GET " + url + ": the Link leads back to a page already read");
  }
  // distribution-spec: on 404 the client reads the referrers tag; if that
  // is not a valid index, it assumes there are no referrers.
  out.from_referrers_tag = true;
  auto fallback = GetManifest(repository, registry::ReferrersTag(subject));
  if (!fallback.ok()) {
    if (fallback.error().code == ErrorCode::kNotFound || fallback.error().code == ErrorCode::kMalformed) return out;
    return fallback.error();
  }
  if (fallback->parsed.kind != registry::ManifestKind::kIndex) return out;
  if (fallback->parsed.manifests.size() > kMaxReferrers) {
    return MakeError(ErrorCode::kUnsupported,
                     subject.ToString() + " has more than " + std::to_string(kMaxReferrers) + " referrers");
  }
  out.referrers = FilterByArtifactType(std::move(fallback->parsed.manifests), artifact_type);
  return out;
}

Status RegistryClient::AddToReferrersTag(const std::string& repository, const registry::Digest& subject,
                                         const registry::Descriptor& referrer) {
  const std::string tag = registry::ReferrersTag(subject);
  for (int attempt = 1;; ++attempt) {
    std::optional<FetchedManifest> current;
    auto fetched = GetManifest(repository, tag);
    if (fetched.ok()) {
      current = std::move(fetched).value();
    } else if (fetched.error().code != ErrorCode::kNotFound) {
      return fetched.error();
    }
    auto index = AddToReferrersIndex(current ? std::optional<ByteView>(current->bytes) : std::nullopt,
                                     current ? current->media_type : "", referrer);
    if (!index.ok()) return MakeError(index.error().code, repository + ":" + tag + ": " + index.error().message);
    if (!*index) return Status::Ok();  // listed already
    const std::string url = Url("/v2/" + repository + "/manifests/" + tag);
    http::Headers headers = {{"Content-Type", std::string(registry::kOciIndex)}};
    // The spec allows a conditional update; distribution 2.8.2 ignores it,
    // a registry that honours it answers 412 when another client won.
    if (current && !current->etag.empty()) headers["If-Match"] = current->etag;
    SCITT_ASSIGN_OR_RETURN(http::Response response, Send({"PUT", url, headers, **index, repository, true}));
    if (response.status == 412 && attempt < kMaxTagUpdateAttempts) continue;
    if (response.status != 201) return RegistryFailure("PUT " + url, response);
    return Status::Ok();
  }
}

}  // namespace scitt::oci_client

#include "api/oci/oci_routes.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "api/dispatch.h"
#include "api/oci/oci_paths.h"
#include "api/oci/oci_streams.h"
#include "base/text.h"
#include "registry/scitt_profile.h"

namespace scitt::api {
namespace {

using registry::Digest;
using registry::OciCode;
using registry::OciError;

http::Response Json(int status, const std::string& body) {
  http::Response response;
  response.status = status;
  response.body = body;
  response.Set("Content-Type", "application/json");
  return response;
}

OciError Refuse(OciCode code, std::string message) { return OciError{code, std::move(message)}; }

// The repository name of a path, or NAME_INVALID.
std::optional<OciError> CheckName(const std::string& name) {
  if (registry::IsValidName(name)) return std::nullopt;
  return Refuse(OciCode::kNameInvalid, "invalid repository name \"" + ToValidUtf8(name).substr(0, 300) + "\"");
}

registry::OciResult<Digest> ParseDigest(std::string_view text) {
  auto digest = Digest::Parse(text);
  if (!digest.ok()) return Refuse(OciCode::kDigestInvalid, digest.error().message);
  return *digest;
}

std::string BlobLocation(const std::string& name, const Digest& digest) {
  return "/v2/" + name + "/blobs/" + digest.ToString();
}
std::string UploadLocation(const std::string& name, const std::string& upload) {
  return "/v2/" + name + "/blobs/uploads/" + upload;
}

// "Range: 0-<last byte>" of an upload holding `size` bytes (distribution-spec
// "Pushing a blob in chunks"; an empty upload says 0-0, as CNCF
// distribution does).
std::string UploadRange(uint64_t size) { return "0-" + std::to_string(size == 0 ? 0 : size - 1); }

// The Content-Range "<start>-<end>" (inclusive) of an upload chunk
// (distribution-spec "Pushing a blob in chunks"); nullopt when malformed.
struct ChunkRange {
  uint64_t start = 0;
  uint64_t end = 0;
};
std::optional<ChunkRange> ParseChunkRange(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::optional<uint64_t> start = ParseDecimal(text.substr(0, dash));
  const std::optional<uint64_t> end = ParseDecimal(text.substr(dash + 1));
  if (!start || !end || *end < *start) return std::nullopt;
  return ChunkRange{*start, *end};
}

// RFC 9110 §14.1.2 "bytes=" with one range: first-last, first-, or -suffix.
// nullopt: no Range (the whole blob); an error: 416.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};
// If-Match / If-None-Match on a manifest PUT (RFC 9110 §13.1.1-2): lists
// of entity tags, compared strongly, so a weak one (W/"…") never matches.
// An unquoted digest is taken as its entity tag, as some clients send it.
registry::Precondition ParsePrecondition(const http::Request& req) {
  auto entity_tags = [](std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
      const size_t comma = std::min(list.find(','), list.size());
      std::string_view item = list.substr(0, comma);
      list.remove_prefix(std::min(comma + 1, list.size()));
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item.starts_with("W/")) continue;
      if (item.size() >= 2 && item.front() == '"' && item.back() == '"') item = item.substr(1, item.size() - 2);
      if (!item.empty()) out.emplace_back(item);
    }
    return out;
  };
  registry::Precondition precondition;
  if (auto header = req.Header("If-Match")) precondition.if_match = entity_tags(*header);
  if (auto header = req.Header("If-None-Match")) {
    const auto listed = entity_tags(*header);
    precondition.if_none_match_any = std::find(listed.begin(), listed.end(), "*") != listed.end();
  }
  return precondition;
}

registry::OciResult<std::optional<ByteRange>> ParseRange(const std::optional<std::string>& header,
                                                         uint64_t size) {
  if (!header) return std::optional<ByteRange>();
  auto unsatisfiable = [&] {
    return Refuse(OciCode::kSizeInvalid, "range \"" + ToValidUtf8(*header).substr(0, 100) +
                                              "\" is not satisfiable for " + std::to_string(size) + " bytes");
  };
  const std::string_view text = *header;
  if (text.substr(0, 6) != "bytes=" || text.find(',') != std::string_view::npos) return unsatisfiable();
  const std::string_view spec = text.substr(6);
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return unsatisfiable();
  const std::string_view first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
  ByteRange range;
  if (first_text.empty()) {  // the last N bytes
    const std::optional<uint64_t> suffix = ParseDecimal(last_text);
    if (!suffix || *suffix == 0 || size == 0) return unsatisfiable();
    range.first = size - std::min(*suffix, size);
    range.last = size - 1;
    return std::optional<ByteRange>(range);
  }
  const std::optional<uint64_t> first = ParseDecimal(first_text);
  if (!first || *first >= size) return unsatisfiable();
  range.first = *first;
  range.last = size - 1;
  if (!last_text.empty()) {
    const std::optional<uint64_t> last = ParseDecimal(last_text);
    if (!last || *last < *first) return unsatisfiable();  // inverted
    range.last = std::min(*last, size - 1);
  }
  return std::optional<ByteRange>(range);
}

// Blobs (or ranges) up to this size are read whole and sent with the
// response's head, without a worker-pool round trip per piece; a single
// POST of up to this size is buffered and stored in one task, without an
// upload session.
constexpr uint64_t kInlineBlobBytes = 64 << 10;

// The body a BufferSink took (manifests, small single POSTs), or the one
// the server buffered (empty after an UploadSink that got no byte).
ByteView BufferedBody(const http::Request& req) {
  if (const auto* buffer = dynamic_cast<const http::BufferSink*>(req.body_stream.get())) return buffer->body();
  return AsBytes(req.body);
}

class OciRoutes {
 public:
  // How an upload request is answered: at once, or by the store once the
  // blob is durable (from any thread).
  using Answer = std::function<void(registry::OciResult<http::Response>)>;

  explicit OciRoutes(const OciDeps& deps) : deps_(deps) {}

  void Handle(http::Request req, http::Responder respond) const {
    const std::optional<OciPath> path = ParseOciPath(req.path);
    if (!path) {
      respond(OciErrorResponse(Refuse(OciCode::kNameUnknown, "no such endpoint: " + ToValidUtf8(req.path))));
      return;
    }
    if (path->endpoint == OciPath::Endpoint::kDiscover && path->name.empty()) {
      respond(Discover(req));
      return;
    }
    if (auto invalid = CheckName(path->name)) {
      respond(OciErrorResponse(*invalid));
      return;
    }
    if (path->endpoint == OciPath::Endpoint::kManifest && req.method == "PUT") {
      return PushManifest(req, *path, std::move(respond));
    }
    if (path->endpoint == OciPath::Endpoint::kUploads || path->endpoint == OciPath::Endpoint::kUpload) {
      Answer answer = [respond = std::move(respond)](registry::OciResult<http::Response> answer) {
        respond(answer.ok() ? std::move(*answer) : OciErrorResponse(answer.error()));
      };
      if (path->endpoint == OciPath::Endpoint::kUploads) return StartUpload(req, *path, answer);
      return Upload(req, *path, answer);
    }
    auto answer = [&]() -> registry::OciResult<http::Response> {
      switch (path->endpoint) {
        case OciPath::Endpoint::kBlob: return Blob(req, *path);
        case OciPath::Endpoint::kManifest: return Manifest(req, *path);
        case OciPath::Endpoint::kUploads:
        case OciPath::Endpoint::kUpload: break;  // answered above
        case OciPath::Endpoint::kTags: return Tags(req, *path);
        case OciPath::Endpoint::kReferrers: return Referrers(req, *path);
        case OciPath::Endpoint::kDiscover: return Discover(req);
        case OciPath::Endpoint::kScittStatements: return Statements(req, *path);
      }
      return Refuse(OciCode::kInternal, "unreachable");
    }();
    respond(answer.ok() ? std::move(*answer) : OciErrorResponse(answer.error()));
  }

 private:
  // A manifest PUT. One holding a statement is answered once the statement
  // is in the log, without holding a thread while it waits.
  void PushManifest(const http::Request& req, const OciPath& path, http::Responder respond) const {
    auto reference = registry::ParseTagOrDigest(path.last);
    if (!reference.ok()) {
      return respond(OciErrorResponse(Refuse(
          path.last.find(':') != std::string::npos ? OciCode::kDigestInvalid : OciCode::kTagInvalid,
          reference.error().message)));
    }
    std::vector<std::string> tags;
    const auto [begin, end] = req.query.equal_range("tag");
    for (auto it = begin; it != end; ++it) {
      if (!registry::IsValidTag(it->second)) {
        return respond(OciErrorResponse(
            Refuse(OciCode::kTagInvalid, "invalid tag \"" + ToValidUtf8(it->second).substr(0, 200) + "\"")));
      }
      tags.push_back(it->second);
    }
    const ByteView body = BufferedBody(req);
    const bool tagged = !tags.empty();
    const std::string name = path.name;
    deps_.registry->PutManifestAsync(
        path.name, *reference, tags, req.Header("Content-Type").value_or(""), body, ParsePrecondition(req),
        [respond = std::move(respond), tagged, name](registry::OciResult<registry::PushedManifest> pushed) {
          if (!pushed.ok()) return respond(OciErrorResponse(pushed.error()));
          http::Response response;
          response.status = 201;
          response.Set("Location", "/v2/" + name + "/manifests/" + pushed->digest.ToString());
          response.Set("Docker-Content-Digest", pushed->digest.ToString());
          // distribution-spec: a registry with the referrers API answers
          // OCI-Subject for every manifest with a subject.
          if (pushed->manifest.subject) response.Set("OCI-Subject", pushed->manifest.subject->digest.ToString());
          // distribution-spec: an OCI-Tag field for every accepted tag.
          if (tagged) {
            for (const std::string& tag : pushed->tags) response.repeated_headers.emplace_back("OCI-Tag", tag);
          }
          response.log_fields.emplace_back("digest", pushed->digest.ToString());
          if (pushed->entry) response.log_fields.emplace_back("entry", std::to_string(*pushed->entry));
          respond(std::move(response));
        });
  }

  // The upload sink that took the request's body, if one did.
  static const UploadSink* Streamed(const http::Request& req) {
    return dynamic_cast<const UploadSink*>(req.body_stream.get());
  }

  static registry::OciResult<http::Response> MethodNotAllowed(const http::Request& req,
                                                              const char* allow) {
    http::Response response = OciErrorResponse(
        Refuse(OciCode::kUnsupported, req.method + " is not supported here (" + allow + " are)"));
    response.status = 405;
    response.Set("Allow", allow);
    return response;
  }

  registry::OciResult<http::Response> Blob(const http::Request& req, const OciPath& path) const {
    auto digest = ParseDigest(path.last);
    if (!digest.ok()) return digest.error();
    registry::Registry& r = *deps_.registry;
    if (req.method == "DELETE") {
      auto deleted = r.DeleteBlob(path.name, *digest);
      if (!deleted.ok()) return deleted.error();
      http::Response response;
      response.status = 202;
      return response;
    }
    if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed(req, "GET, HEAD, DELETE");
    auto size = r.BlobSize(path.name, *digest);
    if (!size.ok()) return size.error();
    http::Response response;
    response.Set("Content-Type", "application/octet-stream");
    response.Set("Docker-Content-Digest", digest->ToString());
    response.Set("Accept-Ranges", "bytes");
    auto range = ParseRange(req.Header("Range"), *size);
    if (!range.ok()) {
      http::Response refused = OciErrorResponse(range.error());
      refused.status = 416;
      refused.Set("Content-Range", "bytes */" + std::to_string(*size));
      return refused;
    }
    const ByteRange span = range->value_or(ByteRange{0, *size == 0 ? 0 : *size - 1});
    const uint64_t length = *size == 0 ? 0 : span.last - span.first + 1;
    if (range->has_value()) {
      response.status = 206;
      response.Set("Content-Range", "bytes " + std::to_string(span.first) + "-" +
                                        std::to_string(span.last) + "/" + std::to_string(*size));
    }
    auto reader = r.OpenBlob(path.name, *digest);
    if (!reader.ok()) return reader.error();
    if (length <= kInlineBlobBytes) {
      // Small (a manifest, a statement, a config): read here, on the pool
      // already, and sent with the head; HEAD drops the body.
      response.body.resize(static_cast<size_t>(length));
      auto filled = (*reader)->ReadInto(
          span.first, std::span(reinterpret_cast<uint8_t*>(response.body.data()), response.body.size()));
      if (!filled.ok()) return filled.error();
      response.body.resize(*filled);
      return response;
    }
    // Streamed from the file on the worker pool, a piece at a time; for
    // HEAD the server sends the head alone, with the source's size.
    response.body_source = std::make_shared<BlobSource>(std::shared_ptr<const registry::BlobReader>(std::move(*reader)),
                                                        span.first, length, *deps_.work);
    return response;
  }

  registry::OciResult<http::Response> Manifest(const http::Request& req, const OciPath& path) const {
    auto reference = registry::ParseTagOrDigest(path.last);
    if (!reference.ok()) {
      return Refuse(path.last.find(':') != std::string::npos ? OciCode::kDigestInvalid : OciCode::kTagInvalid,
                    reference.error().message);
    }
    registry::Registry& r = *deps_.registry;
    if (req.method == "GET" || req.method == "HEAD") {
      auto stored = r.GetManifest(path.name, *reference);
      if (!stored.ok()) return stored.error();
      http::Response response;
      response.Set("Content-Type", stored->record.media_type);
      response.Set("Docker-Content-Digest", stored->record.digest.ToString());
      response.Set("ETag", "\"" + stored->record.digest.ToString() + "\"");
      response.body.assign(stored->content.begin(), stored->content.end());  // HEAD: the server drops it
      return response;
    }
    if (req.method == "DELETE") {
      auto deleted = r.DeleteManifest(path.name, *reference);
      if (!deleted.ok()) {
        if (deleted.error().code == OciCode::kUnsupported) {
          http::Response refused = OciErrorResponse(deleted.error());
          refused.status = 405;
          return refused;
        }
        return deleted.error();
      }
      http::Response response;
      response.status = 202;
      return response;
    }
    return MethodNotAllowed(req, "GET, HEAD, PUT, DELETE");
  }

  void StartUpload(const http::Request& req, const OciPath& path, const Answer& answer) const {
    if (req.method != "POST") return answer(MethodNotAllowed(req, "POST"));
    registry::Registry& r = *deps_.registry;
    if (const auto mount = req.Query("mount")) {
      auto digest = ParseDigest(*mount);
      if (!digest.ok()) return answer(digest.error());
      const std::optional<std::string> from = req.Query("from");
      if (from) {
        if (auto invalid = CheckName(*from)) return answer(*invalid);
      }
      auto mounted = r.Mount(path.name, *digest, from ? std::optional<std::string_view>(*from) : std::nullopt);
      if (!mounted.ok()) return answer(mounted.error());
      if (*mounted) return answer(BlobCreated(path.name, *digest));
      // Not mountable: a normal upload session (202) follows.
    }
    if (const auto* sink = Streamed(req); sink != nullptr && sink->upload()) {
      // Single POST whose body went to a session of its own as it arrived.
      auto digest = ParseDigest(req.Query("digest").value_or(""));
      if (!digest.ok()) {
        (void)r.CancelUpload(path.name, *sink->upload());
        return answer(digest.error());
      }
      return Finish(path.name, *sink->upload(), 0, {}, *digest, answer);
    }
    if (const auto digest_text = req.Query("digest")) {
      // Single POST of a body buffered whole (OciBodySink): stored at once.
      // A statement push's layer comes this way; a session of its own cost
      // it a second worker-pool task and the session's bookkeeping.
      auto digest = ParseDigest(*digest_text);
      if (!digest.ok()) return answer(digest.error());
      return r.PutBlobAsync(path.name, *digest, BufferedBody(req),
                            [answer, name = path.name, digest = *digest](registry::OciResult<uint64_t> stored) {
                              if (!stored.ok()) return answer(stored.error());
                              answer(BlobCreated(name, digest));
                            });
    }
    auto upload = r.StartUpload(path.name);
    if (!upload.ok()) return answer(upload.error());
    if (!req.body.empty()) {
      auto appended = r.AppendUpload(path.name, *upload, 0, AsBytes(req.body));
      if (!appended.ok()) return answer(appended.error());
    }
    http::Response response;
    response.status = 202;
    response.Set("Location", UploadLocation(path.name, *upload));
    response.Set("Docker-Upload-UUID", *upload);
    response.Set("Range", UploadRange(req.body.size()));
    answer(response);
  }

  void Upload(const http::Request& req, const OciPath& path, const Answer& answer) const {
    registry::Registry& r = *deps_.registry;
    const std::string& upload = path.last;
    if (req.method == "GET") {
      auto size = r.UploadSize(path.name, upload);
      if (!size.ok()) return answer(size.error());
      return answer(UploadStatus(204, path.name, upload, *size));
    }
    if (req.method == "DELETE") {
      auto cancelled = r.CancelUpload(path.name, upload);
      if (!cancelled.ok()) return answer(cancelled.error());
      http::Response response;
      response.status = 204;
      return answer(response);
    }
    if (req.method != "PATCH" && req.method != "PUT") {
      return answer(MethodNotAllowed(req, "GET, PATCH, PUT, DELETE"));
    }
    if (const auto* sink = Streamed(req); sink != nullptr && sink->upload()) {
      // The body is in the session already, written as it arrived.
      if (req.method == "PATCH") {
        auto size = r.UploadSize(path.name, upload);
        if (!size.ok()) return answer(size.error());
        return answer(UploadStatus(202, path.name, upload, *size));
      }
      auto digest = ParseDigest(req.Query("digest").value_or(""));
      if (!digest.ok()) return answer(digest.error());
      return Finish(path.name, upload, 0, {}, *digest, answer);
    }
    // Where this chunk starts: Content-Range "<start>-<end>" when sent
    // (chunked upload), else where the upload ends (streamed upload).
    uint64_t offset = 0;
    if (const auto content_range = req.Header("Content-Range")) {
      const std::optional<ChunkRange> range = ParseChunkRange(*content_range);
      if (!range || range->end - range->start + 1 != req.body.size()) {
        return answer(Refuse(OciCode::kUploadOutOfOrder,
                             "Content-Range \"" + ToValidUtf8(*content_range).substr(0, 100) +
                                 "\" does not describe the " + std::to_string(req.body.size()) + " bytes sent"));
      }
      offset = range->start;
    } else {
      auto current = r.UploadSize(path.name, upload);
      if (!current.ok()) return answer(current.error());
      offset = *current;
    }
    if (req.method == "PUT") {
      const auto digest_text = req.Query("digest");
      if (!digest_text) return answer(Refuse(OciCode::kDigestInvalid, "the closing PUT needs ?digest="));
      auto digest = ParseDigest(*digest_text);
      if (!digest.ok()) return answer(digest.error());
      return Finish(path.name, upload, offset, AsBytes(req.body), *digest, answer);
    }
    auto size = r.AppendUpload(path.name, upload, offset, AsBytes(req.body));
    if (!size.ok()) return answer(size.error());
    answer(UploadStatus(202, path.name, upload, *size));
  }

  // Answered once the blob is durable and linked, without holding this
  // worker while the stores sync.
  void Finish(const std::string& name, const std::string& upload, uint64_t offset, ByteView last_chunk,
              const Digest& digest, const Answer& answer) const {
    registry::Registry& r = *deps_.registry;
    if (!last_chunk.empty()) {
      auto appended = r.AppendUpload(name, upload, offset, last_chunk);
      if (!appended.ok()) return answer(appended.error());
    }
    r.FinishUploadAsync(name, upload, digest, [answer, name, digest](registry::OciResult<uint64_t> finished) {
      if (!finished.ok()) return answer(finished.error());
      answer(BlobCreated(name, digest));
    });
  }

  static http::Response BlobCreated(const std::string& name, const Digest& digest) {
    http::Response response;
    response.status = 201;
    response.Set("Location", BlobLocation(name, digest));
    response.Set("Docker-Content-Digest", digest.ToString());
    response.log_fields.emplace_back("digest", digest.ToString());
    return response;
  }

  static http::Response UploadStatus(int status, const std::string& name, const std::string& upload,
                                     uint64_t size) {
    http::Response response;
    response.status = status;
    response.Set("Location", UploadLocation(name, upload));
    response.Set("Docker-Upload-UUID", upload);
    response.Set("Range", UploadRange(size));
    return response;
  }

  // Up to `n` (or max_page_items) items; NAME/PAGINATION errors as the spec says.
  registry::OciResult<size_t> PageSize(const http::Request& req) const {
    const auto n = req.Query("n");
    if (!n) return deps_.max_page_items;
    const std::optional<uint64_t> parsed = ParseDecimal(*n);
    if (!parsed) {
      return Refuse(OciCode::kPaginationNumberInvalid, "n must be a non-negative decimal count");
    }
    return static_cast<size_t>(std::min<uint64_t>(*parsed, deps_.max_page_items));
  }

  registry::OciResult<http::Response> Tags(const http::Request& req, const OciPath& path) const {
    if (req.method != "GET") return MethodNotAllowed(req, "GET");
    auto limit = PageSize(req);
    if (!limit.ok()) return limit.error();
    const std::string last = req.Query("last").value_or("");
    // One more than asked says whether a next page exists.
    auto tags = deps_.registry->ListTags(path.name, last, *limit == 0 ? 0 : *limit + 1);
    if (!tags.ok()) return tags.error();
    const bool more = tags->size() > *limit;
    if (more) tags->resize(*limit);
    http::Response response = Json(200, nlohmann::json{{"name", path.name}, {"tags", *tags}}.dump());
    // distribution-spec: n=0 answers an empty list and no Link.
    if (more && *limit > 0) {
      response.Set("Link", "</v2/" + path.name + "/tags/list?n=" + std::to_string(*limit) +
                               "&last=" + tags->back() + ">; rel=\"next\"");
    }
    return response;
  }

  registry::OciResult<http::Response> Referrers(const http::Request& req, const OciPath& path) const {
    if (req.method != "GET") return MethodNotAllowed(req, "GET");
    auto subject = ParseDigest(path.last);
    if (!subject.ok()) return subject.error();
    const std::optional<std::string> artifact_type = req.Query("artifactType");
    std::string after;
    if (const auto last = req.Query("last")) {
      auto parsed = ParseDigest(*last);
      if (!parsed.ok()) return parsed.error();
      after = parsed->ToString();
    }
    const size_t limit = deps_.max_page_items;
    auto referrers = deps_.registry->ListReferrers(
        path.name, *subject, artifact_type ? std::optional<std::string_view>(*artifact_type) : std::nullopt,
        after, limit + 1);
    if (!referrers.ok()) return referrers.error();
    const bool more = referrers->size() > limit;
    if (more) referrers->resize(limit);
    http::Response response;
    response.body = registry::EncodeIndex(*referrers);
    response.Set("Content-Type", std::string(registry::kOciIndex));
    if (artifact_type) response.Set("OCI-Filters-Applied", "artifactType");
    if (more) {
      std::string next = "</v2/" + path.name + "/referrers/" + subject->ToString() +
                         "?last=" + referrers->back().digest.ToString();
      // Media types hold no characters that need escaping in a query
      // except '+', which a query reads as a space.
      if (artifact_type) {
        std::string escaped;
        for (char c : *artifact_type) escaped += c == '+' ? std::string("%2B") : std::string(1, c);
        next += "&artifactType=" + escaped;
      }
      response.Set("Link", next + ">; rel=\"next\"");
    }
    return response;
  }

  // distribution-spec extensions/_oci.md: the extensions this registry
  // serves, registry-wide and per repository (the same list).
  static http::Response Discover(const http::Request& req) {
    if (req.method != "GET") return OciErrorResponse(Refuse(OciCode::kUnsupported, "discover is GET only"));
    const nlohmann::json scitt = {
        {"name", "_scitt"},
        {"url", "https://datatracker.ietf.org/doc/draft-ietf-scitt-scrapi/"},
        {"description",
         "SCITT transparency service: SCRAPI under /v2/_scitt/ (as at the root), and per repository the "
         "statements about a subject with their receipts"},
        {"endpoints", {"_scitt/entries", "_scitt/entries/{id}", "_scitt/entries/{id}/statement",
                       "_scitt/operations/{id}", "_scitt/.well-known/transparency-configuration",
                       "_scitt/.well-known/scitt-keys", "<name>/_scitt/statements/{digest}"}}};
    return Json(200, nlohmann::json{{"extensions", nlohmann::json::array({scitt})}}.dump());
  }

  // The statements about `digest` in the repository (referrers with the
  // statement artifact type), each with its receipt manifests and entries.
  registry::OciResult<http::Response> Statements(const http::Request& req, const OciPath& path) const {
    if (req.method != "GET") return MethodNotAllowed(req, "GET");
    auto subject = ParseDigest(path.last);
    if (!subject.ok()) return subject.error();
    registry::Registry& r = *deps_.registry;
    auto statements = r.ListReferrers(path.name, *subject, registry::kStatementArtifactType, "",
                                      deps_.max_page_items);
    if (!statements.ok()) return statements.error();
    nlohmann::json list = nlohmann::json::array();
    for (const registry::Descriptor& statement : *statements) {
      auto receipts = r.ListReferrers(path.name, statement.digest, registry::kReceiptArtifactType, "",
                                      deps_.max_page_items);
      if (!receipts.ok()) return receipts.error();
      nlohmann::json receipt_list = nlohmann::json::array();
      for (const registry::Descriptor& receipt : *receipts) {
        nlohmann::json item = {{"manifest", receipt.digest.ToString()}};
        if (auto entry = receipt.annotations.find(std::string(registry::kEntryAnnotation));
            entry != receipt.annotations.end()) {
          if (const std::optional<uint64_t> index = ParseDecimal(entry->second)) item["entry"] = *index;
        }
        receipt_list.push_back(std::move(item));
      }
      list.push_back({{"manifest", statement.digest.ToString()},
                      {"size", statement.size},
                      {"annotations", statement.annotations},
                      {"receipts", std::move(receipt_list)}});
    }
    return Json(200, nlohmann::json{{"subject", subject->ToString()}, {"statements", std::move(list)}}.dump());
  }

  const OciDeps deps_;
};

}  // namespace

bool IsOciPath(std::string_view path) {
  return path.rfind("/v2/", 0) == 0 && path.rfind("/v2/_scitt/", 0) != 0;
}

http::Response OciErrorResponse(const OciError& error) {
  int status = 500;
  switch (error.code) {
    case OciCode::kBlobUnknown:
    case OciCode::kBlobUploadUnknown:
    case OciCode::kManifestUnknown:
    case OciCode::kNameUnknown: status = 404; break;
    case OciCode::kBlobUploadInvalid:
    case OciCode::kDigestInvalid:
    case OciCode::kManifestBlobUnknown:
    case OciCode::kManifestInvalid:
    case OciCode::kNameInvalid:
    case OciCode::kSizeInvalid:
    case OciCode::kTagInvalid:
    case OciCode::kPaginationNumberInvalid: status = 400; break;
    case OciCode::kUnauthorized: status = 401; break;
    case OciCode::kDenied: status = 403; break;
    case OciCode::kUnsupported: status = 405; break;
    case OciCode::kTooManyRequests: status = 429; break;
    case OciCode::kUploadOutOfOrder: status = 416; break;
    case OciCode::kTooLarge: status = 413; break;
    case OciCode::kPreconditionFailed: status = 412; break;
    case OciCode::kUnavailable: status = 503; break;
    case OciCode::kInternal: status = 500; break;
  }
  http::Response response = Json(status, registry::EncodeErrors(error));
  if (status == 503 || status == 429) response.Set("Retry-After", "1");
  response.log_fields.emplace_back("oci_error", std::string(registry::OciCodeName(error.code)));
  return response;
}

std::shared_ptr<http::BodySink> OciBodySink(const OciDeps& deps, const http::Request& head) {
  if (!IsOciPath(head.path)) return nullptr;
  const std::optional<OciPath> path = ParseOciPath(head.path);
  if (!path || !registry::IsValidName(path->name)) return nullptr;  // refused by the handler
  if (path->endpoint == OciPath::Endpoint::kManifest && head.method == "PUT") {
    return std::make_shared<http::BufferSink>(deps.max_manifest_bytes);
  }
  const bool session = path->endpoint == OciPath::Endpoint::kUpload && (head.method == "PATCH" || head.method == "PUT");
  const bool single_post = path->endpoint == OciPath::Endpoint::kUploads && head.method == "POST" &&
                           head.Query("digest") && !head.Query("mount");
  if (!session && !single_post) return nullptr;
  if (single_post && !head.Header("Content-Range")) {
    const std::optional<uint64_t> length = ParseDecimal(head.Header("Content-Length").value_or(""));
    if (length && *length <= kInlineBlobBytes) {
      return std::make_shared<http::BufferSink>(std::min(*length, deps.max_blob_bytes), *length);
    }
  }
  std::optional<uint64_t> start;
  if (const auto content_range = head.Header("Content-Range")) {
    const std::optional<ChunkRange> range = ParseChunkRange(*content_range);
    if (!range) return nullptr;  // buffered, and refused by the handler
    start = range->start;
  }
  return std::make_shared<UploadSink>(*deps.registry, *deps.work, path->name,
                                      session ? std::optional<std::string>(path->last) : std::nullopt, start,
                                      deps.max_blob_bytes);
}

http::Response RenderRefusal(const http::Request* head, int status, std::string_view title,
                             std::string_view detail) {
  if (head == nullptr || !IsOciPath(head->path)) return http::ProblemDetails(status, title, detail);
  OciCode code = OciCode::kInternal;
  if (status == 413 || status == 431) code = OciCode::kTooLarge;
  if (status == 400 || status == 501) code = OciCode::kUnsupported;
  http::Response response = OciErrorResponse({code, std::string(title) + ": " + std::string(detail)});
  response.status = status;
  return response;
}

void AddOciRoutes(const OciDeps& deps, http::Router& router) {
  // distribution-spec end-1: the API version check.
  router.Add("GET", "/v2/", [](http::Request, http::Responder respond) {
    http::Response response = Json(200, "{}");
    response.Set("Docker-Distribution-API-Version", "registry/2.0");
    respond(std::move(response));
  });
  auto routes = std::make_shared<const OciRoutes>(deps);
  auto handle = [routes](http::Request req, http::Responder respond) {
    routes->Handle(std::move(req), std::move(respond));
  };
  auto busy = [] { return OciErrorResponse(Refuse(OciCode::kUnavailable, "the registry is busy; retry shortly")); };
  http::Handler on_work = OnPool(*deps.work, handle, busy);
  http::Handler on_checks = OnPool(*deps.checks, handle, busy);
  for (const char* method : {"GET", "HEAD", "POST", "PATCH", "DELETE"}) {
    router.Add(method, "/v2/{path...}", on_work);
  }
  router.Add("PUT", "/v2/{path...}", [on_work, on_checks](http::Request req, http::Responder respond) {
    const std::optional<OciPath> path = ParseOciPath(req.path);
    const bool manifest = path && path->endpoint == OciPath::Endpoint::kManifest;
    (manifest ? on_checks : on_work)(std::move(req), std::move(respond));
  });
}

}  // namespace scitt::api

// The registry's upload state machine and manifest store driven by
// arbitrary operation sequences (registry/registry.h over the embedded blob
// files and registry.kv in a temporary directory). Invariants: a blob is
// only ever committed under the digest of its bytes and read back exactly;
// a stored manifest reads back byte for byte; refusals never leave state
// that a later operation trips over.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "registry/registry.h"
#include "storage/embedded/blob_files.h"
#include "storage/embedded/registry_kv.h"

namespace {

using namespace scitt;
using namespace scitt::registry;

struct Fixture {
  Fixture() {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-fuzz-XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
    storage::BlobFilesOptions options;
    options.max_uploads = 8;
    blobs = std::move(*storage::BlobFiles::Open(dir, options));
    store = std::move(*storage::RegistryKv::Open(dir + "/registry.kv"));
    RegistryOptions registry_options;
    registry_options.max_manifest_bytes = 4096;
    registry = std::make_unique<Registry>(*blobs, *store, registry_options);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
  std::string dir;
  std::unique_ptr<storage::BlobFiles> blobs;
  std::unique_ptr<storage::RegistryKv> store;
  std::unique_ptr<Registry> registry;
};

struct Reader {
  const uint8_t* data;
  size_t size;
  uint8_t Byte() {
    if (size == 0) return 0;
    --size;
    return *data++;
  }
  ByteView Bytes(size_t n) {
    n = std::min(n, size);
    ByteView out(data, n);
    data += n;
    size -= n;
    return out;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;  // one directory per process, reused, removed at exit
  Registry& r = *fixture.registry;
  static const char* kRepos[] = {"a", "b/c"};
  Reader in{data, size};
  std::vector<std::string> uploads;
  std::map<std::string, scitt::Bytes> pushed;  // upload id -> bytes appended so far
  while (in.size > 0) {
    const uint8_t op = in.Byte();
    const std::string repo = kRepos[op & 1];
    switch ((op >> 1) % 7) {
      case 0: {  // start
        auto upload = r.StartUpload(repo);
        if (upload.ok()) {
          uploads.push_back(*upload);
          pushed[*upload];
        }
        break;
      }
      case 1: {  // append, at the right offset or not
        if (uploads.empty()) break;
        const std::string& id = uploads[in.Byte() % uploads.size()];
        const ByteView chunk = in.Bytes(in.Byte());
        const bool wrong_offset = in.Byte() & 1;
        const uint64_t offset = pushed[id].size() + (wrong_offset ? 1 : 0);
        auto size_after = r.AppendUpload(repo, id, offset, chunk);
        if (size_after.ok()) {
          if (wrong_offset) __builtin_trap();
          pushed[id].insert(pushed[id].end(), chunk.begin(), chunk.end());
          if (*size_after != pushed[id].size()) __builtin_trap();
        }
        break;
      }
      case 2: {  // finish, with the right digest or not
        if (uploads.empty()) break;
        const std::string id = uploads[in.Byte() % uploads.size()];
        const bool right = in.Byte() & 1;
        const Digest digest = right ? Digest::Sha256Of(pushed[id]) : Digest::Sha256Of(AsBytes(id));
        auto finished = r.FinishUpload(repo, id, digest);
        if (finished.ok()) {
          auto reader = r.OpenBlob(repo, digest);
          if (!reader.ok()) __builtin_trap();
          auto back = (*reader)->Read(0, static_cast<size_t>((*reader)->size()));
          if (!back.ok() || Digest::Sha256Of(*back) != digest) __builtin_trap();
        }
        break;
      }
      case 3: {  // cancel
        if (uploads.empty()) break;
        (void)r.CancelUpload(repo, uploads[in.Byte() % uploads.size()]);
        break;
      }
      case 4: {  // push a manifest of fuzzed bytes
        const ByteView content = in.Bytes(static_cast<size_t>(in.Byte()) * 8);
        static const char* kTypes[] = {"application/vnd.oci.image.manifest.v1+json",
                                       "application/vnd.oci.image.index.v1+json", ""};
        auto put = r.PutManifest(repo, *ParseTagOrDigest("t"), {}, kTypes[in.Byte() % 3], content);
        if (put.ok()) {
          auto got = r.GetManifest(repo, *ParseTagOrDigest(put->digest.ToString()));
          if (!got.ok() || got->content != scitt::Bytes(content.begin(), content.end())) __builtin_trap();
          if (put->manifest.subject) {
            (void)r.ListReferrers(repo, put->manifest.subject->digest, std::nullopt, "", 100);
          }
        }
        break;
      }
      case 5: {  // read the tag back, delete it or the manifest
        auto got = r.GetManifest(repo, *ParseTagOrDigest("t"));
        if (got.ok() && (in.Byte() & 1)) {
          (void)r.DeleteManifest(repo, *ParseTagOrDigest(got->record.digest.ToString()));
        }
        break;
      }
      case 6: {  // mount from the other repository
        if (pushed.empty()) break;
        auto it = pushed.begin();
        std::advance(it, in.Byte() % pushed.size());
        (void)r.Mount(repo, Digest::Sha256Of(it->second), std::string_view(kRepos[(op & 1) ^ 1]));
        break;
      }
    }
  }
  for (const std::string& id : uploads) (void)r.CancelUpload("a", id), (void)r.CancelUpload("b/c", id);
  return 0;
}

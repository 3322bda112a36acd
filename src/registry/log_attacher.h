// One mechanism, both directions (docs/scitt-in-oci.md): a statement pushed
// as a manifest is registered by its push (Registry::PutManifest), and a
// statement registered by POST /entries whose subject (CWT sub) names a
// manifest of this registry is attached to it here, by following the log:
// a statement manifest written by the service and its receipt manifest
// become referrers of the manifest in every repository holding it (or in
// the one the subject names). Runs under a log::LogFollower, with its
// cursor saved in the RegistryStore, so a crash or restart attaches what
// it missed.
#pragma once

#include <chrono>
#include <mutex>

#include "log/log_follower.h"
#include "log/transparency_log.h"
#include "registry/registry.h"
#include "registry/registry_store.h"

namespace scitt::registry {

class LogAttacher final : public log::EntryConsumer {
 public:
  // The follower's name in the store.
  static constexpr std::string_view kFollower = "registry-attach";
  // A bare-digest subject is attached in at most this many repositories.
  static constexpr size_t kMaxRepositories = 64;
  // How long an entry waits for a push of it to be stored (a few
  // milliseconds normally) before Consume fails and it is offered again.
  static constexpr std::chrono::milliseconds kPushWait{10'000};

  // All three must outlive this.
  LogAttacher(Registry& registry, RegistryStore& store, const log::TransparencyLog& log)
      : registry_(registry), store_(store), log_(log) {}

  Result<uint64_t> Cursor() override { return store_.FollowerCursor(kFollower); }
  // Entries can only be attached to manifests: none stored, none wanted.
  bool Wants(uint64_t size) override;
  // Also called when a manifest is pushed, for the statements about it
  // registered before (service.cc). Attachments are made one at a time, so
  // that an entry is attached once, with one receipt. Waits while a push of
  // the entry is being stored (Registry::WaitWhilePushing).
  Status Consume(log::LogEntry entry) override;
  Status SaveCursor(uint64_t next) override { return store_.SaveFollowerCursor(kFollower, next); }

 private:
  Registry& registry_;
  RegistryStore& store_;
  const log::TransparencyLog& log_;
  std::mutex mu_;  // one attachment at a time
};

}  // namespace scitt::registry

#include "registry/log_attacher.h"

#include "cose/sign1.h"
#include "registry/scitt_profile.h"

namespace scitt::registry {

bool LogAttacher::Wants(uint64_t) {
  auto holds = store_.HoldsManifests();
  return !holds.ok() || *holds;  // on an error, read the entries (and fail there)
}

Status LogAttacher::Consume(log::LogEntry entry) {
  // Not every entry is about an OCI manifest (a purl, a URI): those pass.
  auto statement = log::TakeStatement(entry);  // taken, not copied
  if (!statement.ok()) return Status::Ok();
  const cose::HeaderMap& headers = statement->protected_headers();
  if (!headers.cwt || !headers.cwt->sub) return Status::Ok();
  const std::optional<OciSubject> subject = ParseOciSubject(*headers.cwt->sub);
  if (!subject) return Status::Ok();

  std::vector<std::string> repositories;
  if (subject->repository) {
    repositories.push_back(*subject->repository);
  } else {
    SCITT_ASSIGN_OR_RETURN(repositories, store_.RepositoriesWithManifest(subject->digest, kMaxRepositories));
  }
  std::optional<Bytes> receipt;
  const Annotations annotations = StatementAnnotations(*statement);
  for (const std::string& repository : repositories) {
    SCITT_ASSIGN_OR_RETURN(std::optional<ManifestRecord> target, store_.GetManifest(repository, subject->digest));
    if (!target) continue;
    // Waited for outside mu_: a push still being stored attaches the entry
    // itself, and one that fails leaves it to us. Passed over, it would
    // stay unattached; an error offers it again later.
    if (!registry_.WaitWhilePushing(repository, entry.entry_hash, kPushWait)) {
      return MakeError(ErrorCode::kUnavailable, "entry " + std::to_string(entry.index) + " is still being pushed to " +
                                                    repository);
    }
    if (!receipt) {
      SCITT_ASSIGN_OR_RETURN(receipt, log_.InclusionReceipt(entry.index));
    }
    const Descriptor described{target->media_type, target->digest, static_cast<int64_t>(target->size),
                               std::nullopt, {}, {}};
    std::lock_guard lock(mu_);
    auto attached = registry_.AttachLoggedStatement(repository, described, statement->encoded(), annotations,
                                                    entry.index, entry.entry_hash, *receipt);
    if (!attached.ok()) {
      return MakeError(attached.error().code == OciCode::kUnavailable ? ErrorCode::kUnavailable : ErrorCode::kIo,
                       "attaching entry " + std::to_string(entry.index) + " in " + repository + ": " +
                           attached.error().message);
    }
  }
  return Status::Ok();
}

}  // namespace scitt::registry

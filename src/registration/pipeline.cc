#include "registration/pipeline.h"

#include <ctime>
#include <utility>

#include "registration/refusals.h"

namespace scitt::registration {

Pipeline::Pipeline(std::shared_ptr<const Registrar> registrar, log::TransparencyLog& log,
                   uint64_t policy_index, PipelineOptions options)
    : registrar_(std::move(registrar)), log_(log), policy_index_(policy_index), options_(std::move(options)) {}

int64_t Pipeline::Now() const {
  return options_.clock ? options_.clock() : static_cast<int64_t>(std::time(nullptr));
}

std::variant<Submitted, Refusal, Error> Pipeline::Register(Bytes statement, Done done) {
  const int64_t now = Now();
  return Submit(registrar_->Check(std::move(statement), now), now, std::move(done));
}

std::variant<Submitted, Refusal, Error> Pipeline::Register(std::shared_ptr<MappedBytes> statement, Done done) {
  const int64_t now = Now();
  return Submit(registrar_->Check(std::move(statement), now), now, std::move(done));
}

std::variant<Submitted, Refusal, Error> Pipeline::Submit(std::variant<Accepted, Refusal> checked, int64_t now,
                                                         Done done) {
  if (auto* refusal = std::get_if<Refusal>(&checked)) return std::move(*refusal);
  Accepted& accepted = std::get<Accepted>(checked);
  if (accepted.payload_location && options_.payload_locations != nullptr) {
    if (auto wrong = options_.payload_locations->Check(*accepted.payload_location)) {
      return Refusal{RefusalCode::kInvalid, title::kRejected, std::move(*wrong), "payload_location"};
    }
  }

  const size_t bytes = accepted.registered_bytes().size() + accepted.collateral.size();
  // Reserve first, then check: concurrent callers never overshoot together.
  const size_t before = pending_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (before > 0 && before + bytes > options_.max_pending_bytes) {
    pending_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    return MakeError(ErrorCode::kUnavailable,
                     "too many statements are waiting for the log (" + std::to_string(before) +
                         " bytes); retry shortly");
  }

  // The operation is named by the signed content, the log's duplicate key: a
  // resubmission (or an ECDSA-malleated copy, whose entry hash differs)
  // finds the entry it became.
  Submitted submitted{HexEncode(accepted.signed_content)};
  operations_.Start(submitted.operation_id);
  log::LogEntry entry;
  entry.entry_hash = accepted.entry_hash;
  entry.signed_content = accepted.signed_content;
  entry.statement = std::move(accepted.registered_statement);
  entry.mapped_statement = std::move(accepted.mapped_registered_statement);
  entry.collateral = std::move(accepted.collateral);
  entry.registered_at = now;
  entry.policy_index = policy_index_;
  log_.Submit(std::move(entry), [this, bytes, id = submitted.operation_id,
                                 done = std::move(done)](Result<log::Appended> appended) {
    pending_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    if (!appended.ok()) {
      operations_.Fail(id, appended.error().message);
      return done(appended.error());
    }
    operations_.Complete(id);
    done(Registered{appended->index, appended->existed, std::move(appended->receipt)});
  });
  return submitted;
}

}  // namespace scitt::registration

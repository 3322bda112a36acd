#include "gates/verdict_record.h"

#include <future>
#include <memory>

#include "base/text.h"

namespace scitt::gates {

nlohmann::json VerdictDocument(const AdmissionRequest& request, GateMode mode, const ImageDecision& decision,
                               int64_t appraised_at) {
  nlohmann::json out = decision.verdict ? appraisal::DescribeVerdict(*decision.verdict) : nlohmann::json::object();
  out["admission"] = {{"uid", request.uid},           {"kind", request.kind},
                      {"namespace", request.kubernetes_namespace}, {"name", request.name},
                      {"operation", request.operation}, {"user", request.user}};
  out["mode"] = GateModeName(mode);
  out["image"] = decision.image;
  out["digest"] = decision.digest;
  out["policy_entry"] = decision.policy_entry ? nlohmann::json(*decision.policy_entry) : nlohmann::json();
  out["appraised_at"] = FormatUtc(appraised_at);
  if (!decision.verdict) {
    out["decision"] = "error";
    out["error"] = decision.error;
  }
  return out;
}

std::vector<std::optional<uint64_t>> RecordVerdicts(log::TransparencyLog& log,
                                                    const registration::ServiceSigner& signer,
                                                    const AdmissionRequest& request, GateMode mode,
                                                    const std::vector<ImageDecision>& decisions, int64_t now,
                                                    std::chrono::milliseconds wait) {
  std::vector<std::future<std::optional<uint64_t>>> pending;
  for (const ImageDecision& decision : decisions) {
    auto done = std::make_shared<std::promise<std::optional<uint64_t>>>();
    pending.push_back(done->get_future());
    const std::string json =
        VerdictDocument(request, mode, decision, decision.appraised_at)
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string subject = decision.digest.empty() ? decision.image : decision.digest;
    auto entry = registration::ServiceStatementEntry(signer, subject, json, now, kVerdictContentType);
    if (!entry.ok()) {
      done->set_value(std::nullopt);
      continue;
    }
    log.Submit(std::move(*entry), [done](Result<log::Appended> appended) {
      done->set_value(appended.ok() ? std::optional<uint64_t>(appended->index) : std::nullopt);
    });
  }
  std::vector<std::optional<uint64_t>> out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (auto& future : pending) {
    out.push_back(future.wait_until(deadline) == std::future_status::ready ? future.get() : std::nullopt);
  }
  return out;
}

}  // namespace scitt::gates

#include "gates/gate_config.h"

#include <nlohmann/json.hpp>

#include "base/json.h"

namespace scitt::gates {
namespace {

Error Invalid(const std::string& message) { return MakeError(ErrorCode::kInvalidArgument, "gate configuration: " + message); }

Result<uint64_t> EntryAt(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number_unsigned()) return Invalid(where + " must be a log entry index");
  return value.get<uint64_t>();
}

Result<GateMode> ModeAt(const nlohmann::json& value, const std::string& where) {
  if (value.is_string()) {
    for (GateMode mode : {GateMode::kEnforce, GateMode::kWarn, GateMode::kAudit, GateMode::kOff}) {
      if (value.get_ref<const std::string&>() == GateModeName(mode)) return mode;
    }
  }
  return Invalid(where + " must be \"enforce\", \"warn\", \"audit\" or \"off\"");
}

Result<std::vector<std::string>> HostsAt(const nlohmann::json& value, const std::string& where) {
  if (!value.is_array()) return Invalid(where + " must be an array of \"host[:port]\"");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      return Invalid(where + " must be an array of \"host[:port]\"");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view GateModeName(GateMode mode) {
  switch (mode) {
    case GateMode::kEnforce: return "enforce";
    case GateMode::kWarn: return "warn";
    case GateMode::kAudit: return "audit";
    case GateMode::kOff: return "off";
  }
  return "enforce";
}

GateChoice ChoiceFor(const GateConfig& config, std::string_view kubernetes_namespace) {
  GateChoice out{config.policy_entry, config.mode};
  if (auto it = config.namespaces.find(kubernetes_namespace); it != config.namespaces.end()) {
    if (it->second.policy_entry) out.policy_entry = it->second.policy_entry;
    if (it->second.mode) out.mode = *it->second.mode;
  }
  return out;
}

Result<GateConfig> ParseGateConfig(ByteView json) {
  auto parsed = ParseStrictJson(json, 8);
  if (!parsed.ok()) return Invalid(parsed.error().message);
  const nlohmann::json& doc = *parsed;
  if (!doc.is_object()) return Invalid("must be a JSON object");
  GateConfig out;
  for (const auto& [key, value] : doc.items()) {
    if (key == "policy_entry") {
      SCITT_ASSIGN_OR_RETURN(out.policy_entry, EntryAt(value, key));
    } else if (key == "mode") {
      SCITT_ASSIGN_OR_RETURN(out.mode, ModeAt(value, key));
    } else if (key == "namespaces") {
      if (!value.is_object()) return Invalid("namespaces must map namespace names to {policy_entry, mode}");
      for (const auto& [name, rule] : value.items()) {
        const std::string where = "namespaces." + name.substr(0, 100);
        if (!rule.is_object()) return Invalid(where + " must be an object");
        NamespaceGate gate;
        for (const auto& [field, setting] : rule.items()) {
          if (field == "policy_entry") {
            SCITT_ASSIGN_OR_RETURN(gate.policy_entry, EntryAt(setting, where + ".policy_entry"));
          } else if (field == "mode") {
            SCITT_ASSIGN_OR_RETURN(gate.mode, ModeAt(setting, where + ".mode"));
          } else {
            return Invalid("unknown field " + where + "." + field.substr(0, 100));
          }
        }
        out.namespaces.emplace(name, gate);
      }
    } else if (key == "local_registries") {
      SCITT_ASSIGN_OR_RETURN(out.local_registries, HostsAt(value, key));
    } else if (key == "plain_http_registries") {
      SCITT_ASSIGN_OR_RETURN(out.plain_http_registries, HostsAt(value, key));
    } else if (key == "record_verdicts") {
      if (!value.is_boolean()) return Invalid("record_verdicts must be true or false");
      out.record_verdicts = value.get<bool>();
    } else if (key == "resolve_timeout_s") {
      if (!value.is_number_unsigned() || value.get<uint64_t>() < 1 || value.get<uint64_t>() > 30) {
        return Invalid("resolve_timeout_s must be a whole number of seconds from 1 to 30");
      }
      out.resolve_timeout_s = value.get<int64_t>();
    } else if (key == "decision_timeout_s") {
      if (!value.is_number_unsigned() || value.get<uint64_t>() < 1 || value.get<uint64_t>() > 30) {
        return Invalid("decision_timeout_s must be a whole number of seconds from 1 to 30");
      }
      out.decision_timeout_s = value.get<int64_t>();
    } else {
      return Invalid("unknown field \"" + key.substr(0, 100) + "\"");
    }
  }
  return out;
}

}  // namespace scitt::gates

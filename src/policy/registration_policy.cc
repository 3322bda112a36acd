#include "policy/registration_policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "crypto/algorithm.h"
#include "policy/policy_script.h"
#include "policy/script_arguments.h"

namespace scitt::policy {

enum class HashEnvelopeRule { kOptional, kRequired, kForbidden };

struct RegistrationPolicy::Rules {
  std::optional<std::vector<int64_t>> allowed_algorithms;  // COSE ids; nullopt: all
  // The "issuers" rule is in force when either list is set.
  std::optional<std::vector<std::string>> exact_issuers;
  std::optional<std::vector<std::string>> issuer_prefixes;
  std::optional<std::vector<std::string>> subjects;  // '*' patterns
  std::optional<std::vector<std::string>> content_types;
  std::optional<std::vector<std::string>> preimage_content_types;
  HashEnvelopeRule hash_envelope = HashEnvelopeRule::kOptional;
  std::optional<uint64_t> max_payload_bytes;
  bool allow_duplicates = false;
  std::unique_ptr<PolicyScript> script;
  std::string canonical_json;
};

namespace {

using nlohmann::json;

Error PolicyError(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, "registration policy: " + std::move(message));
}

// Parses strictly: a key given twice in one object is an error (nlohmann
// would silently keep the last one).
Result<json> ParseStrictJson(std::string_view text) {
  std::vector<std::set<std::string>> keys_by_depth;
  std::string duplicate;
  json::parser_callback_t check = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys_by_depth.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      keys_by_depth.pop_back();
    } else if (event == json::parse_event_t::key && duplicate.empty()) {
      if (!keys_by_depth.back().insert(parsed.get<std::string>()).second) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  json document;
  try {
    document = json::parse(text.begin(), text.end(), check);
  } catch (const json::exception& e) {
    return PolicyError(std::string("not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) return PolicyError("key \"" + duplicate + "\" appears twice");
  return document;
}

// A non-empty array of strings: an empty list would refuse every statement,
// which is never what an operator means (leave the rule out to allow all).
Result<std::vector<std::string>> StringList(const json& value, const std::string& name) {
  if (!value.is_array() || value.empty()) {
    return PolicyError("\"" + name + "\" must be a non-empty array of strings");
  }
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) return PolicyError("\"" + name + "\" must contain only strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string SupportedAlgorithmNames() {
  std::vector<std::string> names;
  for (int64_t id : {-7, -35, -36, -8, -37, -38, -39}) {
    names.emplace_back(crypto::AlgorithmName(*crypto::AlgorithmFromCose(id)));
  }
  return JoinNames(names);
}

// '*' matches any run of characters (also none); everything else literally.
bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Media type names are case-insensitive (RFC 6838 §4.2).
bool SameMediaType(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

bool ListedMediaType(const std::vector<std::string>& list, const std::string& type) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& allowed) { return SameMediaType(allowed, type); });
}

Decision Refuse(std::string reason) { return Decision{false, std::move(reason)}; }

}  // namespace

Result<std::shared_ptr<const RegistrationPolicy>> RegistrationPolicy::FromJson(
    std::string_view text) {
  SCITT_ASSIGN_OR_RETURN(json document, ParseStrictJson(text));
  if (!document.is_object()) return PolicyError("the document must be a JSON object");

  std::shared_ptr<RegistrationPolicy> policy(new RegistrationPolicy());
  policy->rules_ = std::make_unique<Rules>();
  Rules& rules = *policy->rules_;
  for (const auto& [key, value] : document.items()) {
    if (key == "allowed_algorithms") {
      SCITT_ASSIGN_OR_RETURN(auto names, StringList(value, key));
      rules.allowed_algorithms.emplace();
      for (const auto& name : names) {
        auto alg = crypto::AlgorithmFromName(name);
        if (!alg) {
          return PolicyError("unknown algorithm \"" + name +
                             "\" in allowed_algorithms (supported: " + SupportedAlgorithmNames() +
                             ")");
        }
        rules.allowed_algorithms->push_back(crypto::CoseId(*alg));
      }
    } else if (key == "issuers") {
      if (!value.is_object()) {
        return PolicyError("\"issuers\" must be an object with \"exact\" and/or \"prefixes\"");
      }
      for (const auto& [inner, list] : value.items()) {
        if (inner == "exact") {
          SCITT_ASSIGN_OR_RETURN(rules.exact_issuers, StringList(list, "issuers.exact"));
        } else if (inner == "prefixes") {
          SCITT_ASSIGN_OR_RETURN(rules.issuer_prefixes, StringList(list, "issuers.prefixes"));
        } else {
          return PolicyError("unknown key \"" + inner +
                             "\" in \"issuers\" (known: exact, prefixes)");
        }
      }
      if (!rules.exact_issuers && !rules.issuer_prefixes) {
        return PolicyError("\"issuers\" must give \"exact\" or \"prefixes\"");
      }
    } else if (key == "subjects") {
      SCITT_ASSIGN_OR_RETURN(rules.subjects, StringList(value, key));
    } else if (key == "content_types") {
      SCITT_ASSIGN_OR_RETURN(rules.content_types, StringList(value, key));
    } else if (key == "preimage_content_types") {
      SCITT_ASSIGN_OR_RETURN(rules.preimage_content_types, StringList(value, key));
    } else if (key == "hash_envelope") {
      std::string mode = value.is_string() ? value.get<std::string>() : "";
      if (mode == "required") {
        rules.hash_envelope = HashEnvelopeRule::kRequired;
      } else if (mode == "forbidden") {
        rules.hash_envelope = HashEnvelopeRule::kForbidden;
      } else if (mode == "optional") {
        rules.hash_envelope = HashEnvelopeRule::kOptional;
      } else {
        return PolicyError("\"hash_envelope\" must be \"required\", \"forbidden\" or \"optional\"");
      }
    } else if (key == "max_payload_bytes") {
      if (!value.is_number_unsigned()) {
        return PolicyError("\"max_payload_bytes\" must be a non-negative integer");
      }
      rules.max_payload_bytes = value.get<uint64_t>();
    } else if (key == "allow_duplicates") {
      if (!value.is_boolean()) return PolicyError("\"allow_duplicates\" must be true or false");
      rules.allow_duplicates = value.get<bool>();
    } else if (key == "script") {
      if (!value.is_string()) return PolicyError("\"script\" must be a string of JavaScript");
      auto script = PolicyScript::Compile(value.get<std::string>());
      if (!script.ok()) return PolicyError(script.error().message);
      rules.script = std::move(*script);
    } else {
      return PolicyError("unknown key \"" + key +
                         "\" (known: allow_duplicates, allowed_algorithms, content_types, "
                         "hash_envelope, issuers, max_payload_bytes, preimage_content_types, "
                         "script, subjects)");
    }
  }
  // nlohmann's object keeps its keys sorted, so this is canonical.
  rules.canonical_json = document.dump(-1, ' ', false, json::error_handler_t::replace);
  return std::shared_ptr<const RegistrationPolicy>(std::move(policy));
}

std::shared_ptr<const RegistrationPolicy> RegistrationPolicy::Default() {
  static const std::shared_ptr<const RegistrationPolicy> kDefault = [] {
    std::shared_ptr<RegistrationPolicy> policy(new RegistrationPolicy());
    policy->rules_ = std::make_unique<Rules>();
    policy->rules_->canonical_json = "{}";
    return std::shared_ptr<const RegistrationPolicy>(std::move(policy));
  }();
  return kDefault;
}

RegistrationPolicy::~RegistrationPolicy() = default;

bool RegistrationPolicy::AlgorithmAllowed(int64_t cose_alg) const {
  if (!crypto::AlgorithmFromCose(cose_alg)) return false;
  const auto& allowed = rules_->allowed_algorithms;
  return !allowed || std::find(allowed->begin(), allowed->end(), cose_alg) != allowed->end();
}

bool RegistrationPolicy::allow_duplicates() const { return rules_->allow_duplicates; }

const std::string& RegistrationPolicy::canonical_json() const { return rules_->canonical_json; }

Decision RegistrationPolicy::Evaluate(const StatementFacts& facts) const {
  const Rules& rules = *rules_;
  if (!AlgorithmAllowed(facts.alg)) {
    auto alg = crypto::AlgorithmFromCose(facts.alg);
    return Refuse("algorithm " +
                  (alg ? std::string(crypto::AlgorithmName(*alg)) : std::to_string(facts.alg)) +
                  " is not allowed by the registration policy");
  }
  if (rules.exact_issuers || rules.issuer_prefixes) {
    bool listed =
        rules.exact_issuers && std::find(rules.exact_issuers->begin(), rules.exact_issuers->end(),
                                         facts.issuer) != rules.exact_issuers->end();
    bool prefixed = rules.issuer_prefixes &&
                    std::any_of(rules.issuer_prefixes->begin(), rules.issuer_prefixes->end(),
                                [&](const std::string& p) { return facts.issuer.starts_with(p); });
    if (!listed && !prefixed) {
      return Refuse("issuer \"" + facts.issuer + "\" is not allowed by the registration policy");
    }
  }
  if (rules.subjects &&
      std::none_of(rules.subjects->begin(), rules.subjects->end(),
                   [&](const std::string& pattern) { return GlobMatch(pattern, facts.subject); })) {
    return Refuse("subject \"" + facts.subject +
                  "\" matches none of the subject patterns of the registration policy (" +
                  JoinNames(*rules.subjects) + ")");
  }
  if (rules.hash_envelope == HashEnvelopeRule::kRequired && !facts.hash_envelope) {
    return Refuse(
        "the registration policy requires a hash envelope (RFC 9995: payload-hash-alg, "
        "header 258)");
  }
  if (rules.hash_envelope == HashEnvelopeRule::kForbidden && facts.hash_envelope) {
    return Refuse("the registration policy does not accept hash envelopes (RFC 9995)");
  }
  // content_types governs statements that carry their payload; a hash
  // envelope has no content type (3) and is governed by preimage_content_types.
  if (rules.content_types && !facts.hash_envelope) {
    if (!facts.content_type) {
      return Refuse("the statement has no content type (3); the registration policy accepts " +
                    JoinNames(*rules.content_types));
    }
    if (!ListedMediaType(*rules.content_types, *facts.content_type)) {
      return Refuse("content type \"" + *facts.content_type +
                    "\" is not allowed by the registration policy (" +
                    JoinNames(*rules.content_types) + ")");
    }
  }
  if (rules.preimage_content_types && facts.hash_envelope) {
    if (!facts.preimage_content_type) {
      return Refuse(
          "the hash envelope has no preimage-content-type (259); the registration policy "
          "accepts " +
          JoinNames(*rules.preimage_content_types));
    }
    if (!ListedMediaType(*rules.preimage_content_types, *facts.preimage_content_type)) {
      return Refuse("preimage content type \"" + *facts.preimage_content_type +
                    "\" is not allowed by the registration policy (" +
                    JoinNames(*rules.preimage_content_types) + ")");
    }
  }
  if (rules.max_payload_bytes && facts.payload_size > *rules.max_payload_bytes) {
    return Refuse("the payload is " + std::to_string(facts.payload_size) +
                  " bytes; the registration policy accepts at most " +
                  std::to_string(*rules.max_payload_bytes));
  }
  if (rules.script) return rules.script->Apply(ScriptArgumentsJson(facts));
  return Decision{};
}

}  // namespace scitt::policy

// Registration policies: what may enter the log. Declarative rules from a
// JSON document, plus an optional JavaScript hook (embedded Duktape) shaped
// like CCF's: `function apply(phdr, uhdr, payload, details)` returning true
// to accept, or false / a string (the reason) to refuse.
//
// The JSON document (docs/policy.md has the full reference):
//   {
//     "allowed_algorithms": ["ES256", "EdDSA"],        // default: all seven
//     "issuers": {"exact": ["https://a.example"], "prefixes": ["did:x509:0:sha256:abc::"]},
//     "subjects": ["pkg:npm/*", "pkg:oci/example.com/*"],  // '*' matches any run of characters
//     "content_types": ["application/spdx+json"],          // content type (3)
//     "preimage_content_types": ["application/spdx+json"], // hash envelope (259)
//     "hash_envelope": "required" | "forbidden" | "optional",
//     "max_payload_bytes": 1048576,
//     "allow_duplicates": false,      // the same statement twice makes two entries
//     "script": "function apply(phdr, uhdr, payload, details) { return true; }"
//   }
// An absent rule allows everything for that aspect.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cose/sign1.h"

namespace scitt::policy {

// What the policy sees of a statement that passed the structural and
// signature checks.
struct StatementFacts {
  const cose::Sign1* statement = nullptr;  // must outlive Evaluate()
  int64_t alg = 0;
  std::string issuer;     // CWT iss
  std::string subject;    // CWT sub
  std::optional<std::string> content_type;           // header 3 as text
  std::optional<std::string> preimage_content_type;  // header 259 as text
  bool hash_envelope = false;
  size_t payload_size = 0;
  std::string identity;   // "x509", "issuer-key" or "self-asserted"
};

struct Decision {
  bool allowed = true;
  std::string reason;  // why not, for the problem details
};

class RegistrationPolicy {
 public:
  // Parses and validates the document (unknown keys, wrong types, unknown
  // algorithm names, a script that does not compile or defines no apply()
  // are errors naming what is wrong).
  static Result<std::shared_ptr<const RegistrationPolicy>> FromJson(std::string_view text);
  // Everything allowed that the service supports; no script.
  static std::shared_ptr<const RegistrationPolicy> Default();

  bool AlgorithmAllowed(int64_t cose_alg) const;
  bool allow_duplicates() const;
  // Declarative rules first, then the script. Thread-safe.
  Decision Evaluate(const StatementFacts& facts) const;
  // The policy as canonical JSON (sorted keys): what gets registered.
  const std::string& canonical_json() const;

  ~RegistrationPolicy();

 private:
  RegistrationPolicy() = default;
  struct Rules;
  std::unique_ptr<Rules> rules_;
};

}  // namespace scitt::policy

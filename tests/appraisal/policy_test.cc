// Appraisal policies (appraisal/policy.h): every rule read, and every
// mistake refused with the field named, so a misspelt rule never passes.
#include "appraisal/policy.h"

#include <gtest/gtest.h>

namespace scitt::appraisal {
namespace {

Result<Policy> Parse(const std::string& text) { return ParsePolicy(AsBytes(text)); }

TEST(AppraisalPolicy, ReadsEveryRule) {
  auto policy = Parse(R"({"policy": "prod",
      "evidence": [{"format": "CycloneDX", "issuers": ["https://a", "https://b"], "max_age_days": 30},
                   {"format": "in-toto"}],
      "vulnerabilities": {"deny_severity": "high", "deny_ids": ["CVE-1"], "vex_issuers": ["https://a"],
                          "depth": 3, "unknown_severity": "allow"},
      "deny_packages": ["pkg:npm/left-pad"],
      "deny_licenses": ["AGPL-3.0-only", "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-Proprietary"]})");
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_EQ(policy->deny_licenses, (std::vector<std::string>{"AGPL-3.0-only", "GPL-2.0-only WITH Classpath-exception-2.0",
                                                             "LicenseRef-Proprietary"}));
  auto provenance = Parse(R"({"policy": "p", "evidence": [{"format": "in-toto", "builders": ["b"],
                                                          "source_repositories": ["git+https://x/y"]}]})");
  ASSERT_TRUE(provenance.ok()) << provenance.error().message;
  EXPECT_EQ(provenance->evidence[0].builders, (std::vector<std::string>{"b"}));
  EXPECT_EQ(provenance->evidence[0].source_repositories, (std::vector<std::string>{"git+https://x/y"}));
  EXPECT_EQ(policy->name, "prod");
  ASSERT_EQ(policy->evidence.size(), 2u);
  EXPECT_EQ(policy->evidence[0].issuers, (std::vector<std::string>{"https://a", "https://b"}));
  EXPECT_EQ(policy->evidence[0].max_age_days, 30);
  EXPECT_FALSE(policy->evidence[1].max_age_days);
  ASSERT_TRUE(policy->vulnerabilities);
  EXPECT_EQ(policy->vulnerabilities->deny_severity, Severity::kHigh);
  EXPECT_EQ(policy->vulnerabilities->depth, 3);
  EXPECT_FALSE(policy->vulnerabilities->deny_unknown_severity);
  EXPECT_EQ(policy->deny_packages, (std::vector<std::string>{"pkg:npm/left-pad"}));
  auto revocations = Parse(R"({"policy": "p", "revocations": {"issuers": ["https://a"]}})");
  ASSERT_TRUE(revocations.ok()) << revocations.error().message;
  EXPECT_EQ(revocations->revocations->issuers, (std::vector<std::string>{"https://a"}));
  // Defaults: depth 10, a finding without severity denies.
  auto defaults = Parse(R"({"policy": "p", "vulnerabilities": {"deny_severity": "critical"}})");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->vulnerabilities->depth, 10);
  EXPECT_TRUE(defaults->vulnerabilities->deny_unknown_severity);
}

TEST(AppraisalPolicy, RefusesMistakesNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "must be a JSON object"},
      {"{", "not valid JSON"},
      {R"({"policy": "p", "policy": "q", "deny_packages": ["pkg:a/b"]})", "appears twice"},
      {R"({"deny_packages": ["pkg:a/b"]})", "\"policy\" (its name) is missing"},
      {R"({"policy": "p"})", "no rule"},
      {R"({"policy": "p", "evidences": []})", "unknown field \"evidences\""},
      {R"({"policy": "p", "evidence": [{"issuers": ["x"]}]})", "evidence[0].format is missing"},
      {R"({"policy": "p", "evidence": [{"format": "SPDX", "max_age_days": -1}]})", "evidence[0].max_age_days"},
      {R"({"policy": "p", "evidence": [{"format": "SPDX", "issuer": "x"}]})", "evidence[0]: unknown field \"issuer\""},
      {R"({"policy": "p", "vulnerabilities": {"deny_severity": "severe"}})", "vulnerabilities.deny_severity"},
      {R"({"policy": "p", "vulnerabilities": {"vex_issuers": ["x"]}})", "denies nothing"},
      {R"({"policy": "p", "vulnerabilities": {"deny_ids": ["x"], "depth": 11}})", "vulnerabilities.depth"},
      {R"({"policy": "p", "vulnerabilities": {"deny_ids": [""]}})", "vulnerabilities.deny_ids[0]"},
      {R"({"policy": "p", "vulnerabilities": {"deny_ids": ["x"], "unknown_severity": "maybe"}})", "unknown_severity"},
      {R"({"policy": "p", "deny_packages": ["left-pad"]})", "is not a purl"},
      {R"({"policy": "p", "deny_licenses": ["GPL-3.0-only OR MIT"]})", "deny_licenses: \"GPL-3.0-only OR MIT\" is not"},
      {R"({"policy": "p", "deny_licenses": ["GNU GPL"]})", "is not an SPDX license identifier"},
      {R"({"policy": "p", "deny_licenses": "MIT"})", "deny_licenses"},
      {R"({"policy": "p", "evidence": [{"format": "cyclonedx"}]})", "is not one the index reads"},
      {R"({"policy": "p", "revocations": {"issuers": []}})", "revocations.issuers must name whose"},
      {R"({"policy": "p", "revocations": {}})", "revocations.issuers must name whose"},
      {R"({"policy": "p", "revocations": ["x"]})", "revocations must be an object"},
      {R"({"policy": "p", "revocations": {"issuer": ["x"]}})", "revocations: unknown field \"issuer\""},
  };
  for (const auto& [text, message] : cases) {
    auto policy = Parse(text);
    ASSERT_FALSE(policy.ok()) << text;
    EXPECT_EQ(policy.error().code, ErrorCode::kInvalidArgument) << text;
    EXPECT_NE(policy.error().message.find(message), std::string::npos) << text << ": " << policy.error().message;
  }
}

TEST(AppraisalPolicy, SeveritiesAreOrdered) {
  EXPECT_LT(*ParseSeverity("low"), *ParseSeverity("medium"));
  EXPECT_LT(*ParseSeverity("high"), *ParseSeverity("critical"));
  EXPECT_FALSE(ParseSeverity("HIGH"));  // the graph's severities are lower case
  EXPECT_EQ(SeverityName(Severity::kMedium), "medium");
}

}  // namespace
}  // namespace scitt::appraisal

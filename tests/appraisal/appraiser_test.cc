// Appraisal (appraisal/appraiser.h) over the embedded evidence store: each
// rule on an image with an SBOM, two findings and a VEX, at the latest tree
// size and at an earlier one, with the entries each outcome rests on.
#include "appraisal/appraiser.h"

#include <gtest/gtest.h>

#include "storage/store.h"
#include "support/test_log.h"

namespace scitt::appraisal {
namespace {

using evidence::IndexedEdge;
using evidence::IndexedStatement;

constexpr int64_t kT0 = 1'780'000'000;
const std::string kImage = "sha256:" + std::string(64, 'a');
constexpr int64_t kDay = 86'400;

IndexedStatement Statement(uint64_t entry, std::string issuer, std::string format, std::vector<IndexedEdge> edges) {
  IndexedStatement s;
  s.entry = entry;
  s.subject = kImage;
  s.subject_digest = kImage;
  s.issuer = std::move(issuer);
  s.format = std::move(format);
  s.registered_at = kT0 + static_cast<int64_t>(entry);
  s.edges = std::move(edges);
  return s;
}

class AppraiserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenEvidenceStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_
                    ->Add(std::vector{
                              Statement(0, "supplier", "CycloneDX",
                                        {{"DESCRIBES", kImage, "pkg:npm/app@1", "{}"},
                                         {"DEPENDS_ON", "pkg:npm/app@1", "pkg:npm/util@2", "{}"},
                                         {"DEPENDS_ON", "pkg:npm/util@2", "pkg:npm/left-pad@1.3.0", "{}"}}),
                              Statement(1, "scanner", "SARIF",
                                        {{"VULNERABLE_TO", "pkg:npm/left-pad@1.3.0", "CVE-1", R"({"severity":"high"})"}}),
                              Statement(2, "scanner", "SARIF", {{"VULNERABLE_TO", "pkg:npm/app@1", "CVE-2", "{}"}}),
                              Statement(3, "supplier", "OpenVEX",
                                        {{"VEX_STATUS", "pkg:npm/left-pad@1.3.0", "CVE-1",
                                          R"({"status":"not_affected"})"}}),
                          },
                          4)
                    .ok());
    graph_ = std::make_unique<evidence::DependencyGraph>(*store_);
  }

  Verdict Appraise(const std::string& policy_text, Question question = {}) {
    if (question.subject.empty()) question.subject = kImage;
    if (question.now == 0) question.now = kT0 + 10 * kDay;
    auto policy = ParsePolicy(AsBytes(policy_text));
    EXPECT_TRUE(policy.ok()) << policy.error().message;
    auto verdict = appraisal::Appraise(*store_, *graph_, *policy, question);
    EXPECT_TRUE(verdict.ok()) << verdict.error().message;
    return verdict.ok() ? *verdict : Verdict{};
  }

  testing::TempDir dir_;  // removed after the store and graph that use it
  std::unique_ptr<evidence::EvidenceStore> store_;
  std::unique_ptr<evidence::DependencyGraph> graph_;
};

TEST_F(AppraiserTest, RequiredEvidenceFromTrustedIssuersYoungEnough) {
  const char* policy = R"({"policy": "p", "evidence": [{"format": "CycloneDX", "issuers": ["supplier"],
                                                       "max_age_days": 30}]})";
  Verdict fresh = Appraise(policy);
  EXPECT_TRUE(fresh.allow);
  EXPECT_EQ(fresh.tree_size, 4u);
  ASSERT_EQ(fresh.rules.size(), 1u);
  EXPECT_EQ(fresh.rules[0].rule, "evidence[0]");
  EXPECT_EQ(fresh.rules[0].entries, (std::vector<uint64_t>{0}));
  Verdict stale = Appraise(policy, {.now = kT0 + 40 * kDay});
  EXPECT_FALSE(stale.allow);
  EXPECT_NE(stale.rules[0].reason.find("in the last 30 days; the latest, entry 0"), std::string::npos)
      << stale.rules[0].reason;
  EXPECT_FALSE(Appraise(R"({"policy": "p", "evidence": [{"format": "CycloneDX", "issuers": ["scanner"]}]})").allow);
  EXPECT_FALSE(Appraise(R"({"policy": "p", "evidence": [{"format": "SPDX"}]})").allow);
  // Any format the index reads: the scanner's SARIF too.
  EXPECT_TRUE(Appraise(R"({"policy": "p", "evidence": [{"format": "SARIF", "issuers": ["scanner"]}]})").allow);
}

// SLSA provenance from a given builder and source repository.
TEST_F(AppraiserTest, ProvenanceFromItsBuilderAndSource) {
  ASSERT_TRUE(store_
                  ->Add(std::vector{Statement(4, "ci", "in-toto",
                                              {{"BUILT_BY", kImage, "https://builder.example/ci", "{}"},
                                               {"BUILT_FROM", kImage, "git+https://github.com/acme/app@refs/heads/main",
                                                R"({"role":"config_source"})"}})},
                        5)
                  .ok());
  Verdict built = Appraise(R"({"policy": "p", "evidence": [{"format": "in-toto", "issuers": ["ci"],
      "builders": ["https://builder.example/ci"], "source_repositories": ["git+https://github.com/acme/app"]}]})");
  EXPECT_TRUE(built.allow) << built.rules[0].reason;
  EXPECT_EQ(built.rules[0].entries, (std::vector<uint64_t>{4}));
  EXPECT_TRUE(Appraise(R"({"policy": "p", "evidence": [{"format": "in-toto",
      "source_repositories": ["git+https://github.com/acme/app@refs/heads/main"]}]})").allow);
  Verdict other_builder = Appraise(R"({"policy": "p", "evidence": [{"format": "in-toto",
      "builders": ["https://builder.example/laptop"]}]})");
  EXPECT_FALSE(other_builder.allow);
  EXPECT_NE(other_builder.rules[0].reason.find("built by https://builder.example/laptop"), std::string::npos);
  EXPECT_FALSE(Appraise(R"({"policy": "p", "evidence": [{"format": "in-toto",
      "source_repositories": ["git+https://github.com/acme/other"]}]})").allow);
  // Before the provenance was registered there was none.
  EXPECT_FALSE(Appraise(R"({"policy": "p", "evidence": [{"format": "in-toto",
      "builders": ["https://builder.example/ci"]}]})", {.as_of = 4}).allow);
}

TEST_F(AppraiserTest, VulnerabilitiesAtAnyDepthUnlessATrustedVexClosesThem) {
  // Nobody's VEX trusted: CVE-1 (high, three hops down) and CVE-2 (no severity) deny.
  Verdict strict = Appraise(R"({"policy": "p", "vulnerabilities": {"deny_severity": "high"}})");
  EXPECT_FALSE(strict.allow);
  EXPECT_NE(strict.rules[0].reason.find("CVE-1 (high)"), std::string::npos) << strict.rules[0].reason;
  EXPECT_NE(strict.rules[0].reason.find("CVE-2 (no severity)"), std::string::npos);
  EXPECT_EQ(strict.rules[0].entries, (std::vector<uint64_t>{1, 2}));
  // The supplier's VEX closes CVE-1; CVE-2 is let through when unknown severities are.
  const char* trusting = R"({"policy": "p", "vulnerabilities": {"deny_severity": "high", "vex_issuers": ["supplier"],
                                                                "unknown_severity": "allow"}})";
  Verdict closed = Appraise(trusting);
  EXPECT_TRUE(closed.allow) << closed.rules[0].reason;
  EXPECT_NE(closed.rules[0].reason.find("closed by VEX: CVE-1"), std::string::npos);
  EXPECT_EQ(closed.rules[0].entries, (std::vector<uint64_t>{1, 3}));
  // Before the VEX was registered, the same policy denied: what the log held then.
  Verdict then = Appraise(trusting, {.as_of = 3});
  EXPECT_FALSE(then.allow);
  EXPECT_EQ(then.tree_size, 3u);
  // Below the threshold, or not deep enough, nothing denies.
  EXPECT_TRUE(Appraise(R"({"policy": "p", "vulnerabilities": {"deny_severity": "critical",
                                                              "unknown_severity": "allow"}})").allow);
  EXPECT_TRUE(Appraise(R"({"policy": "p", "vulnerabilities": {"deny_severity": "low", "depth": 0}})").allow);
  EXPECT_FALSE(Appraise(R"({"policy": "p", "vulnerabilities": {"deny_severity": "low", "depth": 1}})").allow);
  // A deny-listed id denies at any severity.
  EXPECT_FALSE(Appraise(R"({"policy": "p", "vulnerabilities": {"deny_ids": ["CVE-2"]}})").allow);
}

TEST_F(AppraiserTest, DeniedPackagesWithThePathToThem) {
  Verdict any_version = Appraise(R"({"policy": "p", "deny_packages": ["pkg:npm/left-pad"]})");
  EXPECT_FALSE(any_version.allow);
  EXPECT_NE(any_version.rules[0].reason.find("pkg:npm/left-pad@1.3.0"), std::string::npos);
  EXPECT_EQ(any_version.rules[0].entries, (std::vector<uint64_t>{0}));
  EXPECT_FALSE(Appraise(R"({"policy": "p", "deny_packages": ["pkg:NPM/left-pad@1.3.0"]})").allow);
  EXPECT_TRUE(Appraise(R"({"policy": "p", "deny_packages": ["pkg:npm/left-pad@1.4.0", "pkg:npm/left"]})").allow);
  // Every rule is reported, and the verdict allows only when all pass; an
  // OCI subject is its digest, for statements and graph alike.
  Verdict both = Appraise(R"({"policy": "p", "evidence": [{"format": "CycloneDX"}],
                              "deny_packages": ["pkg:npm/util"]})",
                          {.subject = "demo/app@" + kImage});
  ASSERT_EQ(both.rules.size(), 2u);
  EXPECT_TRUE(both.rules[0].passed) << both.rules[0].reason;
  EXPECT_FALSE(both.rules[1].passed);
  EXPECT_FALSE(both.allow);
}

// Licences at any depth: a package is denied when its expression leaves
// no licence the policy allows; per statement, a concluded licence governs
// over a declared one.
TEST_F(AppraiserTest, DeniedLicensesWherePackagesHaveNoOtherChoice) {
  ASSERT_TRUE(store_
                  ->Add(std::vector{Statement(4, "supplier", "SPDX",
                                              {{"LICENSED_UNDER", "pkg:npm/app@1", "license:MIT",
                                                R"({"expression":"MIT","source":"declared"})"},
                                               {"LICENSED_UNDER", "pkg:npm/util@2", "license:GPL-3.0-only OR MIT",
                                                R"({"expression":"GPL-3.0-only OR MIT"})"},
                                               {"LICENSED_UNDER", "pkg:npm/left-pad@1.3.0", "license:AGPL-3.0",
                                                R"({"expression":"AGPL-3.0","source":"declared"})"},
                                               {"LICENSED_UNDER", "pkg:npm/left-pad@1.3.0", "license:WTFPL",
                                                R"({"expression":"WTFPL","source":"concluded"})"},
                                               {"LICENSED_UNDER", "pkg:npm/util@2", "license:Proprietary",
                                                R"({"name":"Proprietary"})"}})},
                        5)
                  .ok());
  // GPL-3.0-only alone: util may be used under MIT.
  Verdict gpl = Appraise(R"({"policy": "p", "deny_licenses": ["GPL-3.0-only"]})");
  EXPECT_TRUE(gpl.allow) << gpl.rules[0].reason;
  EXPECT_EQ(gpl.rules[0].rule, "deny_licenses");
  // Both of util's choices denied: denied, with the path's entries.
  Verdict both = Appraise(R"({"policy": "p", "deny_licenses": ["gpl-3.0-only", "MIT"]})");
  EXPECT_FALSE(both.allow);
  EXPECT_NE(both.rules[0].reason.find("pkg:npm/util@2 (GPL-3.0-only OR MIT, entry 4)"), std::string::npos)
      << both.rules[0].reason;
  EXPECT_NE(both.rules[0].reason.find("pkg:npm/app@1 (MIT, entry 4)"), std::string::npos) << both.rules[0].reason;
  EXPECT_EQ(both.rules[0].entries, (std::vector<uint64_t>{0, 4}));
  // left-pad's concluded WTFPL governs over its declared AGPL-3.0.
  EXPECT_TRUE(Appraise(R"({"policy": "p", "deny_licenses": ["AGPL-3.0-only"]})").allow);
  EXPECT_FALSE(Appraise(R"({"policy": "p", "deny_licenses": ["WTFPL"]})").allow);
  // A licence given by name is denied as that name, whatever else it has.
  Verdict named = Appraise(R"({"policy": "p", "deny_licenses": ["proprietary"]})");
  EXPECT_FALSE(named.allow);
  EXPECT_NE(named.rules[0].reason.find("pkg:npm/util@2 (Proprietary, entry 4)"), std::string::npos)
      << named.rules[0].reason;
  // Before the SBOM with licences was registered, nothing was denied.
  EXPECT_TRUE(Appraise(R"({"policy": "p", "deny_licenses": ["WTFPL"]})", {.as_of = 4}).allow);
}

TEST_F(AppraiserTest, RevokedByItsIssuerBelowTheTreeSize) {
  IndexedStatement revocation = Statement(4, "supplier", "", {});
  revocation.format.reset();
  revocation.content_type = std::string(kRevocationContentType);
  IndexedStatement stranger = Statement(5, "stranger", "", {});
  stranger.format.reset();
  stranger.content_type = std::string(kRevocationContentType);
  ASSERT_TRUE(store_->Add(std::vector{revocation, stranger}, 6).ok());
  const char* policy = R"({"policy": "p", "revocations": {"issuers": ["supplier"]}})";
  Verdict revoked = Appraise(policy);
  EXPECT_FALSE(revoked.allow);
  ASSERT_EQ(revoked.rules.size(), 1u);
  EXPECT_EQ(revoked.rules[0].rule, "revocations");
  EXPECT_EQ(revoked.rules[0].entries, (std::vector<uint64_t>{4}));  // not the stranger's
  EXPECT_EQ(revoked.rules[0].reason.rfind("revoked by supplier (entry 4, registered ", 0), 0u) << revoked.rules[0].reason;
  // Before the revocation, or trusting only the stranger's word elsewhere: not revoked.
  Verdict before = Appraise(policy, {.subject = kImage, .as_of = 4});
  EXPECT_TRUE(before.allow) << before.rules[0].reason;
  EXPECT_EQ(before.rules[0].reason, "no revocation from supplier");
  EXPECT_TRUE(Appraise(R"({"policy": "p", "revocations": {"issuers": ["someone"]}})").allow);
}

TEST_F(AppraiserTest, AScriptSeesTheEvidenceAndTheRulesAndDecidesLast) {
  // ES5 (Duktape): at most one finding from the scanner, and only when
  // the declarative rules passed.
  auto policy = ParsePolicy(AsBytes(R"JSON({"policy": "p", "evidence": [{"format": "CycloneDX"}],
      "script": "function appraise(subject, evidence, rules) {\n  var findings = evidence.facts.filter(function (f) { return f.kind === 'VULNERABLE_TO' && f.issuer === 'scanner'; });\n  if (subject.node !== subject.subject || !rules[0].passed) return 'unexpected arguments';\n  if (evidence.statements.length !== 4 || evidence.nodes.length !== 3) return 'unexpected evidence';\n  return findings.length <= 1 || findings.length + ' findings from the scanner';\n}"})JSON"));
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  // Not compiled: refused, never run (callers compile only where a script may run).
  auto refused = appraisal::Appraise(*store_, *graph_, *policy, {.subject = kImage, .now = kT0});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("scripts run only in the deployment gates"), std::string::npos);
  ASSERT_TRUE(CompileScript(*policy).ok());
  auto latest = appraisal::Appraise(*store_, *graph_, *policy, {.subject = kImage, .now = kT0});
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  ASSERT_EQ(latest->rules.size(), 2u);
  EXPECT_EQ(latest->rules[1].rule, "script");
  EXPECT_FALSE(latest->allow);
  EXPECT_EQ(latest->rules[1].reason, "2 findings from the scanner");
  // Before the second finding: the script allows.
  auto earlier = appraisal::Appraise(*store_, *graph_, *policy, {.subject = kImage, .as_of = 2, .now = kT0});
  ASSERT_TRUE(earlier.ok());
  EXPECT_EQ(earlier->rules[1].reason, "unexpected evidence");  // 2 statements below size 2
}

TEST(AppraisalScript, CompileErrorsAreNamed) {
  auto no_function = ParsePolicy(AsBytes(R"({"policy": "p", "script": "var x = 1;"})"));
  ASSERT_TRUE(no_function.ok());
  Status compiled = CompileScript(*no_function);
  ASSERT_FALSE(compiled.ok());
  EXPECT_NE(compiled.error().message.find("defines no function appraise(subject, evidence, rules)"), std::string::npos)
      << compiled.error().message;
  auto syntax = ParsePolicy(AsBytes(R"({"policy": "p", "script": "function appraise( {"})"));
  ASSERT_TRUE(syntax.ok());
  EXPECT_FALSE(CompileScript(*syntax).ok());
  EXPECT_FALSE(ParsePolicy(AsBytes(R"({"policy": "p", "script": 7})")).ok());
  EXPECT_FALSE(ParsePolicy(AsBytes(R"({"policy": "p", "script": ""})")).ok());
}

}  // namespace
}  // namespace scitt::appraisal

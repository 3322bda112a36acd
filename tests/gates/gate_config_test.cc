#include "gates/gate_config.h"

#include <gtest/gtest.h>

#include "base/bytes.h"

namespace scitt::gates {
namespace {

Result<GateConfig> Parse(std::string_view text) { return ParseGateConfig(AsBytes(text)); }

TEST(GateConfig, NamespacesOverrideTheDefault) {
  auto config = Parse(R"({"policy_entry": 12, "mode": "enforce",
                          "namespaces": {"kube-system": {"mode": "off"}, "payments": {"policy_entry": 14},
                                         "dev": {"mode": "warn", "policy_entry": 3}},
                          "local_registries": ["scitt.svc:8443"], "record_verdicts": false})");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->record_verdicts);
  EXPECT_EQ(config->local_registries, std::vector<std::string>{"scitt.svc:8443"});
  const GateChoice other = ChoiceFor(*config, "default");
  EXPECT_EQ(other.policy_entry, 12u);
  EXPECT_EQ(other.mode, GateMode::kEnforce);
  EXPECT_EQ(ChoiceFor(*config, "kube-system").mode, GateMode::kOff);
  EXPECT_EQ(ChoiceFor(*config, "kube-system").policy_entry, 12u);
  EXPECT_EQ(ChoiceFor(*config, "payments").policy_entry, 14u);
  EXPECT_EQ(ChoiceFor(*config, "payments").mode, GateMode::kEnforce);
  EXPECT_EQ(ChoiceFor(*config, "dev").policy_entry, 3u);
  EXPECT_EQ(ChoiceFor(*config, "dev").mode, GateMode::kWarn);
}

TEST(GateConfig, DefaultsAreStrict) {
  auto config = Parse("{}");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->mode, GateMode::kEnforce);
  EXPECT_FALSE(config->policy_entry.has_value());  // no policy: objects are denied, not waved through
  EXPECT_TRUE(config->record_verdicts);
}

TEST(GateConfig, MistakesAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "must be a JSON object"},
      {R"({"policy": 1})", "unknown field \"policy\""},
      {R"({"policy_entry": -1})", "policy_entry must be a log entry index"},
      {R"({"policy_entry": "12"})", "policy_entry must be a log entry index"},
      {R"({"mode": "block"})", "mode must be \"enforce\", \"warn\", \"audit\" or \"off\""},
      {R"({"namespaces": {"dev": {"mode": "warm"}}})", "namespaces.dev.mode must be"},
      {R"({"namespaces": {"dev": {"policy": 3}}})", "unknown field namespaces.dev.policy"},
      {R"({"namespaces": []})", "namespaces must map"},
      {R"({"local_registries": "scitt.svc"})", "local_registries must be an array"},
      {R"({"plain_http_registries": [""]})", "plain_http_registries must be an array"},
      {R"({"record_verdicts": 1})", "record_verdicts must be true or false"},
      {R"({"resolve_timeout_s": 0})", "resolve_timeout_s must be"},
      {R"({"resolve_timeout_s": 31})", "resolve_timeout_s must be"},
      {R"({"decision_timeout_s": 0})", "decision_timeout_s must be"},
      {R"({"mode": "warn", "mode": "off"})", "the key \"mode\" appears twice"},
  };
  for (const auto& [text, message] : cases) {
    auto config = Parse(text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().message.find(message), std::string::npos) << text << ": " << config.error().message;
  }
}

}  // namespace
}  // namespace scitt::gates

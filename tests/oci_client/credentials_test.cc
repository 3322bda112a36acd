// Credentials in the order users of podman, skopeo and docker expect, and
// the auth files those tools write.
#include "oci_client/credentials.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "base/bytes.h"

namespace scitt::oci_client {
namespace {

Environment Env(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string Auth(const std::string& user_pass) { return Base64Encode(AsBytes(user_pass)); }

TEST(AuthFile, ContainersAuthJsonMostSpecificEntryWins) {
  const std::string json = R"({"auths": {
      "reg.example:5000": {"auth": ")" + Auth("host:pw1") + R"("},
      "reg.example:5000/team": {"auth": ")" + Auth("team:pw2") + R"("},
      "reg.example:5000/team/app": {"auth": ")" + Auth("app:pw:with:colons") + R"("},
      "other.example": {"auth": ")" + Auth("other:x") + R"("}}})";
  auto app = FindInAuthFile(json, "reg.example:5000", "team/app");
  ASSERT_TRUE(app.ok()) << app.error().message;
  ASSERT_TRUE(app->credentials);
  EXPECT_EQ(app->credentials->username, "app");
  EXPECT_EQ(app->credentials->password, "pw:with:colons");  // split at the first ':'
  auto team = FindInAuthFile(json, "reg.example:5000", "team/other");
  ASSERT_TRUE(team.ok() && team->credentials);
  EXPECT_EQ(team->credentials->username, "team");
  // "team" names "team/…", not "teamx/…": component boundaries.
  auto host = FindInAuthFile(json, "reg.example:5000", "teamx/app");
  ASSERT_TRUE(host.ok() && host->credentials);
  EXPECT_EQ(host->credentials->username, "host");
  auto none = FindInAuthFile(json, "unknown.example", "app");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->credentials);
}

TEST(AuthFile, DockerConfigKeysWithSchemeAndApiPath) {
  const std::string json = R"({"auths": {"https://reg.example/v1/": {"auth": ")" + Auth("u:p") +
                           R"("}, "http://127.0.0.1:5000": {"auth": ")" + Auth("local:q") + R"("}}})";
  auto remote = FindInAuthFile(json, "reg.example", "a");
  ASSERT_TRUE(remote.ok() && remote->credentials);
  EXPECT_EQ(remote->credentials->password, "p");
  auto local = FindInAuthFile(json, "127.0.0.1:5000", "a/b");
  ASSERT_TRUE(local.ok() && local->credentials);
  EXPECT_EQ(local->credentials->username, "local");
}

TEST(AuthFile, IdentityTokensAndHelpersAreNotedNotUsed) {
  auto token = FindInAuthFile(R"({"auths": {"reg.example": {"identitytoken": "refresh"}}, "credsStore": "desktop"})",
                              "reg.example", "app");
  ASSERT_TRUE(token.ok());
  EXPECT_FALSE(token->credentials);
  ASSERT_EQ(token->notes.size(), 2u);
  EXPECT_NE(token->notes[0].find("identitytoken"), std::string::npos);
  EXPECT_NE(token->notes[1].find("credsStore"), std::string::npos);
}

TEST(AuthFile, MalformedDocumentsAreErrors) {
  for (const std::string& json : std::vector<std::string>{"not json", "[]", R"({"auths": []})",
                                 R"({"auths": {"reg.example": {"auth": "***"}}})",
                                 R"({"auths": {"reg.example": {"auth": ")" + Auth("no-colon") + R"("}}})"}) {
    auto result = FindInAuthFile(json, "reg.example", "app");
    EXPECT_FALSE(result.ok()) << json;
  }
}

TEST(AuthFilePaths, PodmanThenDockerOrder) {
  auto paths = AuthFilePaths(Env({{"REGISTRY_AUTH_FILE", "/a.json"}, {"XDG_RUNTIME_DIR", "/run/user/1"},
                                  {"HOME", "/home/u"}}));
  EXPECT_EQ(paths, (std::vector<std::string>{"/a.json", "/run/user/1/containers/auth.json",
                                             "/home/u/.config/containers/auth.json", "/home/u/.docker/config.json"}));
  EXPECT_EQ(AuthFilePaths(Env({{"DOCKER_CONFIG", "/d"}})), (std::vector<std::string>{"/d/config.json"}));
}

class LookUp : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("scitt-creds-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "auth.json").string();
    std::ofstream(file_) << R"({"auths": {"reg.example": {"auth": ")" + Auth("file-user:file-pw") + R"("}}})";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string file_;
};

TEST_F(LookUp, FlagsThenEnvironmentThenFiles) {
  auto env = Env({{"SCITT_REGISTRY_USERNAME", "env-user"}, {"SCITT_REGISTRY_PASSWORD", "env-pw"},
                  {"REGISTRY_AUTH_FILE", file_}});
  auto flags = LookUpCredentials({"flag-user", "flag-pw", ""}, env, "reg.example", "app");
  ASSERT_TRUE(flags.ok() && flags->credentials);
  EXPECT_EQ(flags->credentials->username, "flag-user");
  auto creds = LookUpCredentials({"", "", "skopeo:style:pw"}, env, "reg.example", "app");
  ASSERT_TRUE(creds.ok() && creds->credentials);
  EXPECT_EQ(creds->credentials->username, "skopeo");
  EXPECT_EQ(creds->credentials->password, "style:pw");
  auto from_env = LookUpCredentials({}, env, "reg.example", "app");
  ASSERT_TRUE(from_env.ok() && from_env->credentials);
  EXPECT_EQ(from_env->credentials->username, "env-user");
  auto from_file = LookUpCredentials({}, Env({{"REGISTRY_AUTH_FILE", file_}}), "reg.example", "app");
  ASSERT_TRUE(from_file.ok() && from_file->credentials);
  EXPECT_EQ(from_file->credentials->username, "file-user");
  EXPECT_EQ(from_file->source, file_);
  auto anonymous = LookUpCredentials({}, Env({{"REGISTRY_AUTH_FILE", file_}}), "elsewhere.example", "app");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_FALSE(anonymous->credentials);
  // A missing file is skipped; the next one is read.
  auto skipped = LookUpCredentials({}, Env({{"REGISTRY_AUTH_FILE", (dir_ / "none.json").string()},
                                            {"DOCKER_CONFIG", dir_.string()}}),
                                   "reg.example", "app");
  ASSERT_TRUE(skipped.ok());
  EXPECT_FALSE(skipped->credentials);  // DOCKER_CONFIG/config.json does not exist either
}

TEST_F(LookUp, ContradictoryOrHalfGivenCredentialsAreUsageErrors) {
  EXPECT_FALSE(LookUpCredentials({"u", "", ""}, Env({}), "reg.example", "app").ok());
  EXPECT_FALSE(LookUpCredentials({"", "p", ""}, Env({}), "reg.example", "app").ok());
  EXPECT_FALSE(LookUpCredentials({"u", "p", "u:p"}, Env({}), "reg.example", "app").ok());
  EXPECT_FALSE(LookUpCredentials({"", "", "no-colon"}, Env({}), "reg.example", "app").ok());
  EXPECT_FALSE(LookUpCredentials({}, Env({{"SCITT_REGISTRY_USERNAME", "u"}}), "reg.example", "app").ok());
  std::ofstream(file_) << "{broken";
  auto broken = LookUpCredentials({}, Env({{"REGISTRY_AUTH_FILE", file_}}), "reg.example", "app");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find(file_), std::string::npos);
}

}  // namespace
}  // namespace scitt::oci_client

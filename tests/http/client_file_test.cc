// http::FetchToFile and http::FetchFromFile against the real server: bodies
// streamed to and from files, the size bound, and non-2xx answers kept in
// memory.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "http/client.h"
#include "http/server.h"

namespace scitt::http {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

class ClientFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("scitt-client-file-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = 8 << 20;
    server_ = std::make_unique<Server>(options, [this](Request request, Responder respond) {
      Response response;
      if (request.path == "/blob") {
        response.body = big_;
      } else if (request.path == "/upload") {
        response.status = 201;
        response.body = std::to_string(request.body.size()) + ":" + (request.body == big_ ? "same" : "different");
      } else {
        response.status = 404;
        response.body = "no such thing";
      }
      respond(std::move(response));
    });
    ASSERT_TRUE(server_->Start().ok());
    big_.resize(3 << 20);
    for (size_t i = 0; i < big_.size(); ++i) big_[i] = static_cast<char>(i * 7 + (i >> 12));
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
  std::string big_;
  std::unique_ptr<Server> server_;
};

TEST_F(ClientFileTest, DownloadGoesToTheFileNotToMemory) {
  ClientOptions options;
  options.max_response_bytes = 1024;  // far below the body: only a file can take it
  auto response = FetchToFile("GET", Url("/blob"), {}, Path("blob"), big_.size(), options);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(Slurp(Path("blob")), big_);
  // The same body through Fetch is over max_response_bytes.
  EXPECT_FALSE(Fetch("GET", Url("/blob"), {}, "", options).ok());
}

TEST_F(ClientFileTest, MoreThanTheBoundFails) {
  auto response = FetchToFile("GET", Url("/blob"), {}, Path("blob"), big_.size() - 1);
  EXPECT_FALSE(response.ok());
}

TEST_F(ClientFileTest, AnErrorAnswerStaysInMemoryAndWritesNoFile) {
  auto response = FetchToFile("GET", Url("/nothing"), {}, Path("none"), 1 << 20);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "no such thing");
  EXPECT_FALSE(std::filesystem::exists(Path("none")));
  // HEAD: no body to write.
  auto head = FetchToFile("HEAD", Url("/blob"), {}, Path("head"), 1 << 20);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->status, 200);
  EXPECT_FALSE(std::filesystem::exists(Path("head")));
}

TEST_F(ClientFileTest, UploadReadsTheFile) {
  std::ofstream(Path("up"), std::ios::binary) << big_;
  auto response = FetchFromFile("PUT", Url("/upload"), {{"Content-Type", "application/octet-stream"}}, Path("up"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, std::to_string(big_.size()) + ":same");
  EXPECT_FALSE(FetchFromFile("PUT", Url("/upload"), {}, Path("missing")).ok());
}

}  // namespace
}  // namespace scitt::http

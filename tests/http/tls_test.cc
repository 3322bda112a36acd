// TLS between the Server and the Client, with self-signed certificates made
// here with the OpenSSL API.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "http/client.h"
#include "http/server.h"

namespace scitt::http {
namespace {

struct CertFiles {
  std::string cert;
  std::string key;
};

// A self-signed P-256 certificate for `subject_alt_name` (e.g.
// "IP:127.0.0.1"), written as PEM into `dir`.
CertFiles MakeSelfSigned(const std::filesystem::path& dir, const std::string& name,
                         const std::string& subject_alt_name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  EXPECT_TRUE(key && cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("scitt http test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {{NID_basic_constraints, "critical,CA:TRUE"},
                                                    {NID_subject_alt_name, subject_alt_name}};
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    EXPECT_NE(extension, nullptr);
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);

  CertFiles files{(dir / (name + ".crt")).string(), (dir / (name + ".key")).string()};
  BIO* out = BIO_new_file(files.cert.c_str(), "w");
  PEM_write_bio_X509(out, cert.get());
  BIO_free(out);
  out = BIO_new_file(files.key.c_str(), "w");
  PEM_write_bio_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  BIO_free(out);
  return files;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("scitt-http-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    good_ = MakeSelfSigned(dir_, "good", "IP:127.0.0.1,DNS:localhost");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Server> StartServer(const CertFiles& files) {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.tls_cert_file = files.cert;
    options.tls_key_file = files.key;
    auto server = std::make_unique<Server>(options, [](Request request, Responder respond) {
      Response response;
      response.body = request.method + " " + request.path + " [" + request.body + "]";
      respond(std::move(response));
    });
    EXPECT_TRUE(server->Start().ok());
    return server;
  }

  std::filesystem::path dir_;
  CertFiles good_;
};

TEST_F(TlsTest, RoundTripWithCaFile) {
  std::unique_ptr<Server> server = StartServer(good_);
  const std::string base = "https://127.0.0.1:" + std::to_string(server->port());
  ClientOptions options;
  options.ca_file = good_.cert;
  Result<Response> get = Fetch("GET", base + "/x", {}, "", options);
  ASSERT_TRUE(get.ok()) << get.error().message;
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /x []");

  const std::string body(200000, 'b');
  Result<Response> post = Fetch("POST", base + "/entries", {}, body, options);
  ASSERT_TRUE(post.ok()) << post.error().message;
  EXPECT_EQ(post->body, "POST /entries [" + body + "]");
}

// A sink that keeps the body, completing each Write from another thread.
class KeepingSink final : public BodySink {
 public:
  uint64_t max_bytes() const noexcept override { return 16 << 20; }
  void Write(ByteView piece, Done done) override {
    std::thread([this, piece, done = std::move(done)] {
      body.append(reinterpret_cast<const char*>(piece.data()), piece.size());
      done(std::nullopt);
    }).detach();
  }
  void Abort() override {}
  std::string body;
};

// Bytes i % 251, produced on another thread.
class CountingSource final : public BodySource {
 public:
  explicit CountingSource(uint64_t size) : size_(size) {}
  uint64_t size() const override { return size_; }
  void Read(std::span<uint8_t> into, Done done) override {
    std::thread([this, into, done = std::move(done)] {
      for (uint8_t& b : into) b = static_cast<uint8_t>(offset_++ % 251);
      done(into.size());
    }).detach();
  }

 private:
  const uint64_t size_;
  uint64_t offset_ = 0;
};

// Streamed bodies in both directions go through the TLS stream alike.
TEST_F(TlsTest, StreamedBodies) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.tls_cert_file = good_.cert;
  options.tls_key_file = good_.key;
  options.stream_piece_bytes = 64 * 1024;
  options.stream_body = [](const Request& head) -> std::shared_ptr<BodySink> {
    return head.method == "PUT" ? std::make_shared<KeepingSink>() : nullptr;
  };
  Server server(options, [](Request request, Responder respond) {
    Response response;
    if (request.body_stream) {
      response.body = static_cast<KeepingSink&>(*request.body_stream).body;
    } else {
      response.body_source = std::make_shared<CountingSource>(std::stoull(request.Query("bytes").value_or("0")));
    }
    respond(std::move(response));
  });
  ASSERT_TRUE(server.Start().ok());
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  ClientOptions client;
  client.ca_file = good_.cert;

  std::string body(3 << 20, 'x');
  for (size_t i = 0; i < body.size(); i += 1000) body[i] = static_cast<char>('a' + i % 26);
  Result<Response> put = Fetch("PUT", base + "/upload", {}, body, client);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_TRUE(put->body == body);

  constexpr uint64_t kSize = (5 << 20) + 7;
  Result<Response> get = Fetch("GET", base + "/download?bytes=" + std::to_string(kSize), {}, "", client);
  ASSERT_TRUE(get.ok()) << get.error().message;
  ASSERT_EQ(get->body.size(), kSize);
  bool exact = true;
  for (uint64_t i = 0; i < kSize; ++i) exact = exact && static_cast<uint8_t>(get->body[i]) == i % 251;
  EXPECT_TRUE(exact);
}

TEST_F(TlsTest, UntrustedCertificateFails) {
  std::unique_ptr<Server> server = StartServer(good_);
  const std::string url = "https://127.0.0.1:" + std::to_string(server->port()) + "/x";
  Result<Response> untrusted = Fetch("GET", url, {}, "");
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, ErrorCode::kIo);

  ClientOptions insecure;
  insecure.verify_tls = false;
  Result<Response> unverified = Fetch("GET", url, {}, "", insecure);
  ASSERT_TRUE(unverified.ok()) << unverified.error().message;
  EXPECT_EQ(unverified->status, 200);
}

TEST_F(TlsTest, WrongHostNameFails) {
  const CertFiles other = MakeSelfSigned(dir_, "other", "DNS:other.example");
  std::unique_ptr<Server> server = StartServer(other);
  ClientOptions options;
  options.ca_file = other.cert;
  Result<Response> response =
      Fetch("GET", "https://127.0.0.1:" + std::to_string(server->port()) + "/x", {}, "", options);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kIo);
}

TEST_F(TlsTest, PlainHttpToATlsServerIsClosed) {
  std::unique_ptr<Server> server = StartServer(good_);
  ClientOptions options;
  options.timeout = std::chrono::seconds(5);
  Result<Response> response =
      Fetch("GET", "http://127.0.0.1:" + std::to_string(server->port()) + "/x", {}, "", options);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace scitt::http

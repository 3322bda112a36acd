// Proof verification against the upstream transparency-dev/merkle probes, and proof
// generation against the RFC 6962 reference tree and the cose-wg example receipts.
#include "merkle/proof.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "merkle/tree.h"
#include "support/vectors.h"
#include "test_hashes.h"

namespace scitt::merkle {
namespace {

using testing::HashesFromHex;
using testing::HashFromHex;

std::vector<std::filesystem::path> JsonFilesUnder(const std::string& relative) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(scitt::testing::VectorPath(relative))) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json ReadProbe(const std::filesystem::path& file) {
  return scitt::testing::ReadJsonVector(
      std::filesystem::relative(file, scitt::testing::VectorsDir()).string());
}

Bytes Base64Field(const nlohmann::json& probe, const char* name) {
  auto bytes = Base64Decode(probe.at(name).get<std::string>());
  EXPECT_TRUE(bytes.has_value()) << name;
  return bytes.value_or(Bytes{});
}

std::optional<Hash> AsHash(const Bytes& bytes) {
  if (bytes.size() != sizeof(Hash)) return std::nullopt;
  Hash hash;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

// A root of any length as a 32-byte stand-in: stand-ins are equal exactly when the bytes
// are, and a stand-in for a non-32-byte root is a SHA-256 output nobody can make a proof
// compute. This feeds upstream's deliberately short "roots" through our verifier.
Hash RootStandIn(const Bytes& root) {
  if (auto hash = AsHash(root)) return *hash;
  return HashLeaf(root);
}

// The proof, or nullopt when an element is not 32 bytes (no valid proof has one). A null
// proof is an empty one.
std::optional<std::vector<Hash>> ProofField(const nlohmann::json& probe) {
  std::vector<Hash> proof;
  if (probe.at("proof").is_null()) return proof;
  for (const auto& element : probe.at("proof")) {
    auto bytes = Base64Decode(element.get<std::string>());
    EXPECT_TRUE(bytes.has_value());
    auto hash = AsHash(bytes.value_or(Bytes{}));
    if (!hash) return std::nullopt;
    proof.push_back(*hash);
  }
  return proof;
}

// Harness rule: a leaf hash or proof element that is not 32 bytes is an error without asking
// the verifier (our API cannot carry it); roots go through RootStandIn.
TEST(ProofVectorsTest, InclusionProbesGiveTheExpectedVerdict) {
  const auto files = JsonFilesUnder("merkle/inclusion");
  EXPECT_EQ(files.size(), 98u);
  int rejected = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const nlohmann::json probe = ReadProbe(file);
    const uint64_t leaf_index = probe.at("leafIdx").get<uint64_t>();
    const uint64_t tree_size = probe.at("treeSize").get<uint64_t>();
    const Hash root = RootStandIn(Base64Field(probe, "root"));
    const auto leaf_hash = AsHash(Base64Field(probe, "leafHash"));
    const auto proof = ProofField(probe);
    bool ok = false;
    if (leaf_hash && proof) {
      ok = VerifyInclusion(leaf_index, tree_size, *leaf_hash, *proof, root).ok();
      auto computed = RootFromInclusionProof(leaf_index, tree_size, *leaf_hash, *proof);
      EXPECT_EQ(ok, computed.ok() && *computed == root);
    }
    EXPECT_EQ(ok, !probe.at("wantErr").get<bool>()) << probe.at("desc");
    rejected += ok ? 0 : 1;
  }
  EXPECT_EQ(rejected, 98 - 6);  // all but the 5 happy paths and single-entry/matching-root-and-leaf
}

TEST(ProofVectorsTest, ConsistencyProbesGiveTheExpectedVerdict) {
  const auto files = JsonFilesUnder("merkle/consistency");
  EXPECT_EQ(files.size(), 98u);
  int accepted = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const nlohmann::json probe = ReadProbe(file);
    const uint64_t size1 = probe.at("size1").get<uint64_t>();
    const uint64_t size2 = probe.at("size2").get<uint64_t>();
    const Hash root1 = RootStandIn(Base64Field(probe, "root1"));
    const Hash root2 = RootStandIn(Base64Field(probe, "root2"));
    const auto proof = ProofField(probe);
    bool ok = false;
    if (proof) {
      ok = VerifyConsistency(size1, size2, root1, root2, *proof).ok();
      auto computed = RootFromConsistencyProof(size1, size2, root1, *proof);
      EXPECT_EQ(ok, computed.ok() && *computed == root2);
    }
    EXPECT_EQ(ok, !probe.at("wantErr").get<bool>()) << probe.at("desc");
    accepted += ok ? 1 : 0;
  }
  EXPECT_EQ(accepted, 5 + 1);  // the 5 happy paths and sizes-are-equal-one-and-proof-is-empty
}

TEST(ProofVectorsTest, VerificationFailuresAreVerificationFailed) {
  const Hash leaf = HashLeaf({});
  auto inclusion = RootFromInclusionProof(1, 1, leaf, {});
  ASSERT_FALSE(inclusion.ok());
  EXPECT_EQ(inclusion.error().code, ErrorCode::kVerificationFailed);
  Status consistency = VerifyConsistency(0, 0, leaf, leaf, {});
  ASSERT_FALSE(consistency.ok());
  EXPECT_EQ(consistency.error().code, ErrorCode::kVerificationFailed);
}

// Stores the RFC 6962 reference tree's leaves in an InMemoryTree.
class ReferenceTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vector_ = scitt::testing::ReadJsonVector("merkle/rfc6962-reference-tree.json");
    leaves_ = HashesFromHex(vector_.at("leaf_hashes"));
    for (const Hash& leaf : leaves_) tree_.Append(leaf);
  }

  nlohmann::json vector_;
  std::vector<Hash> leaves_;
  InMemoryTree tree_;
};

TEST_F(ReferenceTreeTest, LeafHashesAreHashLeafOfTheTestLeaves) {
  const auto& inputs = vector_.at("leaves_hex");
  ASSERT_EQ(inputs.size(), 8u);
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(HashLeaf(scitt::testing::Hex(inputs[i].get<std::string>())), leaves_[i]) << i;
  }
}

TEST_F(ReferenceTreeTest, RootsForEverySize) {
  for (uint64_t size = 0; size <= 8; ++size) {
    const Hash want = HashFromHex(vector_.at("roots").at(std::to_string(size)).get<std::string>());
    EXPECT_EQ(RootOf(std::span(leaves_).first(size)), want) << size;
    auto stored = tree_.RootAt(size);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(*stored, want) << size;
  }
  EXPECT_EQ(tree_.Root(), HashFromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"));
}

TEST_F(ReferenceTreeTest, EveryInclusionProof) {
  const auto& cases = vector_.at("inclusion_proofs");
  EXPECT_EQ(cases.size(), 36u);
  for (const auto& c : cases) {
    const uint64_t index = c.at("leafIdx").get<uint64_t>();
    const uint64_t size = c.at("treeSize").get<uint64_t>();
    SCOPED_TRACE(std::to_string(index) + " of " + std::to_string(size));
    const auto want = HashesFromHex(c.at("proof"));
    EXPECT_EQ(InclusionPath(index, std::span(leaves_).first(size)), want);
    auto stored = tree_.InclusionProof(index, size);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_EQ(*stored, want);
    EXPECT_TRUE(VerifyInclusion(index, size, HashFromHex(c.at("leafHash").get<std::string>()),
                                want, HashFromHex(c.at("root").get<std::string>())).ok());
  }
}

TEST_F(ReferenceTreeTest, EveryConsistencyProof) {
  const auto& cases = vector_.at("consistency_proofs");
  EXPECT_EQ(cases.size(), 36u);
  for (const auto& c : cases) {
    const uint64_t size1 = c.at("size1").get<uint64_t>();
    const uint64_t size2 = c.at("size2").get<uint64_t>();
    SCOPED_TRACE(std::to_string(size1) + " to " + std::to_string(size2));
    const auto want = HashesFromHex(c.at("proof"));
    EXPECT_EQ(ConsistencyPath(size1, std::span(leaves_).first(size2)), want);
    auto stored = tree_.ConsistencyProof(size1, size2);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_EQ(*stored, want);
    EXPECT_TRUE(VerifyConsistency(size1, size2, HashFromHex(c.at("root1").get<std::string>()),
                                  HashFromHex(c.at("root2").get<std::string>()), want).ok());
  }
}

// RFC 9942 example receipts (cose-wg): a log of the five entries SHA-256("statement-i").
TEST(CoseWgExampleTreeTest, ReceiptPathsAndRoots) {
  const nlohmann::json derived =
      scitt::testing::ReadJsonVector("receipts/cose-wg/derived-values.json");
  std::vector<Hash> leaves;
  InMemoryTree tree;
  for (int i = 0; i < 5; ++i) {
    const std::string statement = "statement-" + std::to_string(i);
    Hash entry;
    ASSERT_EQ(EVP_Digest(statement.data(), statement.size(), entry.data(), nullptr,
                         EVP_sha256(), nullptr), 1);
    EXPECT_EQ(entry, HashFromHex(derived.at("entries").at(i).get<std::string>()));
    leaves.push_back(HashLeaf(entry));
    tree.Append(leaves.back());
  }
  EXPECT_EQ(leaves, HashesFromHex(derived.at("leaf_hashes")));

  const auto want_path = HashesFromHex(derived.at("inclusion_receipt").at("inclusion_path"));
  ASSERT_EQ(want_path.size(), 3u);
  EXPECT_EQ(want_path[0], HashFromHex("3d06455dd33da4e9bbd8090677a2d0955e6dffe4b92069605a468920d1198095"));
  EXPECT_EQ(want_path[1], HashFromHex("33a5211719e06238a191c7244a7633187da2c9aaa5bc6dec54e2cbb498255434"));
  EXPECT_EQ(want_path[2], HashFromHex("4d75742d9ea02f7767dcd554a7878ff22cdb208be9f3d35f7aa7700b57e741c0"));
  EXPECT_EQ(InclusionPath(3, leaves), want_path);
  EXPECT_EQ(*tree.InclusionProof(3, 5), want_path);

  const auto want_proof = HashesFromHex(derived.at("consistency_receipt").at("consistency_path"));
  ASSERT_EQ(want_proof.size(), 4u);
  EXPECT_EQ(want_proof[1], HashFromHex("987ba8093cabe31046a77bbe9aa4b5f62675d943386c7fbbe249cbaca5da242d"));
  EXPECT_EQ(ConsistencyPath(3, leaves), want_proof);
  EXPECT_EQ(*tree.ConsistencyProof(3, 5), want_proof);

  const Hash root3 = HashFromHex("688928db5e565af2fb9b29db5cce83de0e0352a0f0c671b450b9dc86bed2de3c");
  const Hash root5 = HashFromHex("895731b5a570ea1967dd7804b5f43146175f9ac87d1565985de3ecf09c98589c");
  EXPECT_EQ(*tree.RootAt(3), root3);
  EXPECT_EQ(tree.Root(), root5);
  EXPECT_TRUE(VerifyInclusion(3, 5, leaves[3], want_path, root5).ok());
  EXPECT_TRUE(VerifyConsistency(3, 5, root3, root5, want_proof).ok());
  EXPECT_EQ(*RootFromInclusionProof(3, 5, leaves[3], want_path), root5);
  EXPECT_EQ(*RootFromConsistencyProof(3, 5, root3, want_proof), root5);
}

}  // namespace
}  // namespace scitt::merkle

// `scitt registry copy`: an artifact and, with --with-referrers, its whole
// referrers tree from one registry to another. Every receipt is checked
// against the source service's keys before the first byte is written to
// the destination, so a copy never spreads a receipt that does not verify.
#include <iostream>
#include <memory>

#include "cli/registry_client.h"
#include "oci_client/artifact.h"
#include "oci_client/scitt_evidence.h"
#include "registry/scitt_profile.h"

namespace scitt::cli {
namespace {

using oci_client::ReceiptState;
using oci_client::ReferrerNode;

struct CopyOptions {
  std::string source;
  std::string destination;
  bool with_referrers = false;
  RegistryFlags registry;
  ServiceKeyFlags keys;
};

bool IsType(const registry::Descriptor& descriptor, std::string_view type) {
  return descriptor.artifact_type && *descriptor.artifact_type == type;
}

Error VerificationFailed(const std::string& message) {
  return MakeError(ErrorCode::kVerificationFailed, message + "; nothing was written to the destination");
}

// Every receipt in the tree (receipt manifests, and receipts inside
// statements) against its statement; the first failure is the error.
Status CheckEveryReceipt(oci_client::EvidenceChecker& checker, const std::vector<ReferrerNode>& nodes,
                         size_t* receipts) {
  for (const ReferrerNode& node : nodes) {
    const registry::Descriptor& d = node.descriptor;
    if (IsType(d, registry::kReceiptArtifactType)) {
      ++*receipts;
      if (!checker.has_keys()) {
        return VerificationFailed("the referrers hold receipts: give --service-keys or --service to check them");
      }
      SCITT_ASSIGN_OR_RETURN(auto checked, checker.Receipt(d.digest));
      if (checked.verdict.state != ReceiptState::kVerified) {
        return VerificationFailed("receipt " + d.digest.ToString() + " does not verify: " + checked.verdict.detail);
      }
    } else if (IsType(d, registry::kStatementArtifactType)) {
      SCITT_ASSIGN_OR_RETURN(const oci_client::LoadedStatement* statement, checker.Statement(d.digest));
      for (const auto& verdict : checker.EmbeddedReceipts(*statement)) {
        ++*receipts;
        if (verdict.state == ReceiptState::kNotChecked) {
          return VerificationFailed("statement " + d.digest.ToString() +
                                    " holds receipts: give --service-keys or --service to check them");
        }
        if (verdict.state == ReceiptState::kFailed) {
          return VerificationFailed("a receipt inside statement " + d.digest.ToString() +
                                    " does not verify: " + verdict.detail);
        }
      }
    }
    SCITT_RETURN_IF_ERROR(CheckEveryReceipt(checker, node.referrers, receipts));
  }
  return Status::Ok();
}

struct Copier {
  oci_client::RegistryClient& source;
  const std::string& source_repository;
  oci_client::RegistryClient& destination;
  const std::string& destination_repository;
  size_t copied = 0;

  // A referrer and its referrers, parents first (a subject before what
  // refers to it, so a registry that checks subjects finds them).
  Status Copy(const ReferrerNode& node) {
    const registry::Digest& digest = node.descriptor.digest;
    SCITT_ASSIGN_OR_RETURN(oci_client::FetchedManifest manifest,
                           source.GetManifest(source_repository, digest.ToString()));
    SCITT_ASSIGN_OR_RETURN(oci_client::Artifact artifact,
                           oci_client::ReadArtifact(source, source_repository, std::move(manifest)));
    SCITT_ASSIGN_OR_RETURN(oci_client::PushedManifest pushed,
                           oci_client::CopyArtifact(source, source_repository, destination, destination_repository,
                                                    artifact, digest.ToString()));
    const oci_client::FetchedManifest& root = artifact.root();
    // distribution-spec: no OCI-Subject means the client keeps the
    // referrers tag (docker-registry 2.8.2).
    if (!pushed.subject_indexed && root.parsed.subject) {
      SCITT_RETURN_IF_ERROR(destination.AddToReferrersTag(
          destination_repository, root.parsed.subject->digest,
          registry::ReferrerDescriptor(root.parsed, root.digest, static_cast<int64_t>(root.bytes.size()))));
    }
    ++copied;
    std::cout << "referrer  " << node.descriptor.artifact_type.value_or(node.descriptor.media_type) << " "
              << digest.ToString() << "\n";
    for (const ReferrerNode& child : node.referrers) SCITT_RETURN_IF_ERROR(Copy(child));
    return Status::Ok();
  }
};

int Copy(const CopyOptions& opts) {
  auto source_ref = oci_client::ParseImageReference(opts.source);
  if (!source_ref.ok()) return ReportFailure("copy", source_ref.error());
  auto destination_ref = oci_client::ParseImageReference(opts.destination);
  if (!destination_ref.ok()) return ReportFailure("copy", destination_ref.error());
  auto keys = LoadServiceKeys(opts.keys, opts.registry);
  if (!keys.ok()) return ReportFailure("copy", keys.error());
  auto source = MakeRegistryClient(opts.registry, *source_ref);
  if (!source.ok()) return ReportFailure("copy", source.error());
  auto destination = MakeRegistryClient(opts.registry, *destination_ref);
  if (!destination.ok()) return ReportFailure("copy", destination.error());

  auto root = ResolveSubject(*source, *source_ref);
  if (!root.ok()) return ReportFailure("copy", root.error());
  const registry::Digest root_digest = root->digest;
  if (destination_ref->digest && *destination_ref->digest != root_digest) {
    return ReportError("copy: " + destination_ref->ToString() + " names another digest than the source's " +
                       root_digest.ToString());
  }
  // The destination tag: the one given, else the source's; a reference
  // by digest alone pushes by digest.
  const std::string destination_reference =
      !destination_ref->tag.empty() ? destination_ref->tag
      : destination_ref->digest     ? root_digest.ToString()
      : !source_ref->tag.empty()    ? source_ref->tag
      : source_ref->digest          ? root_digest.ToString()
                                    : "latest";
  auto artifact = oci_client::ReadArtifact(*source, source_ref->repository, std::move(root).value());
  if (!artifact.ok()) return ReportFailure("copy", artifact.error());

  // Everything is read and checked before anything is written.
  std::vector<ReferrerNode> tree;
  size_t receipts = 0;
  if (opts.with_referrers) {
    auto walked = oci_client::WalkReferrers(*source, source_ref->repository, root_digest, std::nullopt);
    if (!walked.ok()) return ReportFailure("copy", walked.error());
    tree = std::move(walked).value();
    oci_client::EvidenceChecker checker(*source, source_ref->repository, std::move(keys).value());
    if (Status checked = CheckEveryReceipt(checker, tree, &receipts); !checked.ok()) {
      return ReportFailure("copy", checked.error());
    }
  }

  auto pushed = oci_client::CopyArtifact(*source, source_ref->repository, *destination,
                                         destination_ref->repository, *artifact, destination_reference);
  if (!pushed.ok()) return ReportFailure("copy", pushed.error());
  std::cout << "copied    " << root_digest.ToString() << " to " << destination_ref->registry << "/"
            << destination_ref->repository << ":" << destination_reference << "\n";
  Copier copier{*source, source_ref->repository, *destination, destination_ref->repository};
  for (const ReferrerNode& node : tree) {
    if (Status copied = copier.Copy(node); !copied.ok()) return ReportFailure("copy", copied.error());
  }
  if (opts.with_referrers) {
    std::cout << copier.copied << " referrer(s) copied, " << receipts << " receipt(s) verified\n";
  }
  return kExitOk;
}

}  // namespace

void AddRegistryCopyCommand(CLI::App* registry_cmd, Action* action) {
  auto opts = std::make_shared<CopyOptions>();
  CLI::App* cmd = registry_cmd->add_subcommand(
      "copy", "Copy an artifact (and its referrers, receipts verified first) to another repository or registry");
  cmd->add_option("SRC_REF", opts->source, "host[:port]/name[:tag][@digest]")->required();
  cmd->add_option("DST_REF", opts->destination, "host[:port]/name[:tag]")->required();
  cmd->add_flag("--with-referrers", opts->with_referrers,
                "Also copy every referrer, recursively, after checking every receipt");
  AddServiceKeyFlags(cmd, &opts->keys);
  AddRegistryFlags(cmd, &opts->registry);
  cmd->callback([opts, action] { *action = [opts] { return Copy(*opts); }; });
}

}  // namespace scitt::cli

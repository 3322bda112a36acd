// `scitt registry attach`: a signed statement pushed as a referrer of an
// image (docs/scitt-in-oci.md), optionally registered first, with its
// receipts pushed as referrers of the statement manifest.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <memory>

#include "base/file.h"
#include "base/text.h"
#include "cli/registry_client.h"
#include "cose/labels.h"
#include "cose/receipt.h"
#include "cose/sign1.h"
#include "registry/scitt_profile.h"

namespace scitt::cli {
namespace {

struct AttachOptions {
  std::string image;
  std::string statement_file;
  RegistryFlags registry;
  ClientFlags service;  // --register URL, --token
};

// scheme://host:port of a URL, for telling whether two URLs name one server.
std::string Origin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  return url.substr(0, url.find('/', scheme + 3));
}

// The statement without its receipts (header 394): what the statement
// manifest holds, its receipts going beside it as receipt manifests.
Bytes WithoutReceipts(const cose::Sign1& statement) {
  cbor::Map kept;
  for (const auto& entry : statement.unprotected_headers().map.map()) {
    if (entry.first.AsInt64() != cose::header::kReceipts) kept.push_back(entry);
  }
  return statement.WithUnprotected(cbor::Value::FromMap(std::move(kept)));
}

// The log index a receipt's first inclusion proof names, for the receipt
// manifest's annotation (unauthenticated: the signature covers the root).
Result<uint64_t> EntryIndex(ByteView receipt) {
  SCITT_ASSIGN_OR_RETURN(cose::Receipt parsed, cose::Receipt::Parse(receipt));
  if (parsed.vds != cose::vds::kRfc9162Sha256 || parsed.inclusion_proofs.empty()) {
    return MakeError(ErrorCode::kUnsupported, "not an RFC 9162 inclusion receipt (vds 1)");
  }
  SCITT_ASSIGN_OR_RETURN(cose::InclusionProof proof, cose::DecodeInclusionProof(parsed.inclusion_proofs[0]));
  return proof.leaf_index;
}

// Pushes `manifest` by digest and keeps the referrers tag when the
// registry does not index its subject itself.
Result<oci_client::PushedManifest> PushReferrer(oci_client::RegistryClient& client, const std::string& repository,
                                                const std::string& manifest) {
  const registry::Digest digest = registry::Digest::Sha256Of(AsBytes(manifest));
  SCITT_ASSIGN_OR_RETURN(oci_client::PushedManifest pushed,
                         client.PutManifest(repository, digest.ToString(), AsBytes(manifest),
                                            std::string(registry::kOciManifest)));
  if (!pushed.subject_indexed) {
    SCITT_ASSIGN_OR_RETURN(registry::Manifest parsed,
                           registry::ParseManifest(registry::kOciManifest, AsBytes(manifest)));
    SCITT_RETURN_IF_ERROR(client.AddToReferrersTag(
        repository, parsed.subject->digest,
        registry::ReferrerDescriptor(parsed, digest, static_cast<int64_t>(manifest.size()))));
  }
  return pushed;
}

int Attach(const AttachOptions& opts) {
  auto reference = oci_client::ParseImageReference(opts.image);
  if (!reference.ok()) return ReportFailure("attach", reference.error());
  auto file = ReadFile(opts.statement_file);
  if (!file.ok()) return ReportFailure("attach", file.error());
  auto statement = cose::Sign1::Parse(*file);
  if (!statement.ok()) return ReportError("attach: " + opts.statement_file + ": " + statement.error().message);
  auto client = MakeRegistryClient(opts.registry, *reference);
  if (!client.ok()) return ReportFailure("attach", client.error());
  auto image = ResolveSubject(*client, *reference);
  if (!image.ok()) return ReportFailure("attach", image.error());
  const std::string& repository = reference->repository;

  // A transparent statement's receipts go beside it; so does the receipt
  // of a registration made here.
  std::vector<Bytes> receipts = statement->unprotected_headers().receipts;
  const Bytes signed_statement = receipts.empty() ? *file : WithoutReceipts(*statement);
  auto extensions = client->ListExtensions();
  if (!extensions.ok()) return ReportFailure("attach", extensions.error());
  // Our registry registers every statement pushed to it (docs/scitt-in-oci.md)
  // and attaches the receipt itself: registering at the same service first
  // would only ask it twice.
  const bool registry_registers =
      std::find(extensions->begin(), extensions->end(), "_scitt") != extensions->end();
  if (!opts.service.url.empty()) {
    if (registry_registers && Origin(opts.service.url) == Origin(client->base_url())) {
      std::cout << "register: " << opts.service.url << " registers what its registry receives; pushing only\n";
    } else {
      auto answer = SubmitStatement(opts.service, signed_statement);
      if (!answer.ok()) return ReportFailure("attach", answer.error());
      if (answer->status != 200 && answer->status != 201) {
        std::cerr << "scitt: attach: registration refused: " << DescribeFailure(*answer) << "\n";
        return kExitCheckFailed;
      }
      std::cout << "registered: " << opts.service.url << "\n";
      receipts.push_back(ToBytes(answer->body));
    }
  }

  const Bytes empty = ToBytes("{}");
  const registry::Digest layer_digest = registry::Digest::Sha256Of(signed_statement);
  for (const auto& [digest, content] : {std::pair{registry::Digest::Sha256Of(empty), &empty},
                                        std::pair{layer_digest, &signed_statement}}) {
    if (Status pushed = client->PushBlob(repository, digest, *content); !pushed.ok()) {
      return ReportFailure("attach", pushed.error());
    }
  }
  registry::Annotations annotations = registry::StatementAnnotations(*statement);
  annotations.emplace("org.opencontainers.image.created", FormatUtc(std::time(nullptr)));
  const registry::Descriptor layer{std::string(registry::kStatementArtifactType), layer_digest,
                                   static_cast<int64_t>(signed_statement.size()), {}, {}, {}};
  const std::string manifest = registry::StatementManifest(image->descriptor(), layer, annotations).bytes;
  auto pushed = PushReferrer(*client, repository, manifest);
  if (!pushed.ok()) return ReportFailure("attach", pushed.error());
  const registry::Descriptor statement_manifest{std::string(registry::kOciManifest), pushed->digest,
                                                static_cast<int64_t>(manifest.size()), {}, {}, {}};
  std::cout << "subject:   " << image->digest.ToString() << "\n"
            << "statement: " << pushed->digest.ToString() << "\n";

  // What is listed already: the receipt our registry attached while
  // answering the push.
  auto listed = client->ListReferrers(repository, pushed->digest, std::string(registry::kReceiptArtifactType));
  if (!listed.ok()) return ReportFailure("attach", listed.error());
  for (const registry::Descriptor& receipt : listed->referrers) {
    std::cout << "receipt:   " << receipt.digest.ToString() << " (attached by the registry)\n";
  }
  for (const Bytes& receipt : receipts) {
    auto index = EntryIndex(receipt);
    if (!index.ok()) {
      std::cerr << "scitt: attach: a receipt is not pushed: " << index.error().message << "\n";
      continue;
    }
    const registry::Digest blob = registry::Digest::Sha256Of(receipt);
    const std::string receipt_manifest = registry::ReceiptManifest(
        statement_manifest,
        registry::Descriptor{std::string(registry::kReceiptArtifactType), blob, static_cast<int64_t>(receipt.size()),
                             {}, {}, {}},
        *index).bytes;
    const registry::Digest digest = registry::Digest::Sha256Of(AsBytes(receipt_manifest));
    const bool already = std::any_of(listed->referrers.begin(), listed->referrers.end(),
                                     [&](const registry::Descriptor& d) { return d.digest == digest; });
    if (already) continue;
    if (Status blob_pushed = client->PushBlob(repository, blob, receipt); !blob_pushed.ok()) {
      return ReportFailure("attach", blob_pushed.error());
    }
    auto receipt_pushed = PushReferrer(*client, repository, receipt_manifest);
    if (!receipt_pushed.ok()) return ReportFailure("attach", receipt_pushed.error());
    std::cout << "receipt:   " << receipt_pushed->digest.ToString() << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddRegistryAttachCommand(CLI::App* registry_cmd, Action* action) {
  auto opts = std::make_shared<AttachOptions>();
  CLI::App* cmd = registry_cmd->add_subcommand(
      "attach", "Push a signed statement as a referrer of an image (and its receipts as referrers of it)");
  cmd->add_option("IMAGE_REF", opts->image, "host[:port]/name[:tag][@digest]")->required();
  cmd->add_option("STATEMENT", opts->statement_file, "Signed or transparent statement (COSE_Sign1)")->required();
  cmd->add_option("--register", opts->service.url, "Register the statement at this transparency service first");
  cmd->add_option("--token", opts->service.token, "Bearer token for --register");
  AddRegistryFlags(cmd, &opts->registry);
  cmd->callback([opts, action] {
    // The service is reached with the registry's TLS settings.
    opts->service.ca_file = opts->registry.ca_file;
    opts->service.insecure = opts->registry.insecure;
    opts->service.timeout_seconds = opts->registry.timeout_seconds;
    *action = [opts] { return Attach(*opts); };
  });
}

}  // namespace scitt::cli

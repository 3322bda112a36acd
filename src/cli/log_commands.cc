// `scitt log verify`: audit a whole log over HTTP or from a data directory.
// `scitt log fsck`: check every stored node, entry and tree head of a data
// directory against each other (read-only).
#include <iostream>
#include <memory>

#include "base/file.h"
#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/log_audit.h"
#include "cose/labels.h"
#include "log/checkpoint.h"
#include "log/pages.h"
#include "log/tiles.h"
#include "log/transparency_log.h"
#include "log/store_check.h"
#include "merkle/tree.h"
#include "service/service_keys.h"
#include "storage/store.h"

namespace scitt::cli {
namespace {

constexpr uint64_t kPage = 1000;
constexpr size_t kPageBytes = 8u << 20;

// Reads the log through the service's read API.
class HttpAuditSource : public AuditSource {
 public:
  explicit HttpAuditSource(ClientFlags flags) : flags_(std::move(flags)) {}
  std::string Describe() const override { return flags_.url; }

  Result<std::string> Checkpoint() override { return GetText("/checkpoint"); }
  Result<std::string> CheckpointVerifierKey() override {
    SCITT_ASSIGN_OR_RETURN(std::string text, GetText("/.well-known/scitt-checkpoint-key"));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }
  Result<Bytes> ServiceKeys() override { return FetchServiceKeys(flags_); }

  Result<std::vector<log::LogEntry>> Entries(uint64_t from) override {
    SCITT_ASSIGN_OR_RETURN(Bytes doc, GetBody("/entries?from=" + std::to_string(from) + "&limit=" + std::to_string(kPage)));
    SCITT_ASSIGN_OR_RETURN(log::EntryPage page, log::DecodeEntryPage(doc));
    return std::move(page.entries);
  }

  Result<std::vector<log::TreeHead>> TreeHeads(uint64_t from) override {
    SCITT_ASSIGN_OR_RETURN(Bytes doc, GetBody("/tree-heads?from=" + std::to_string(from) + "&limit=" + std::to_string(kPage)));
    SCITT_ASSIGN_OR_RETURN(log::TreeHeadPage page, log::DecodeTreeHeadPage(doc));
    return std::move(page.tree_heads);
  }

  Result<Bytes> Tile(const merkle::TileCoord& coord) override {
    std::string path = coord.entries ? merkle::EntryBundlePath(coord.index, coord.partial_width)
                                     : merkle::TilePath(coord.level, coord.index, coord.partial_width);
    SCITT_ASSIGN_OR_RETURN(http::Response res, Get("/" + path));
    return Bytes(res.body.begin(), res.body.end());
  }

 private:
  Result<http::Response> Get(const std::string& path) {
    SCITT_ASSIGN_OR_RETURN(http::Response res, GetFollowing(flags_, path, {}));
    if (res.status != 200) return MakeError(ErrorCode::kIo, "GET " + path + ": " + DescribeFailure(res));
    return res;
  }
  Result<std::string> GetText(const std::string& path) {
    SCITT_ASSIGN_OR_RETURN(http::Response res, Get(path));
    return res.body;
  }
  Result<Bytes> GetBody(const std::string& path) {
    SCITT_ASSIGN_OR_RETURN(http::Response res, Get(path));
    return Bytes(res.body.begin(), res.body.end());
  }

  ClientFlags flags_;
};

// Reads a data directory directly; the service must not be running on it.
// An audit never changes what it audits: the store and the keys are opened
// read-only, and a directory without a log is refused, not created.
class DataAuditSource : public AuditSource {
 public:
  static Result<std::unique_ptr<DataAuditSource>> Open(const std::string& dir) {
    std::unique_ptr<DataAuditSource> source(new DataAuditSource());
    source->dir_ = dir;
    storage::StoreOptions options;
    options.read_only = true;
    SCITT_ASSIGN_OR_RETURN(source->store_, storage::OpenStore("file:" + dir, options));
    SCITT_ASSIGN_OR_RETURN(source->keys_, service::LoadServiceKeys(dir));
    return source;
  }
  std::string Describe() const override { return dir_; }

  Result<std::string> Checkpoint() override {
    SCITT_ASSIGN_OR_RETURN(log::TreeHead head, store_->LatestTreeHead());
    return head.checkpoint;
  }
  Result<std::string> CheckpointVerifierKey() override {
    SCITT_ASSIGN_OR_RETURN(auto origin, store_->GetMeta("origin"));
    if (!origin) return MakeError(ErrorCode::kNotFound, "the data directory has no log origin");
    return log::NoteSigner(*origin, keys_.checkpoint_key).VerifierKey();
  }
  Result<Bytes> ServiceKeys() override {
    cbor::Array keys;
    for (auto& [kid, key] : service::PublishedCoseKeys(keys_)) keys.push_back(std::move(key));
    return cbor::Encode(cbor::Value::FromArray(std::move(keys)));
  }
  Result<std::vector<log::LogEntry>> Entries(uint64_t from) override {
    SCITT_ASSIGN_OR_RETURN(log::EntryPage page, log::ReadEntryPage(*store_, from, {kPage, kPageBytes}));
    return std::move(page.entries);
  }
  Result<std::vector<log::TreeHead>> TreeHeads(uint64_t from) override {
    SCITT_ASSIGN_OR_RETURN(log::TreeHeadPage page, log::ReadTreeHeadPage(*store_, from, {kPage, kPageBytes}));
    return std::move(page.tree_heads);
  }
  Result<Bytes> Tile(const merkle::TileCoord& coord) override { return log::ReadTile(*store_, coord); }


 private:
  DataAuditSource() = default;
  std::string dir_;
  std::unique_ptr<log::LogStore> store_;
  service::ServiceKeys keys_;
};

struct LogVerifyOptions {
  ClientFlags client;
  std::string data;
  std::string checkpoint_key;
  bool json = false;
};

int VerifyLog(const LogVerifyOptions& opts) {
  if (opts.client.url.empty() == opts.data.empty()) return ReportError("give either --url or --data");
  std::unique_ptr<AuditSource> source;
  if (!opts.data.empty()) {
    auto data = DataAuditSource::Open(opts.data);
    if (!data.ok()) return ReportError(data.error());
    source = std::move(data).value();
  } else {
    source = std::make_unique<HttpAuditSource>(opts.client);
  }
  std::vector<std::string> notes;
  auto report = AuditLog(*source, opts.checkpoint_key, &notes);
  if (!report.ok()) {
    std::cerr << "scitt: log verification failed: " << report.error().message << "\n";
    return report.error().code == ErrorCode::kVerificationFailed ? kExitCheckFailed : kExitUnusable;
  }
  for (const auto& note : notes) std::cout << "note: " << note << "\n";
  std::cout << "entries:           " << report->entries << "\n"
            << "replayed:          " << report->registrations_replayed << " registrations\n"
            << "verdicts:          " << report->admission_verdicts << " admission verdicts, signed by the service\n"
            << "tree heads:        " << report->tree_heads << "\n"
            << "tiles:             " << report->tiles << "\n"
            << "checkpoint:        size " << report->tree_size << ", root " << report->root_hex << "\n";
  for (const auto& problem : report->problems) std::cout << "PROBLEM " << problem << "\n";
  std::cout << (report->problems.empty() ? "log verified" : "log NOT verified") << "\n";
  return report->problems.empty() ? kExitOk : kExitCheckFailed;
}

// Exit 0 when the store is sound, 1 when something is damaged (including a
// store too damaged to open), 2 when there is nothing to check.
int FsckLog(const std::string& data) {
  storage::StoreOptions options;
  options.read_only = true;
  options.signed_content_of = log::SignedContentOf;  // for entries the stored lookups lack
  auto store = storage::OpenStore("file:" + data, options);
  if (!store.ok()) {
    // No log there, or a service has it open: nothing was checked.
    if (store.error().code == ErrorCode::kNotFound || store.error().code == ErrorCode::kConflict) {
      return ReportError(store.error());
    }
    std::cout << "DAMAGE " << store.error().message << "\nstore DAMAGED\n";
    return kExitCheckFailed;
  }
  auto report = log::CheckStore(**store);
  if (!report.ok()) return ReportError("log fsck: " + report.error().message);
  std::cout << "tree size:   " << report->tree_size << "\n"
            << "entries:     " << report->entries << " match their entry hashes\n"
            << "lookups:     " << report->lookups
            << " entries found by entry hash and by signed content\n"
            << "nodes:       " << report->nodes << " checked\n"
            << "tree heads:  " << report->tree_heads << " checked\n";
  for (const auto& note : report->notes) std::cout << "note: " << note << "\n";
  for (const auto& damage : report->damage) std::cout << "DAMAGE " << damage << "\n";
  if (report->damage_count > report->damage.size()) {
    std::cout << "DAMAGE … and " << report->damage_count - report->damage.size() << " more\n";
  }
  if (report->damage_count != 0) {
    std::cout << "store DAMAGED (" << report->damage_count << " problems)\n";
    return kExitCheckFailed;
  }
  std::cout << "store OK\n";
  return kExitOk;
}

}  // namespace

void AddLogCommands(CLI::App& app, Action* action) {
  CLI::App* log_cmd = app.add_subcommand("log", "Audit a transparency log");
  log_cmd->require_subcommand(1);
  auto opts = std::make_shared<LogVerifyOptions>();
  CLI::App* verify = log_cmd->add_subcommand(
      "verify",
      "Replay a whole log: recompute the tree from every statement, check every signed tree head, "
      "checkpoint and tile against it, and re-run every registration under the policy then in force");
  verify->add_option("--url", opts->client.url, "Base URL of the service");
  verify->add_option("--data", opts->data, "A data directory instead (the service must be stopped)");
  verify->add_option("--checkpoint-key", opts->checkpoint_key,
                     "C2SP verifier key to trust (default: the one the log publishes)");
  verify->add_option("--ca-file", opts->client.ca_file, "CA certificate (PEM) to trust for https");
  verify->add_option("--timeout", opts->client.timeout_seconds, "Per-request timeout, seconds");
  verify->callback([opts, action] { *action = [opts] { return VerifyLog(*opts); }; });

  auto fsck_data = std::make_shared<std::string>();
  CLI::App* fsck = log_cmd->add_subcommand(
      "fsck",
      "Check a data directory read-only: every statement against its entry hash, every entry "
      "found by its entry hash and signed content, every stored Merkle node against the tree "
      "recomputed from the entries, every signed tree head's root");
  fsck->add_option("--data", *fsck_data, "The data directory (the service must be stopped)")->required();
  fsck->callback([fsck_data, action] { *action = [fsck_data] { return FsckLog(*fsck_data); }; });
}

}  // namespace scitt::cli

// `scitt index rebuild`: the evidence index built again from the log alone
// (storage::RebuildEvidenceStore), offline, with the service stopped.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "storage/store.h"

namespace scitt::cli {
namespace {

struct RebuildOptions {
  std::string data;
  std::string url;
  bool check = false;
};

int RebuildIndex(const RebuildOptions& opts) {
  std::vector<std::string> base_urls;
  if (!opts.url.empty()) base_urls.push_back(opts.url);
  auto rebuilt = storage::RebuildEvidenceStore(
      "file:" + opts.data, base_urls,
      [](uint64_t entries) {
        if (entries % 100'000 == 0) std::cerr << "indexed " << entries << " entries\n";
      },
      opts.check);
  if (!rebuilt.ok()) return ReportError("index rebuild: " + rebuilt.error().message);
  std::cout << "entries:     " << rebuilt->entries << " read from the log\n"
            << "statements:  " << rebuilt->statements << " indexed (" << rebuilt->errors
            << " with a payload that breaks its format)\n"
            << "edges:       " << rebuilt->edges << "\n";
  for (const std::string& url : rebuilt->base_urls) {
    std::cout << "registry:    payload-locations under " << url << (opts.url.empty() ? " (as the index had it)" : "")
              << "\n";
  }
  if (const auto& differences = rebuilt->differences) {
    const uint64_t total = differences->statements_only_in_live + differences->statements_only_in_rebuilt +
                           differences->edges_only_in_live + differences->edges_only_in_rebuilt;
    std::cout << "compared:    the entries below " << differences->compared_size << "\n"
              << "statements:  " << differences->statements_only_in_live << " only in the index, "
              << differences->statements_only_in_rebuilt << " only in the rebuild\n"
              << "edges:       " << differences->edges_only_in_live << " only in the index, "
              << differences->edges_only_in_rebuilt << " only in the rebuild\n"
              << (total == 0 ? "index matches the log\n" : "index DIFFERS from the log\n");
    return total == 0 ? kExitOk : kExitCheckFailed;
  }
  std::cout << "index rebuilt: " << opts.data << "/evidence.sqlite\n";
  return kExitOk;
}

}  // namespace

void AddIndexCommands(CLI::App& app, Action* action) {
  CLI::App* index = app.add_subcommand("index", "Maintain the evidence index");
  index->require_subcommand(1);
  auto opts = std::make_shared<RebuildOptions>();
  CLI::App* rebuild = index->add_subcommand(
      "rebuild",
      "Index every statement of the log again, from the log alone, and replace the evidence index "
      "when done (the service must be stopped)");
  rebuild->add_option("--data", opts->data, "The data directory")->required();
  rebuild->add_option("--url", opts->url,
                      "The service's public URL (its --url): hash envelopes whose payload-location is under "
                      "it are read from the registry, as the running service reads them");
  rebuild->add_flag("--check", opts->check,
                    "Compare the rebuilt index with the one in place (exit 1 when they differ) instead of "
                    "replacing it; writes nothing in the data directory");
  rebuild->callback([opts, action] { *action = [opts] { return RebuildIndex(*opts); }; });
}

}  // namespace scitt::cli

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
};

int RebuildIndex(const RebuildOptions& opts) {
  std::vector<std::string> base_urls;
  if (!opts.url.empty()) base_urls.push_back(opts.url);
  auto rebuilt = storage::RebuildEvidenceStore("file:" + opts.data, base_urls, [](uint64_t entries) {
    if (entries % 100'000 == 0) std::cerr << "indexed " << entries << " entries\n";
  });
  if (!rebuilt.ok()) return ReportError("index rebuild: " + rebuilt.error().message);
  std::cout << "entries:     " << rebuilt->entries << " read from the log\n"
            << "statements:  " << rebuilt->statements << " indexed (" << rebuilt->errors
            << " with a payload that breaks its format)\n"
            << "edges:       " << rebuilt->edges << "\n"
            << "index rebuilt: " << opts.data << "/evidence.sqlite\n";
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
  rebuild->callback([opts, action] { *action = [opts] { return RebuildIndex(*opts); }; });
}

}  // namespace scitt::cli

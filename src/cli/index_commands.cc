// `scitt index rebuild`: the evidence index built again from the log alone
// (storage::RebuildEvidenceStore), offline, with the service stopped.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "storage/store.h"

namespace scitt::cli {
namespace {

int RebuildIndex(const std::string& data) {
  auto rebuilt = storage::RebuildEvidenceStore("file:" + data, [](uint64_t entries) {
    if (entries % 100'000 == 0) std::cerr << "indexed " << entries << " entries\n";
  });
  if (!rebuilt.ok()) return ReportError("index rebuild: " + rebuilt.error().message);
  std::cout << "entries:     " << rebuilt->entries << " read from the log\n"
            << "statements:  " << rebuilt->statements << " indexed (" << rebuilt->errors
            << " with a payload that breaks its format)\n"
            << "edges:       " << rebuilt->edges << "\n"
            << "index rebuilt: " << data << "/evidence.sqlite\n";
  return kExitOk;
}

}  // namespace

void AddIndexCommands(CLI::App& app, Action* action) {
  CLI::App* index = app.add_subcommand("index", "Maintain the evidence index");
  index->require_subcommand(1);
  auto data = std::make_shared<std::string>();
  CLI::App* rebuild = index->add_subcommand(
      "rebuild",
      "Index every statement of the log again, from the log alone, and replace the evidence index "
      "when done (the service must be stopped)");
  rebuild->add_option("--data", *data, "The data directory")->required();
  rebuild->callback([data, action] { *action = [data] { return RebuildIndex(*data); }; });
}

}  // namespace scitt::cli

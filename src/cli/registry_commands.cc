// `scitt registry`: the registry's offline maintenance (gc), and the client
// verbs for any registry (attach, discover, pull-evidence, copy; their own
// files).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "registry/gc.h"
#include "storage/store.h"

namespace scitt::cli {
namespace {

struct GcOptions {
  std::string data;
  bool dry_run = false;
};

int CollectGarbage(const GcOptions& options) {
  const std::string setting = "file:" + options.data;
  // The log store's exclusive lock keeps a running service out while blobs
  // go (an upload it committed but has not linked yet would look unused).
  storage::StoreOptions store_options;
  auto store = storage::OpenStore(setting, store_options);
  if (!store.ok()) return ReportError("registry gc: " + store.error().message);
  auto registry = storage::OpenRegistryStores(setting);
  if (!registry.ok()) return ReportError("registry gc: " + registry.error().message);
  auto report = registry::CollectGarbage(*registry->blobs, *registry->metadata, options.dry_run);
  if (!report.ok()) return ReportError("registry gc: " + report.error().message);
  std::cout << (options.dry_run ? "would remove: " : "removed:      ") << report->removed << " blobs, "
            << report->freed_bytes << " bytes\n"
            << "kept:         " << report->kept << " blobs in use\n";
  return kExitOk;
}

}  // namespace

void AddRegistryCommands(CLI::App& app, Action* action) {
  CLI::App* registry_cmd = app.add_subcommand(
      "registry", "Work with OCI registries: attach, discover, pull and copy evidence; gc of a data directory");
  registry_cmd->require_subcommand(1);
  auto gc_options = std::make_shared<GcOptions>();
  CLI::App* gc = registry_cmd->add_subcommand(
      "gc", "Remove the blobs no repository holds and no manifest references (the service must be stopped)");
  gc->add_option("--data", gc_options->data, "The data directory")->required();
  gc->add_flag("--dry-run", gc_options->dry_run, "Only report what would be removed");
  gc->callback([gc_options, action] { *action = [gc_options] { return CollectGarbage(*gc_options); }; });
  AddRegistryAttachCommand(registry_cmd, action);
  AddRegistryDiscoverCommands(registry_cmd, action);
  AddRegistryCopyCommand(registry_cmd, action);
}

}  // namespace scitt::cli

#include <iostream>

#include "base/file.h"
#include "cli/commands.h"

namespace scitt::cli {

int ReportError(const std::string& message) {
  std::cerr << "scitt: " << message << "\n";
  return kExitUnusable;
}

int ReportError(const Error& error) { return ReportError(error.message); }

int WriteOutput(const std::string& path, ByteView data) {
  Status written = WriteFile(path, data);
  return written.ok() ? kExitOk : ReportError(written.error());
}

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"scitt: a SCITT transparency service and its offline tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "scitt 0.1.0");
  Action action;
  AddKeyCommands(app, &action);
  AddStatementCommands(app, &action);
  AddVerifyCommand(app, &action);
  AddServeCommand(app, &action);
  AddClientCommands(app, &action);
  AddLogCommands(app, &action);
  AddBenchCommands(app, &action);
  AddRegistryCommands(app, &action);
  AddQueryCommands(app, &action);
  AddIndexCommands(app, &action);
  AddAppraiseCommand(app, &action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, not CLI11's multi-line usage dump.
    std::string what = e.what();
    return ReportError(what + " (see --help)");
  }
  if (!action) return ReportError("no command given (see --help)");
  return action();
}

}  // namespace
}  // namespace scitt::cli

int main(int argc, char** argv) { return scitt::cli::Main(argc, argv); }

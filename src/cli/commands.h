// The `scitt` command line: each group of verbs registers its subcommands on
// the application and stores the action to run once parsing succeeded.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/bytes.h"
#include "base/result.h"

namespace scitt::cli {

// Exit codes shared by every verb.
constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;   // a verification check failed
constexpr int kExitUnusable = 2;      // bad usage or unusable input

// The action selected on the command line; returns the exit code.
using Action = std::function<int()>;

void AddKeyCommands(CLI::App& app, Action* action);
void AddStatementCommands(CLI::App& app, Action* action);
void AddVerifyCommand(CLI::App& app, Action* action);
void AddServeCommand(CLI::App& app, Action* action);
void AddClientCommands(CLI::App& app, Action* action);
void AddLogCommands(CLI::App& app, Action* action);
void AddBenchCommands(CLI::App& app, Action* action);
void AddRegistryCommands(CLI::App& app, Action* action);
void AddQueryCommands(CLI::App& app, Action* action);
void AddIndexCommands(CLI::App& app, Action* action);
void AddAppraiseCommand(CLI::App& app, Action* action);
// The registry client verbs, under the `registry` group.
void AddRegistryAttachCommand(CLI::App* registry_cmd, Action* action);
void AddRegistryDiscoverCommands(CLI::App* registry_cmd, Action* action);
void AddRegistryCopyCommand(CLI::App* registry_cmd, Action* action);

// Writes `data` to `path` and returns the exit code (errors reported).
int WriteOutput(const std::string& path, ByteView data);

// Prints "scitt: <message>" on stderr and returns kExitUnusable.
int ReportError(const std::string& message);
int ReportError(const Error& error);

}  // namespace scitt::cli

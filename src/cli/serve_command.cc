// `scitt serve`: the transparency service on its embedded default.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

#include "base/logging.h"
#include "cli/commands.h"
#include "service/config.h"
#include "service/service.h"

namespace scitt::cli {
namespace {

struct ServeOptions {
  std::string config_file;
  std::map<std::string, std::string> values;  // flag name → text, only flags given
  std::map<std::string, CLI::Option*> options;
};

int Serve(const ServeOptions& opts) {
  service::ServiceConfig config;
  std::string config_file = opts.config_file;
  if (config_file.empty() && std::getenv("SCITT_CONFIG") != nullptr) config_file = std::getenv("SCITT_CONFIG");
  if (!config_file.empty()) {
    Status applied = service::ApplyConfigFile(config_file, &config);
    if (!applied.ok()) return ReportError(applied.error());
  }
  Status env = service::ApplyEnvironment(&config);
  if (!env.ok()) return ReportError(env.error());
  for (const auto& [name, option] : opts.options) {
    if (option->count() == 0) continue;
    Status applied = service::ApplySetting(name, opts.values.at(name), &config);
    if (!applied.ok()) return ReportError(applied.error());
  }

  auto level = logging::ParseLevel(config.log_level);
  if (!level.ok()) return ReportError("--log-level: " + level.error().message);
  auto format = logging::ParseFormat(config.log_format);
  if (!format.ok()) return ReportError("--log-format: " + format.error().message);
  logging::Configure(*level, *format);

  // Block the stop signals in every thread the service starts; this thread
  // waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto service = service::Service::Start(config);
  if (!service.ok()) return ReportError("cannot start: " + service.error().message);
  const auto& info = (*service)->info();
  std::cout << "scitt serving " << info.url << "\n"
            << "  log origin:     " << info.origin << "\n"
            << "  receipt key:    " << info.receipt_kid << "\n"
            << "  checkpoint key: " << info.checkpoint_key << "\n"
            << "  tree size:      " << info.tree_size << (info.created ? " (new log)" : "") << "\n"
            << std::flush;
  logging::Info("serving", {{"url", info.url},
                            {"origin", info.origin},
                            {"tree_size", info.tree_size},
                            {"new_log", info.created},
                            {"receipt_kid", info.receipt_kid}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cout << "scitt: stopping (signal " << signal_number << ")" << std::endl;
  logging::Info("stopping", {{"signal", signal_number}});
  (*service)->Stop();
  logging::Info("stopped");
  std::cout << "scitt: stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the transparency service (SCRAPI, receipts, C2SP tiles) on an embedded store. "
      "Every flag can also come from --config FILE (JSON) or SCITT_<FLAG> environment variables");
  cmd->add_option("--config", opts->config_file, "JSON file of settings (flag names as keys)");
  for (const auto& setting : service::ConfigDescriptions()) {
    const std::string name = setting.first;  // a plain variable: lambdas capture it
    const std::string& help = setting.second;
    if (name == "allow-self-asserted") {
      opts->options[name] = cmd->add_flag_callback("--" + name, [opts, name] { opts->values[name] = "true"; }, help);
    } else {
      opts->options[name] = cmd->add_option("--" + name, opts->values[name], help);
    }
  }
  cmd->callback([opts, action] { *action = [opts] { return Serve(*opts); }; });
}

}  // namespace scitt::cli

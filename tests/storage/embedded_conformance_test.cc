// The embedded store runs the LogStore conformance suite, in a fresh
// temporary data directory per test.
#include <unistd.h>

#include <filesystem>

#include "log_store_conformance.h"

namespace scitt::storage::testing {
namespace {

LogStoreBackend EmbeddedBackend() {
  LogStoreBackend backend;
  backend.name = "Embedded";
  backend.make_place = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-conformance-XXXXXX").string();
    return "file:" + std::string(::mkdtemp(pattern.data()));
  };
  backend.remove_place = [](const std::string& setting) {
    std::error_code ec;
    std::filesystem::remove_all(setting.substr(5), ec);  // after "file:"
  };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Embedded, LogStoreConformance, ::testing::Values(EmbeddedBackend()),
                         BackendName);

}  // namespace
}  // namespace scitt::storage::testing

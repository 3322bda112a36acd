// The embedded registry store (registry.sqlite) runs the RegistryStore
// conformance suite, in a fresh temporary directory per test.
#include <unistd.h>

#include <filesystem>

#include "registry_store_conformance.h"
#include "storage/embedded/registry_db.h"

namespace scitt::storage::testing {
namespace {

RegistryStoreBackend EmbeddedBackend() {
  RegistryStoreBackend backend;
  backend.name = "Embedded";
  backend.make_place = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-registry-XXXXXX").string();
    return std::string(::mkdtemp(pattern.data()));
  };
  backend.remove_place = [](const std::string& place) {
    std::error_code ec;
    std::filesystem::remove_all(place, ec);
  };
  backend.open = [](const std::string& place) -> Result<std::unique_ptr<registry::RegistryStore>> {
    SCITT_ASSIGN_OR_RETURN(auto db, RegistryDb::Open(place + "/registry.sqlite"));
    return std::unique_ptr<registry::RegistryStore>(std::move(db));
  };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Embedded, RegistryStoreConformance, ::testing::Values(EmbeddedBackend()),
                         RegistryBackendName);

}  // namespace
}  // namespace scitt::storage::testing

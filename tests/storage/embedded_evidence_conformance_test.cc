// The embedded evidence store (evidence.sqlite) runs the EvidenceStore
// conformance suite, in a fresh temporary directory per test.
#include <unistd.h>

#include <filesystem>

#include "evidence_store_conformance.h"
#include "storage/embedded/evidence_db.h"

namespace scitt::storage::testing {
namespace {

EvidenceStoreBackend EmbeddedBackend() {
  EvidenceStoreBackend backend;
  backend.name = "Embedded";
  backend.make_place = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "scitt-evidence-XXXXXX").string();
    return std::string(::mkdtemp(pattern.data()));
  };
  backend.remove_place = [](const std::string& place) {
    std::error_code ec;
    std::filesystem::remove_all(place, ec);
  };
  backend.open = [](const std::string& place) -> Result<std::unique_ptr<evidence::EvidenceStore>> {
    SCITT_ASSIGN_OR_RETURN(auto db, EvidenceDb::Open(place + "/evidence.sqlite"));
    return std::unique_ptr<evidence::EvidenceStore>(std::move(db));
  };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Embedded, EvidenceStoreConformance, ::testing::Values(EmbeddedBackend()),
                         EvidenceBackendName);

}  // namespace
}  // namespace scitt::storage::testing

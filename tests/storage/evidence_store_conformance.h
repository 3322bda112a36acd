// The evidence::EvidenceStore contract (evidence/evidence_store.h) as tests
// every storage backend must pass unchanged (DESIGN.md §4), like
// registry_store_conformance.h. Each test gets a fresh, empty place.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "evidence/evidence_store.h"

namespace scitt::storage::testing {

struct EvidenceStoreBackend {
  std::string name;  // a test name suffix: letters and digits
  std::function<std::string()> make_place;
  std::function<void(const std::string& place)> remove_place;
  // Opens the store at `place` (again after a close: it must persist).
  std::function<Result<std::unique_ptr<evidence::EvidenceStore>>(const std::string& place)> open;
};

class EvidenceStoreConformance : public ::testing::TestWithParam<EvidenceStoreBackend> {
 protected:
  void SetUp() override { place_ = GetParam().make_place(); }
  void TearDown() override { GetParam().remove_place(place_); }
  std::unique_ptr<evidence::EvidenceStore> MustOpen() const;

  std::string place_;
};

std::string EvidenceBackendName(const ::testing::TestParamInfo<EvidenceStoreBackend>& info);

}  // namespace scitt::storage::testing

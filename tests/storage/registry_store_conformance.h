// The registry::RegistryStore contract (registry/registry_store.h) as tests
// every storage backend must pass unchanged (DESIGN.md §4), like
// log_store_conformance.h. A backend instantiates the suite with a
// RegistryStoreBackend; each test gets a fresh, empty place.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "registry/registry_store.h"

namespace scitt::storage::testing {

struct RegistryStoreBackend {
  std::string name;  // a test name suffix: letters and digits
  std::function<std::string()> make_place;
  std::function<void(const std::string& place)> remove_place;
  // Opens the store at `place` (again after a close: it must persist).
  std::function<Result<std::unique_ptr<registry::RegistryStore>>(const std::string& place)> open;
};

class RegistryStoreConformance : public ::testing::TestWithParam<RegistryStoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<registry::RegistryStore> MustOpen() const;

  std::string place_;
};

std::string RegistryBackendName(const ::testing::TestParamInfo<RegistryStoreBackend>& info);
void PrintTo(const RegistryStoreBackend& backend, std::ostream* out);

}  // namespace scitt::storage::testing

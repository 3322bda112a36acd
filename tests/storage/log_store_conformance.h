// The log::LogStore contract (log/log_store.h) as tests that every storage
// backend must pass unchanged (DESIGN.md §4). A backend runs them by
// instantiating the suite with a LogStoreBackend:
//
//   INSTANTIATE_TEST_SUITE_P(Postgres, LogStoreConformance,
//                            ::testing::Values(PostgresBackend()), BackendName);
//
// Each test gets a fresh, empty place and opens it (as often as it likes,
// read-write or read-only) through storage::OpenStore, so the setting
// parser is covered too. Damage and crash recovery are backend-specific and
// tested beside each backend.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "log/log_store.h"
#include "storage/store.h"

namespace scitt::storage::testing {

struct LogStoreBackend {
  std::string name;  // a test name suffix: letters and digits
  // Makes an empty place for one store and returns the setting that
  // storage::OpenStore opens it with (e.g. "file:/tmp/scitt-store-1234").
  std::function<std::string()> make_place;
  // Removes what make_place made.
  std::function<void(const std::string& setting)> remove_place;
};

class LogStoreConformance : public ::testing::TestWithParam<LogStoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Result<std::unique_ptr<log::LogStore>> Open(StoreOptions options = {}) const;
  // Open(), failing the test (and answering null) when it fails.
  std::unique_ptr<log::LogStore> MustOpen(StoreOptions options = {}) const;
  static StoreOptions ReadOnly();

  std::string setting_;
};

// For INSTANTIATE_TEST_SUITE_P's name generator.
std::string BackendName(const ::testing::TestParamInfo<LogStoreBackend>& info);
// GoogleTest prints a backend by its name.
void PrintTo(const LogStoreBackend& backend, std::ostream* out);

}  // namespace scitt::storage::testing

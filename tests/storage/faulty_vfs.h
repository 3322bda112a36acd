// A SQLite VFS for fault tests: the default VFS, except that writes to the
// files whose path contains a chosen text fail on demand (SQLITE_IOERR_WRITE,
// as a failing disk answers). Installed as SQLite's default VFS for the rest
// of the process at its first use, so every connection opened after that
// goes through it; with nothing armed it only forwards.
#pragma once

#include <string>

namespace scitt::storage::testing {

class FaultyVfs {
 public:
  // The process's one instance, installed as the default VFS.
  static FaultyVfs& Installed();

  // From now on, every write to a file whose path contains `text` fails
  // ("" stops failing).
  void FailWritesTo(const std::string& text);
  // Writes failed since the instance was installed.
  int failed_writes() const;

 private:
  FaultyVfs() = default;
};

// Fails writes to the files matching `text` for its lifetime.
class ScopedWriteFailure {
 public:
  explicit ScopedWriteFailure(const std::string& text) { FaultyVfs::Installed().FailWritesTo(text); }
  ~ScopedWriteFailure() { FaultyVfs::Installed().FailWritesTo(""); }
  ScopedWriteFailure(const ScopedWriteFailure&) = delete;
  ScopedWriteFailure& operator=(const ScopedWriteFailure&) = delete;
};

}  // namespace scitt::storage::testing

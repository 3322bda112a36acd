// Registration throughput of the log: TransparencyLog over the embedded store in a
// temporary directory, fsync on, 1 KiB statements.
//
//   BM_LogOpenLoop/<threads>/<entries>: submitting threads never wait, so the
//     sequencer always has a full queue: the log's ceiling.
//   BM_LogClosedLoop/<clients>/<entries>: each client waits for its receipt
//     before submitting again, like an HTTP client doing POST /entries.
//
// Counters: entries/s, batches, entries per batch, commit ms per batch, and
// the data directory size over the statement bytes.
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "log/transparency_log.h"
#include "storage/store.h"

namespace scitt::log {
namespace {

namespace fs = std::filesystem;
constexpr size_t kStatementSize = 1024;

LogEntry MakeEntry(uint64_t n) {
  LogEntry entry;
  entry.statement.resize(kStatementSize);
  for (size_t i = 0; i < kStatementSize; i += 8) {
    const uint64_t word = n * 0x9E3779B97F4A7C15ull + i;
    std::memcpy(entry.statement.data() + i, &word, 8);
  }
  entry.entry_hash = crypto::Sha256(entry.statement);
  // Unique like a real one, without hashing the statement a second time.
  entry.signed_content = entry.entry_hash;
  entry.signed_content[0] ^= 0xff;
  return entry;
}

struct Run {
  std::string dir;
  std::unique_ptr<TransparencyLog> log;
};

Run OpenLog() {
  Run run;
  std::string pattern = (fs::temp_directory_path() / "scitt-log-bench-XXXXXX").string();
  run.dir = ::mkdtemp(pattern.data());
  LogKeys keys;
  keys.receipt_key = *crypto::PrivateKey::Generate(crypto::Algorithm::kES256);
  const auto thumbprint = keys.receipt_key.public_key().Thumbprint();
  keys.receipt_kid = Bytes(thumbprint.begin(), thumbprint.end());
  keys.checkpoint_key = *crypto::PrivateKey::Generate(crypto::Algorithm::kEdDSA);
  LogOptions options;
  options.origin = "bench.example/log";
  options.issuer = "https://bench.example";
  auto store = storage::OpenStore("file:" + run.dir);
  if (!store.ok()) std::abort();
  auto log = TransparencyLog::Open(std::move(*store), std::move(keys), std::move(options));
  if (!log.ok()) std::abort();
  run.log = std::move(*log);
  return run;
}

void Report(benchmark::State& state, Run& run, uint64_t entries, double seconds_total) {
  const LogStats stats = run.log->stats();
  run.log.reset();  // closes the store: the WAL is checkpointed into index.sqlite
  uint64_t bytes = 0;
  for (const auto& file : fs::recursive_directory_iterator(run.dir)) {
    if (file.is_regular_file()) bytes += file.file_size();
  }
  fs::remove_all(run.dir);
  state.counters["batches"] = static_cast<double>(stats.batches);
  state.counters["per_batch"] = static_cast<double>(entries) / static_cast<double>(stats.batches);
  state.counters["commit_ms"] =
      1000 * stats.commit_seconds_total / static_cast<double>(stats.batches);
  state.counters["disk_x"] =
      static_cast<double>(bytes) / static_cast<double>(entries * kStatementSize);
  // The sequencer's serial time per entry (LogStats::sequence_seconds_total).
  state.counters["seq_us"] =
      1e6 * stats.sequence_seconds_total / static_cast<double>(stats.entries);
  state.counters["seq_cpu_us"] =
      1e6 * stats.sequence_cpu_seconds_total / static_cast<double>(stats.entries);
  state.counters["entries/s"] = benchmark::Counter(static_cast<double>(entries) / seconds_total);
}

void BM_LogOpenLoop(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const uint64_t entries = static_cast<uint64_t>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    Run run = OpenLog();
    std::vector<LogEntry> prepared;
    prepared.reserve(entries);
    for (uint64_t n = 0; n < entries; ++n) prepared.push_back(MakeEntry(n));
    std::atomic<uint64_t> done{0}, failed{0};
    std::promise<void> all_done;
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t) {
      submitters.emplace_back([&, t] {
        for (uint64_t n = static_cast<uint64_t>(t); n < entries;
             n += static_cast<uint64_t>(threads)) {
          run.log->Submit(std::move(prepared[n]), [&](Result<Appended> r) {
            if (!r.ok()) ++failed;
            if (++done == entries) all_done.set_value();
          });
        }
      });
    }
    for (auto& s : submitters) s.join();
    all_done.get_future().wait();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.PauseTiming();
    if (failed != 0) state.SkipWithError("a submission failed");
    Report(state, run, entries, seconds);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_LogOpenLoop)
    ->Args({4, 20000})->Args({4, 200000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

void BM_LogClosedLoop(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  const uint64_t entries = static_cast<uint64_t>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    Run run = OpenLog();
    std::atomic<uint64_t> next{0}, failed{0};
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&] {
        for (uint64_t n = next++; n < entries; n = next++) {
          std::promise<bool> ok;
          run.log->Submit(MakeEntry(n), [&](Result<Appended> r) { ok.set_value(r.ok()); });
          if (!ok.get_future().get()) ++failed;
        }
      });
    }
    for (auto& t : threads) t.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.PauseTiming();
    if (failed != 0) state.SkipWithError("a submission failed");
    Report(state, run, entries, seconds);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_LogClosedLoop)
    ->Args({1, 500})
    ->Args({64, 10000})
    ->Args({256, 20000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace scitt::log

BENCHMARK_MAIN();

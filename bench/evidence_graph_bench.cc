// Query speed of the evidence graph at scale: a synthetic corpus of
// CycloneDX SBOMs over a shared pool of packages is written through
// EvidenceStore::Add (the indexer's path), then the graph is read into a
// DependencyGraph as the service does at start (time and memory), and its
// dependents walks (blast radius, depth ≤ 10, the answer's strings built)
// and single-hop FindEdges are timed one by one,
// at the latest tree size and pinned to half of it (as_of), for packages of
// every popularity. A plain program rather than Google Benchmark: we want
// per-query percentiles.
//
//   evidence_graph_bench --dir DIR [--packages 1000000] [--edges 10000000]
//                        [--sboms N] [--queries 1000] [--seed 1] [--reuse]
//
// The corpus, like a real ecosystem (npm):
//   - package r of the pool (rank 0 the most popular) is
//     pkg:npm/name-<r>@<version>, and has 0-6 dependencies of its own, each
//     drawn from a Zipf(1) popularity over the pool and kept only when more
//     popular than r (so the graph is acyclic, and left-pad-like packages at
//     the top depend on little);
//   - each SBOM describes an application (pkg:npm/app-<n>@1.0.0, the root)
//     built as artifact sha256:<hex>: DESCRIBES artifact → root, DEPENDS_ON
//     root → direct dependencies (half Zipf-popular, half the next packages
//     of a sweep through the pool, so that the long tail appears too) and
//     DEPENDS_ON for every package of the closure to its own dependencies,
//     as the CycloneDX parser gives them ({"direct":"true"}); one component
//     in ten is bundled (CONTAINS root → it, {}). SBOM sizes vary from 0.25×
//     to 1.75× the mean (edges / sboms) and stop at a closure's end.
// The same parameters and seed give the same corpus, so --reuse rebuilds the
// corpus's popularity in memory (to pick query nodes) without writing it.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "evidence/graph_queries.h"
#include "storage/store.h"

namespace scitt::evidence {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir;
  uint64_t packages = 1'000'000;
  uint64_t edges = 10'000'000;
  uint64_t sboms = 0;  // default: edges / 1000
  size_t queries = 1000;
  uint64_t seed = 1;
  bool reuse = false;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "evidence_graph_bench: %s\n", what.c_str());
  std::exit(1);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 == argc) Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--dir") o.dir = value();
    else if (arg == "--packages") o.packages = std::stoull(value());
    else if (arg == "--edges") o.edges = std::stoull(value());
    else if (arg == "--sboms") o.sboms = std::stoull(value());
    else if (arg == "--queries") o.queries = std::stoull(value());
    else if (arg == "--seed") o.seed = std::stoull(value());
    else if (arg == "--reuse") o.reuse = true;
    else Die("unknown option " + arg);
  }
  if (o.dir.empty()) Die("--dir is required");
  if (o.packages == 0 || o.edges == 0) Die("--packages and --edges must be positive");
  if (o.sboms == 0) o.sboms = std::max<uint64_t>(1, o.edges / 1000);
  return o;
}

std::string Purl(uint32_t rank) {
  return "pkg:npm/name-" + std::to_string(rank) + "@" + std::to_string(1 + rank % 9) + "." +
         std::to_string(rank % 13) + "." + std::to_string(rank % 7);
}

std::string ArtifactDigest(uint64_t n) {
  std::string out = "sha256:";
  uint64_t x = n + 0x9E3779B97F4A7C15ull;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int word = 0; word < 4; ++word) {
    // splitmix64: a unique, random-looking 64 hex digits per SBOM
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (int i = 0; i < 16; ++i) out += kHex[(z >> (4 * i)) & 0xf];
  }
  return out;
}

// Ranks with probability ∝ 1/(rank+1): inverse of the cumulative weights.
class Zipf {
 public:
  explicit Zipf(uint64_t n) : cumulative_(n) {
    double sum = 0;
    for (uint64_t r = 0; r < n; ++r) cumulative_[r] = sum += 1.0 / static_cast<double>(r + 1);
  }
  uint32_t operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, cumulative_.back())(rng);
    return static_cast<uint32_t>(std::lower_bound(cumulative_.begin(), cumulative_.end(), u) -
                                 cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

// The corpus: the pool's dependencies, then one SBOM at a time.
class Corpus {
 public:
  explicit Corpus(const Options& o) : o_(o), zipf_(o.packages), rng_(o.seed), appearances_(o.packages) {
    deps_start_.reserve(o.packages + 1);
    for (uint64_t r = 0; r < o.packages; ++r) {
      deps_start_.push_back(static_cast<uint32_t>(deps_.size()));
      const int count = static_cast<int>(rng_() % 7);
      for (int i = 0; i < count; ++i) {
        const uint32_t dep = zipf_(rng_);
        if (dep < r && std::find(deps_.begin() + deps_start_.back(), deps_.end(), dep) == deps_.end()) {
          deps_.push_back(dep);
        }
      }
    }
    deps_start_.push_back(static_cast<uint32_t>(deps_.size()));
  }

  // SBOM n (its log entry), counting which packages it holds.
  IndexedStatement Sbom(uint64_t n) {
    IndexedStatement s;
    s.entry = n;
    s.subject = ArtifactDigest(n);
    s.issuer = "https://builder-" + std::to_string(n % 50) + ".example";
    s.content_type = "application/vnd.cyclonedx+json";
    s.registered_at = 1'700'000'000 + static_cast<int64_t>(n);
    s.format = "CycloneDX";
    const std::string root = "pkg:npm/app-" + std::to_string(n) + "@1.0.0";
    s.edges.push_back({"DESCRIBES", *s.subject, root, "{}"});

    const double mean = static_cast<double>(o_.edges) / static_cast<double>(o_.sboms);
    const auto budget =
        static_cast<size_t>(std::uniform_real_distribution<double>(0.25 * mean, 1.75 * mean)(rng_));
    std::unordered_set<uint32_t> held;
    std::vector<uint32_t> stack;
    auto hold = [&](uint32_t rank) {
      if (!held.insert(rank).second) return;
      ++appearances_[rank];
      stack.push_back(rank);
      if (rng_() % 10 == 0) s.edges.push_back({"CONTAINS", root, Purl(rank), "{}"});
    };
    // Attempts bound the loop when the pool is too small for the budget.
    for (size_t attempts = 0; s.edges.size() < budget && attempts < 4 * budget; ++attempts) {
      const uint32_t direct =
          rng_() % 2 == 0 ? zipf_(rng_) : static_cast<uint32_t>(sweep_++ % o_.packages);
      if (held.contains(direct)) continue;
      s.edges.push_back({"DEPENDS_ON", root, Purl(direct), R"({"direct":"true"})"});
      hold(direct);
      while (!stack.empty()) {
        const uint32_t component = stack.back();
        stack.pop_back();
        for (uint32_t d = deps_start_[component]; d < deps_start_[component + 1]; ++d) {
          s.edges.push_back({"DEPENDS_ON", Purl(component), Purl(deps_[d]), R"({"direct":"true"})"});
          hold(deps_[d]);
        }
      }
    }
    return s;
  }

  // How many SBOMs hold each package (as far as generated).
  const std::vector<uint32_t>& appearances() const { return appearances_; }

 private:
  const Options& o_;
  Zipf zipf_;
  std::mt19937_64 rng_;
  std::vector<uint32_t> deps_start_;  // package r's dependencies: deps_[deps_start_[r] .. deps_start_[r+1])
  std::vector<uint32_t> deps_;
  uint64_t sweep_ = 0;
  std::vector<uint32_t> appearances_;
};

// The process's anonymous resident memory now, in KiB (/proc/self/status
// RssAnon: not the pages of evidence.sqlite, which is mapped).
uint64_t AnonymousKib() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return 0;
  char line[256];
  unsigned long long kib = 0;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::sscanf(line, "RssAnon: %llu kB", &kib) == 1) break;
  }
  std::fclose(status);
  return kib;
}

uint64_t StoreBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& file : fs::directory_iterator(dir)) {
    if (file.is_regular_file() && file.path().filename().string().starts_with("evidence.sqlite")) {
      bytes += file.file_size();
    }
  }
  return bytes;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size()))) - 1;
  return values[std::min(index, values.size() - 1)];
}

template <typename T>
T Median(std::vector<T> values) {
  if (values.empty()) return T{};
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

struct QueryClass {
  std::string name;
  std::vector<uint32_t> ranks;
};

// Query nodes across popularity, among the packages the corpus holds: the
// 100 held by most SBOMs, those around the 1st percentile, and those held by
// one SBOM only (the median package: most of the pool is long tail).
std::vector<QueryClass> PickQueries(const std::vector<uint32_t>& appearances, size_t queries, uint64_t seed) {
  std::vector<uint32_t> held;
  for (uint32_t r = 0; r < appearances.size(); ++r) {
    if (appearances[r] > 0) held.push_back(r);
  }
  std::stable_sort(held.begin(), held.end(),
                   [&](uint32_t a, uint32_t b) { return appearances[a] > appearances[b]; });
  std::mt19937_64 rng(seed + 1);
  const size_t per_class = std::max<size_t>(1, queries / 3);
  auto pick = [&](std::string name, size_t begin, size_t end) {
    QueryClass c{std::move(name), {}};
    end = std::min(end, held.size());
    for (size_t i = 0; i < per_class && begin < end; ++i) c.ranks.push_back(held[begin + rng() % (end - begin)]);
    return c;
  };
  const size_t percentile = held.size() / 100, band = std::max<size_t>(1, held.size() / 1000);
  const size_t singles = static_cast<size_t>(
      std::find_if(held.begin(), held.end(), [&](uint32_t r) { return appearances[r] == 1; }) - held.begin());
  return {pick("popular", 0, 100), pick("top 1%", percentile - std::min(percentile, band), percentile + band),
          pick("rare", std::min(singles, held.size() - 1), held.size())};
}

void Generate(const Options& o, Corpus& corpus) {
  auto store = storage::OpenEvidenceStore("file:" + o.dir);
  if (!store.ok()) Die("opening the store: " + store.error().message);
  if (auto size = (*store)->IndexedSize(); !size.ok() || *size != 0) Die(o.dir + " already holds an index");
  constexpr uint64_t kBatch = 100;  // statements per Add, like the indexer
  uint64_t edges = 0;
  const auto start = Clock::now();
  auto last_report = start;
  std::vector<IndexedStatement> batch;
  for (uint64_t n = 0; n < o.sboms; n += kBatch) {
    batch.clear();
    for (uint64_t i = n; i < std::min(o.sboms, n + kBatch); ++i) {
      batch.push_back(corpus.Sbom(i));
      edges += batch.back().edges.size();
    }
    if (Status added = (*store)->Add(batch, batch.back().entry + 1); !added.ok()) {
      Die("adding: " + added.error().message);
    }
    if (Clock::now() - last_report > std::chrono::seconds(30)) {
      last_report = Clock::now();
      const double s = std::chrono::duration<double>(last_report - start).count();
      std::printf("  %llu SBOMs, %llu edges, %.0f s, %.0f edges/s\n", (unsigned long long)batch.back().entry + 1,
                  (unsigned long long)edges, s, edges / s);
      std::fflush(stdout);
    }
  }
  store->reset();  // closes: the WAL is checkpointed into evidence.sqlite
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t bytes = StoreBytes(o.dir);
  std::printf("generated %llu SBOMs, %llu edges in %.1f s: %.0f edges/s; evidence.sqlite %.1f MiB, %.1f bytes/edge\n",
              (unsigned long long)o.sboms, (unsigned long long)edges, seconds, edges / seconds,
              bytes / 1048576.0, static_cast<double>(bytes) / static_cast<double>(edges));
}

struct Row {
  std::vector<double> ms;
  std::vector<size_t> reached;
  size_t truncated = 0;
};

void PrintRow(const std::string& name, const Row& row, bool walk) {
  std::printf("| %-22s | %5zu | %8.2f | %8.2f | %8.2f | %8.2f |", name.c_str(), row.ms.size(), Percentile(row.ms, 0.5),
              Percentile(row.ms, 0.9), Percentile(row.ms, 0.99), Percentile(row.ms, 1.0));
  if (walk) {
    std::printf(" %8zu | %4zu |\n", Median(row.reached), row.truncated);
  } else {
    std::printf(" %8zu |      |\n", Median(row.reached));
  }
}

int Run(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  std::printf("command:");
  for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n");
  fs::create_directories(o.dir);
  Corpus corpus(o);
  const bool exists = fs::exists(fs::path(o.dir) / "evidence.sqlite");
  if (o.reuse && exists) {
    for (uint64_t n = 0; n < o.sboms; ++n) corpus.Sbom(n);  // the popularity, as generated
  } else {
    Generate(o, corpus);
  }
  const auto& appearances = corpus.appearances();
  const size_t held = static_cast<size_t>(std::count_if(appearances.begin(), appearances.end(),
                                                        [](uint32_t a) { return a > 0; }));
  std::printf("packages held by at least one SBOM: %zu of %llu; most popular in %u SBOMs\n", held,
              (unsigned long long)o.packages, *std::max_element(appearances.begin(), appearances.end()));

  auto opened = storage::OpenEvidenceStore("file:" + o.dir);
  if (!opened.ok()) Die("opening the store: " + opened.error().message);
  const EvidenceStore& store = **opened;
  auto indexed = store.IndexedSize();
  if (!indexed.ok() || *indexed != o.sboms) Die("the store holds another corpus (run without --reuse)");
  const uint64_t as_of = o.sboms / 2;

  // What the service does at start: the graph's structure read into memory.
  DependencyGraph graph(store);
  const uint64_t resident_before = AnonymousKib();
  const auto load_start = Clock::now();
  if (Status loaded = graph.CatchUp(); !loaded.ok()) Die("loading the graph: " + loaded.error().message);
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  const DependencyGraph::Size size = graph.Measure();
  std::printf("graph loaded in %.1f s: %zu structural edges merged into %zu links over %zu names; "
              "about %.1f MiB counted, anonymous resident memory +%.1f MiB\n",
              load_seconds, size.edges_read, size.links, size.names, size.bytes / 1048576.0,
              (AnonymousKib() - resident_before) / 1024.0);

  std::printf("\n| query (max_depth 10)   | count |  p50 ms  |  p90 ms  |  p99 ms  |  max ms  |  reached | trunc |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::vector<double> all_latest, all_as_of, all_hop;
  for (const QueryClass& c : PickQueries(appearances, o.queries, o.seed)) {
    std::vector<uint32_t> popularity;
    for (uint32_t r : c.ranks) popularity.push_back(appearances[r]);
    for (const bool pinned : {false, true}) {
      Row row;
      for (uint32_t rank : c.ranks) {
        WalkQuery query;
        query.starts = {Purl(rank)};
        query.max_depth = 10;
        if (pinned) query.as_of = as_of;
        const auto start = Clock::now();
        auto found = graph.WalkFrom(query);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (!found.ok()) Die("WalkFrom: " + found.error().message);
        row.ms.push_back(ms);
        row.reached.push_back(found->nodes.size());
        row.truncated += found->truncated;
      }
      (pinned ? all_as_of : all_latest).insert((pinned ? all_as_of : all_latest).end(), row.ms.begin(), row.ms.end());
      PrintRow("dependents " + c.name + (pinned ? " as_of" : ""), row, true);
    }
    Row hop;
    for (uint32_t rank : c.ranks) {
      const auto start = Clock::now();
      EdgeQuery hop_query;
      hop_query.node = Purl(rank);
      hop_query.incoming = true;
      auto page = store.FindEdges(hop_query);
      hop.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (!page.ok()) Die("FindEdges: " + page.error().message);
      hop.reached.push_back(page->edges.size());
    }
    all_hop.insert(all_hop.end(), hop.ms.begin(), hop.ms.end());
    PrintRow("FindEdges " + c.name, hop, false);
    std::printf("|   (%s: median package held by %u SBOMs) |\n", c.name.c_str(), Median(popularity));
  }
  std::printf("\nall classes: dependents p99 %.2f ms (target 50), as_of p99 %.2f ms (target 100), FindEdges p99 %.2f ms\n",
              Percentile(all_latest, 0.99), Percentile(all_as_of, 0.99), Percentile(all_hop, 0.99));
  return 0;
}

}  // namespace
}  // namespace scitt::evidence

int main(int argc, char** argv) { return scitt::evidence::Run(argc, argv); }

// Parsing a 1 MiB statement (cose::Sign1::Parse, the first step of every
// registration): a plain one whose payload is 1 MiB of bytes, next to a
// hostile one whose protected header holds about a million one-byte items
// (issue 10, "CBOR item amplification"). Each case reports its CPU time and
// the process's peak RSS; run one case per process for a clean peak:
//
//   build/bench/statement_parse_bench --benchmark_filter=Plain
//   build/bench/statement_parse_bench --benchmark_filter=Hostile
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include "cbor/encoder.h"
#include "cbor/value.h"
#include "cose/labels.h"
#include "cose/sign1.h"

namespace {

using namespace scitt;

constexpr size_t kStatementSize = 1 << 20;  // the service's default limit

cbor::Value Claims() {
  return cbor::Value::FromMap({cbor::Entry(cose::claim::kIss, cbor::Value::Text("https://issuer.example")),
                               cbor::Entry(cose::claim::kSub, cbor::Value::Text("pkg:example/app@1.0"))});
}

// tag 18 [protected bstr, {}, payload bstr, 64-byte signature]; the
// signature is never checked here.
Bytes Statement(const cbor::Value& protected_map, ByteView payload) {
  cbor::Array items;
  items.push_back(cbor::Value::ByteString(cbor::Encode(protected_map)));
  items.push_back(cbor::Value::FromMap({}));
  items.push_back(cbor::Value::ByteString(payload));
  items.push_back(cbor::Value::ByteString(Bytes(64, 0x5a)));
  return cbor::Encode(cbor::Value::Tagged(cose::kSign1Tag, cbor::Value::FromArray(std::move(items))));
}

Bytes PlainStatement() {
  cbor::Value prot = cbor::Value::FromMap({cbor::Entry(cose::header::kAlg, cbor::Value::Int(-7)),
                                           cbor::Entry(cose::header::kCwtClaims, Claims())});
  return Statement(prot, Bytes(kStatementSize - 200, 'x'));
}

// A private header (label 1000) holding an array of one-byte zeros that
// fills the statement up to 1 MiB. Written as bytes: building it as Values
// would itself cost more memory than the parse being measured.
Bytes HostileStatement() {
  const size_t items = kStatementSize - 300;
  cbor::Value prot = cbor::Value::FromMap({cbor::Entry(cose::header::kAlg, cbor::Value::Int(-7)),
                                           cbor::Entry(cose::header::kCwtClaims, Claims())});
  Bytes prot_bytes = cbor::Encode(prot);
  prot_bytes[0] += 1;  // one more entry: 1000 => [0, 0, …]
  cbor::EncodeHead(0, 1000, &prot_bytes);
  cbor::EncodeHead(4, items, &prot_bytes);
  prot_bytes.resize(prot_bytes.size() + items, 0x00);
  return Statement(cbor::Value::Encoded(prot_bytes), Bytes(16, 'x'));
}

void Report(benchmark::State& state, size_t size) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["statement_bytes"] = static_cast<double>(size);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void Parse(benchmark::State& state, const Bytes& statement) {
  bool parsed = false;
  for (auto _ : state) {
    auto msg = cose::Sign1::Parse(statement);
    parsed = msg.ok();
    benchmark::DoNotOptimize(msg);
  }
  state.SetLabel(parsed ? "parsed" : "refused");
  Report(state, statement.size());
}

void Plain(benchmark::State& state) {
  static const Bytes statement = PlainStatement();
  Parse(state, statement);
}
BENCHMARK(Plain)->Unit(benchmark::kMillisecond);

void Hostile(benchmark::State& state) {
  static const Bytes statement = HostileStatement();
  Parse(state, statement);
}
BENCHMARK(Hostile)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

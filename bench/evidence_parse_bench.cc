// What parsing one large evidence document costs, without the service
// around it: time and the growth of resident memory (VmHWM, reset after the
// document is in memory) while evidence::Parse turns it into a graph.
//
//   build/bench/evidence_parse_bench cyclonedx 100   # a generated 100 MB CycloneDX 1.5 SBOM
//   build/bench/evidence_parse_bench spdx 100        # a generated 100 MB SPDX 2.3 document
//   build/bench/evidence_parse_bench cyclonedx-xml 100  # the CycloneDX one written as XML
//   build/bench/evidence_parse_bench spdx-tv 100     # the SPDX one written as tag-value
//   build/bench/evidence_parse_bench FILE CONTENT-TYPE
//
// A last argument "edges" parses as the indexer does: without nodes, the
// edges handed over in batches (GraphParts::edge_sink), here counted and
// dropped (the indexer stores each batch).
//
// The generated documents are shaped like bench/evidence_corpus.py's: a
// distinct purl, name and version a package and a dependency tree of
// fan-out 4 (CycloneDX: about 150 bytes a package, 190 in XML; SPDX: about
// 330, 220 in tag-value).
// glibc malloc here (the service links jemalloc).
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "evidence/formats/parse.h"

namespace {

using scitt::evidence::Parse;

long StatusKib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  }
  return 0;
}

std::string Purl(size_t i) { return "pkg:npm/lib" + std::to_string(i) + "@1." + std::to_string(i % 7) + ".0"; }

std::string CycloneDx(size_t n) {
  std::string out = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "metadata": )"
                    R"({"component": {"type": "application", "bom-ref": "root", "name": "big", "version": "1.0"}}, )"
                    R"("components": [)";
  for (size_t i = 0; i < n; ++i) {
    out += (i ? ", " : "") + std::string(R"({"type": "library", "bom-ref": "c)") + std::to_string(i) +
           R"(", "name": "lib)" + std::to_string(i) + R"(", "version": "1.)" + std::to_string(i % 7) +
           R"(.0", "purl": ")" + Purl(i) + "\"}";
  }
  out += R"(], "dependencies": [{"ref": "root", "dependsOn": ["c0"]})";
  for (size_t i = 0; i < n; ++i) {
    out += R"(, {"ref": "c)" + std::to_string(i) + R"(", "dependsOn": [)";
    for (size_t j = 4 * i + 1; j < 4 * i + 5 && j < n; ++j) {
      out += (j > 4 * i + 1 ? ", \"c" : "\"c") + std::to_string(j) + "\"";
    }
    out += "]}";
  }
  return out + "]}";
}

std::string CycloneDxXml(size_t n) {
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                    R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><metadata>)"
                    R"(<component type="application" bom-ref="root"><name>big</name><version>1.0</version>)"
                    R"(</component></metadata><components>)";
  for (size_t i = 0; i < n; ++i) {
    out += R"(<component type="library" bom-ref="c)" + std::to_string(i) + R"("><name>lib)" +
           std::to_string(i) + "</name><version>1." + std::to_string(i % 7) + ".0</version><purl>" +
           Purl(i) + "</purl></component>";
  }
  out += R"(</components><dependencies><dependency ref="root"><dependency ref="c0"/></dependency>)";
  for (size_t i = 0; i < n; ++i) {
    out += R"(<dependency ref="c)" + std::to_string(i) + R"(">)";
    for (size_t j = 4 * i + 1; j < 4 * i + 5 && j < n; ++j) {
      out += R"(<dependency ref="c)" + std::to_string(j) + R"("/>)";
    }
    out += "</dependency>";
  }
  return out + "</dependencies></bom>";
}

std::string Spdx(size_t n) {
  std::string out = R"({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "big", )"
                    R"("creationInfo": {"creators": ["Tool: evidence_parse_bench"]}, )"
                    R"("documentDescribes": ["SPDXRef-p0"], "packages": [)";
  for (size_t i = 0; i < n; ++i) {
    out += (i ? ", " : "") + std::string(R"({"SPDXID": "SPDXRef-p)") + std::to_string(i) + R"(", "name": "lib)" +
           std::to_string(i) + R"(", "versionInfo": "1.)" + std::to_string(i % 7) +
           R"(.0", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", )"
           R"("referenceLocator": ")" + Purl(i) + "\"}]}";
  }
  out += R"(], "relationships": [)";
  bool first = true;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 4 * i + 1; j < 4 * i + 5 && j < n; ++j) {
      out += std::string(first ? "" : ", ") + R"({"spdxElementId": "SPDXRef-p)" + std::to_string(i) +
             R"(", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-p)" + std::to_string(j) + "\"}";
      first = false;
    }
  }
  return out + "]}";
}

// Each package's relationships follow it, as SPDX's own examples write them.
std::string SpdxTagValue(size_t n) {
  std::string out =
      "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: big\n"
      "DocumentNamespace: https://example.com/big\nCreator: Tool: evidence_parse_bench\n"
      "Created: 2026-01-01T00:00:00Z\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-p0\n";
  for (size_t i = 0; i < n; ++i) {
    out += "\nPackageName: lib" + std::to_string(i) + "\nSPDXID: SPDXRef-p" + std::to_string(i) +
           "\nPackageVersion: 1." + std::to_string(i % 7) +
           ".0\nPackageDownloadLocation: NOASSERTION\nExternalRef: PACKAGE-MANAGER purl " + Purl(i) + "\n";
    for (size_t j = 4 * i + 1; j < 4 * i + 5 && j < n; ++j) {
      out += "Relationship: SPDXRef-p" + std::to_string(i) + " DEPENDS_ON SPDXRef-p" + std::to_string(j) + "\n";
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 4 && std::string(argv[3]) == "edges")) {
    std::cerr << "usage: evidence_parse_bench cyclonedx|cyclonedx-xml|spdx|spdx-tv MEGABYTES | FILE CONTENT-TYPE [edges]\n";
    return 2;
  }
  // Counts the batches' edges and drops them.
  struct DroppingSink final : scitt::evidence::EdgeSink {
    scitt::Status Take(std::deque<scitt::evidence::Edge>& edges) override {
      taken += edges.size();
      edges.clear();
      return scitt::Status::Ok();
    }
    size_t taken = 0;
  } sink;
  auto parts = scitt::evidence::GraphParts::kNodesAndEdges;
  if (argc == 4) {
    parts = scitt::evidence::GraphParts::kEdges;
    parts.edge_sink = &sink;
  }
  const std::string what = argv[1];
  std::string document;
  std::string content_type;
  if (what == "cyclonedx" || what == "cyclonedx-xml" || what == "spdx" || what == "spdx-tv") {
    const size_t megabytes = std::stoul(argv[2]);
    if (what == "spdx-tv") {
      document = SpdxTagValue(megabytes * 1'000'000 / 220);
      content_type = scitt::evidence::kSpdxTagValue;
    } else if (what == "spdx") {
      document = Spdx(megabytes * 1'000'000 / 330);
      content_type = scitt::evidence::kSpdxJson;
    } else if (what == "cyclonedx-xml") {
      document = CycloneDxXml(megabytes * 1'000'000 / 190);
      content_type = scitt::evidence::kCycloneDxXml;
    } else {
      document = CycloneDx(megabytes * 1'000'000 / 150);
      content_type = scitt::evidence::kCycloneDxJson;
    }
  } else {
    std::ifstream in(what, std::ios::binary);
    document.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    content_type = argv[2];
  }
  // Linux: "5" resets the peak resident set to the current one.
  std::ofstream("/proc/self/clear_refs") << "5";
  const long before = StatusKib("VmRSS");
  const auto start = std::chrono::steady_clock::now();
  auto parsed = Parse(content_type, scitt::AsBytes(document), parts);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long peak = StatusKib("VmHWM");
  if (!parsed.ok()) {
    std::cerr << parsed.error().message << "\n";
    return 1;
  }
  std::printf("%s: %.0f MB, %zu nodes, %zu edges, parsed in %.1f s; resident %ld MiB with the document, "
              "peak %ld MiB (+%ld MiB while parsing)\n",
              content_type.c_str(), document.size() / 1e6, parsed->nodes.size(), sink.taken + parsed->edges.size(), seconds,
              before / 1024, peak / 1024, (peak - before) / 1024);
  return 0;
}

// The log's bulk read documents, written once for the service that produces
// them (GET /entries, GET /tree-heads) and the auditor that consumes them
// (`scitt log verify`), in CBOR (application/cbor):
//
//   entries page:    {"entries": [{"index": uint, "statement": bstr,
//                      "registered_at": int, "policy_index": uint,
//                      ? "collateral": bstr}…], ? "next": uint}
//   tree-head page:  {"tree_heads": [{"tree_size": uint, "root": bstr .size 32,
//                      "timestamp": int, "receipt_protected": bstr,
//                      "receipt_signature": bstr, "checkpoint": tstr}…],
//                      ? "next": uint}
//
// "next" is where the following page starts; it is absent on the last page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "log/log_store.h"

namespace scitt::log {

struct EntryPage {
  std::vector<LogEntry> entries;
  std::optional<uint64_t> next;
};

struct TreeHeadPage {
  std::vector<TreeHead> tree_heads;
  std::optional<uint64_t> next;
};

// Bounds of one page: at most `limit` items whose bytes (statements,
// collateral, signatures, a little per item) stay within `max_bytes`; the
// first item is always returned, so a page makes progress whatever the size
// of one entry.
struct PageBounds {
  uint64_t limit = 100;
  size_t max_bytes = 8u << 20;
};

// Entries from index `from` of the durable log. An empty page (no next) when
// `from` is at or past the end; never wraps at 2^64.
Result<EntryPage> ReadEntryPage(const LogStore& store, uint64_t from, PageBounds bounds);
// Signed tree heads of size >= `from`.
Result<TreeHeadPage> ReadTreeHeadPage(const LogStore& store, uint64_t from, PageBounds bounds);

Bytes EncodeEntryPage(const EntryPage& page);
Bytes EncodeTreeHeadPage(const TreeHeadPage& page);
// Strict: kMalformed when a field is missing or has the wrong type. Each
// entry's entry_hash is recomputed from its statement (never trusted).
Result<EntryPage> DecodeEntryPage(ByteView document);
Result<TreeHeadPage> DecodeTreeHeadPage(ByteView document);

}  // namespace scitt::log

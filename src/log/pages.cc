#include "log/pages.h"

#include <algorithm>
#include <limits>
#include <string>

#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "crypto/hash.h"

namespace scitt::log {
namespace {

// Bytes an entry adds to a page: what dominates the document's size.
size_t EntryBytes(const LogEntry& entry) { return entry.statement_bytes().size() + entry.collateral.size() + 64; }

Error Malformed(const std::string& what) { return MakeError(ErrorCode::kMalformed, what); }

Result<const cbor::Value*> Member(const cbor::Value& map, const char* name) {
  const cbor::Value* v = map.is_map() ? map.Find(name) : nullptr;
  if (v == nullptr) return Malformed(std::string("the document lacks \"") + name + "\"");
  return v;
}

Result<std::optional<uint64_t>> Next(const cbor::Value& doc) {
  const cbor::Value* next = doc.Find("next");
  if (next == nullptr) return std::optional<uint64_t>();
  if (!next->is_unsigned()) return Malformed("\"next\" is not an unsigned integer");
  return std::optional<uint64_t>(next->argument());
}

cbor::Value PageDocument(const char* items_name, cbor::Array items, std::optional<uint64_t> next) {
  cbor::Map doc = {cbor::Entry(items_name, cbor::Value::FromArray(std::move(items)))};
  if (next) doc.push_back(cbor::Entry("next", cbor::Value::Uint(*next)));
  return cbor::Value::FromMap(std::move(doc));
}

}  // namespace

Result<EntryPage> ReadEntryPage(const LogStore& store, uint64_t from, PageBounds bounds) {
  EntryPage page;
  const uint64_t size = store.size();
  if (from >= size) return page;
  // size - from cannot overflow, unlike from + limit near 2^64.
  const uint64_t count = std::min<uint64_t>(std::max<uint64_t>(bounds.limit, 1), size - from);
  size_t bytes = 0;
  for (uint64_t i = 0; i < count; ++i) {
    SCITT_ASSIGN_OR_RETURN(LogEntry entry, store.Entry(from + i));
    bytes += EntryBytes(entry);
    if (i > 0 && bytes > bounds.max_bytes) break;  // the next page starts with it
    page.entries.push_back(std::move(entry));
  }
  const uint64_t end = from + page.entries.size();
  if (end < size) page.next = end;
  return page;
}

Result<TreeHeadPage> ReadTreeHeadPage(const LogStore& store, uint64_t from, PageBounds bounds) {
  TreeHeadPage page;
  const uint64_t limit = std::max<uint64_t>(bounds.limit, 1);
  size_t bytes = 0;
  auto size = store.SignedSizeAtOrAfter(from);
  while (size.ok()) {
    if (page.tree_heads.size() == limit) {
      page.next = *size;
      break;
    }
    SCITT_ASSIGN_OR_RETURN(TreeHead head, store.TreeHeadAt(*size));
    bytes += head.checkpoint.size() + head.receipt_protected.size() + head.receipt_signature.size() + 64;
    if (!page.tree_heads.empty() && bytes > bounds.max_bytes) {
      page.next = *size;
      break;
    }
    page.tree_heads.push_back(std::move(head));
    if (*size == std::numeric_limits<uint64_t>::max()) break;
    size = store.SignedSizeAtOrAfter(*size + 1);
  }
  if (!size.ok() && size.error().code != ErrorCode::kNotFound) return size.error();
  return page;
}

Bytes EncodeEntryPage(const EntryPage& page) {
  cbor::Array items;
  items.reserve(page.entries.size());
  for (const LogEntry& entry : page.entries) {
    cbor::Map item = {cbor::Entry("index", cbor::Value::Uint(entry.index)),
                      cbor::Entry("statement", cbor::Value::ByteString(entry.statement_bytes())),
                      cbor::Entry("registered_at", cbor::Value::Int(entry.registered_at)),
                      cbor::Entry("policy_index", cbor::Value::Uint(entry.policy_index))};
    if (!entry.collateral.empty()) {
      item.push_back(cbor::Entry("collateral", cbor::Value::ByteString(ByteView(entry.collateral))));
    }
    items.push_back(cbor::Value::FromMap(std::move(item)));
  }
  return cbor::Encode(PageDocument("entries", std::move(items), page.next));
}

Bytes EncodeTreeHeadPage(const TreeHeadPage& page) {
  cbor::Array items;
  items.reserve(page.tree_heads.size());
  for (const TreeHead& head : page.tree_heads) {
    items.push_back(cbor::Value::FromMap({
        cbor::Entry("tree_size", cbor::Value::Uint(head.tree_size)),
        cbor::Entry("root", cbor::Value::ByteString(ByteView(head.root))),
        cbor::Entry("timestamp", cbor::Value::Int(head.timestamp)),
        cbor::Entry("receipt_protected", cbor::Value::ByteString(ByteView(head.receipt_protected))),
        cbor::Entry("receipt_signature", cbor::Value::ByteString(ByteView(head.receipt_signature))),
        cbor::Entry("checkpoint", cbor::Value::Text(head.checkpoint)),
    }));
  }
  return cbor::Encode(PageDocument("tree_heads", std::move(items), page.next));
}

Result<EntryPage> DecodeEntryPage(ByteView document) {
  SCITT_ASSIGN_OR_RETURN(cbor::Value doc, cbor::Decode(document));
  SCITT_ASSIGN_OR_RETURN(const cbor::Value* items, Member(doc, "entries"));
  if (!items->is_array()) return Malformed("\"entries\" is not an array");
  EntryPage page;
  for (const cbor::Value& item : items->array()) {
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* index, Member(item, "index"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* statement, Member(item, "statement"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* at, Member(item, "registered_at"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* policy, Member(item, "policy_index"));
    if (!index->is_unsigned() || !statement->is_bytes() || !at->AsInt64() || !policy->is_unsigned()) {
      return Malformed("entry fields have the wrong types");
    }
    LogEntry entry;
    entry.index = index->argument();
    entry.statement = statement->bytes();
    entry.entry_hash = crypto::Sha256(entry.statement);
    entry.registered_at = *at->AsInt64();
    entry.policy_index = policy->argument();
    if (const cbor::Value* collateral = item.Find("collateral")) {
      if (!collateral->is_bytes()) return Malformed("\"collateral\" is not a byte string");
      entry.collateral = collateral->bytes();
    }
    page.entries.push_back(std::move(entry));
  }
  SCITT_ASSIGN_OR_RETURN(page.next, Next(doc));
  return page;
}

Result<TreeHeadPage> DecodeTreeHeadPage(ByteView document) {
  SCITT_ASSIGN_OR_RETURN(cbor::Value doc, cbor::Decode(document));
  SCITT_ASSIGN_OR_RETURN(const cbor::Value* items, Member(doc, "tree_heads"));
  if (!items->is_array()) return Malformed("\"tree_heads\" is not an array");
  TreeHeadPage page;
  for (const cbor::Value& item : items->array()) {
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* size, Member(item, "tree_size"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* root, Member(item, "root"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* timestamp, Member(item, "timestamp"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* prot, Member(item, "receipt_protected"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* sig, Member(item, "receipt_signature"));
    SCITT_ASSIGN_OR_RETURN(const cbor::Value* note, Member(item, "checkpoint"));
    if (!size->is_unsigned() || !root->is_bytes() || root->bytes().size() != 32 || !timestamp->AsInt64() ||
        !prot->is_bytes() || !sig->is_bytes() || !note->is_text()) {
      return Malformed("tree head fields have the wrong types");
    }
    TreeHead head;
    head.tree_size = size->argument();
    std::copy(root->bytes().begin(), root->bytes().end(), head.root.begin());
    head.timestamp = *timestamp->AsInt64();
    head.receipt_protected = prot->bytes();
    head.receipt_signature = sig->bytes();
    head.checkpoint = note->text();
    page.tree_heads.push_back(std::move(head));
  }
  SCITT_ASSIGN_OR_RETURN(page.next, Next(doc));
  return page;
}

}  // namespace scitt::log

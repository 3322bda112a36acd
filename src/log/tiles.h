// C2SP tlog-tiles resources read from a store: what GET /tile/... serves and
// what an auditor reading a data directory compares with the tree it
// recomputes. Full tiles up to the latest signed tree head, and the partial
// tiles of every signed size; a hash tile (merkle::EncodeHashTile) or an
// entry bundle, whose entries are the 32-byte entry hashes
// (merkle::EncodeEntryBundle).
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "log/log_store.h"
#include "merkle/tile.h"

namespace scitt::log {

// kNotFound for tiles beyond the latest signed tree head, and for partial
// tiles whose width matches no signed size.
Result<Bytes> ReadTile(const LogStore& store, const merkle::TileCoord& coord);

}  // namespace scitt::log

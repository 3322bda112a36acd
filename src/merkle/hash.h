// RFC 9162 §2.1.1 Merkle tree hashing with SHA-256 (the RFC9162_SHA256 verifiable data
// structure, vds = 1, of RFC 9942).
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace scitt::merkle {

// A SHA-256 Merkle tree hash: a leaf hash, an interior node hash or a root.
using Hash = std::array<uint8_t, 32>;

// The leaf hash of one log entry: SHA-256(0x00 || entry).
Hash HashLeaf(ByteView entry);

// The interior node over two children: SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);

// The root of the empty tree: SHA-256("") = e3b0c442…b855.
Hash EmptyRoot();

}  // namespace scitt::merkle

// The decoder's memory bound (cbor/decoder.h): a decoded item costs at most
// one Value plus its string content, so many tiny items cannot blow a small
// input up into a large tree (issue 10: a 1 MiB COSE header of one-byte items
// decoded into ~300 MB). Measured by counting the peak of live heap bytes
// through the global allocation functions, which this file replaces for the
// whole cbor_test binary (they only count).
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "cbor/decoder.h"
#include "cbor/encoder.h"

namespace {

std::atomic<size_t> live_bytes{0};
std::atomic<size_t> peak_bytes{0};

void* Allocate(size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  size_t now = live_bytes += malloc_usable_size(p);
  size_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
  return p;
}

void Release(void* p) {
  if (p == nullptr) return;
  live_bytes -= malloc_usable_size(p);
  std::free(p);
}

}  // namespace

// Every unaligned form, so that each allocation is freed by its own pair
// (ASan checks that); the aligned forms keep the library's own pairs.
void* operator new(size_t size) { return Allocate(size); }
void* operator new[](size_t size) { return Allocate(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, size_t) noexcept { Release(p); }
void operator delete[](void* p, size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }

namespace scitt::cbor {
namespace {

// The bound decoder.h promises per item (sizeof(Value) on 64-bit Linux).
constexpr size_t kValueBytes = 72;
// Allocator rounding: large blocks are mmap'ed whole pages in a fresh process.
constexpr size_t kSlack = 64 * 1024;

// Peak live heap bytes while decoding `input`, above what was live before.
size_t PeakWhileDecoding(ByteView input, const DecodeOptions& options = {}) {
  const size_t before = live_bytes.load();
  peak_bytes = before;
  {
    Result<Value> v = Decode(input, options);
    EXPECT_TRUE(v.ok()) << v.error().message;
  }
  return peak_bytes.load() - before;
}

Bytes Container(uint8_t major, size_t count, ByteView item) {
  Bytes out;
  EncodeHead(major, count, &out);
  for (size_t i = 0; i < count * (major == 5 ? 2 : 1); ++i) out.insert(out.end(), item.begin(), item.end());
  return out;
}

TEST(DecoderMemory, OneByteItemsCostOneValueEach) {
  constexpr size_t kItems = 200000;
  const Bytes zero = {0x00}, empty_bstr = {0x40}, empty_map = {0xa0};
  for (const Bytes& item : {zero, empty_bstr, empty_map}) {
    const Bytes input = Container(4, kItems, item);
    const size_t peak = PeakWhileDecoding(input);
    EXPECT_LE(peak, kItems * kValueBytes + kSlack) << "item " << HexEncode(item);
    EXPECT_LE(peak, 73 * input.size()) << "item " << HexEncode(item);
  }
}

TEST(DecoderMemory, MapEntriesCostTwoValuesEach) {
  // Distinct one-byte keys cannot fill a big map, so the keys are two-byte
  // integers (0x18 nn) and three-byte ones (0x19 nnnn); values are one byte.
  constexpr size_t kEntries = 60000;
  Bytes input;
  EncodeHead(5, kEntries, &input);
  for (size_t i = 0; i < kEntries; ++i) {
    EncodeHead(0, i, &input);
    input.push_back(0x00);
  }
  const size_t peak = PeakWhileDecoding(input);
  // Two Values per entry, plus the duplicate-key check's index (the keys'
  // encodings and two words per entry, freed when the map is done).
  EXPECT_LE(peak, kEntries * (2 * kValueBytes + 16) + 3 * kEntries + kSlack);
}

TEST(DecoderMemory, StringsCostTheirContentOnce) {
  Bytes input;
  EncodeHead(2, 1 << 20, &input);
  input.resize(input.size() + (1 << 20), 0x61);
  EXPECT_LE(PeakWhileDecoding(input), (1u << 20) + kSlack);
}

// copy_byte_strings = false: a byte string's content stays where it is (the
// tail of raw()), and bytes() is empty; text strings are still decoded.
TEST(DecoderMemory, ByteStringsCanStayInPlace) {
  Bytes input;
  EncodeHead(4, 2, &input);
  EncodeHead(2, 1 << 20, &input);
  input.resize(input.size() + (1 << 20), 0x61);
  EncodeHead(3, 2, &input);
  input.push_back('h');
  input.push_back('i');
  DecodeOptions in_place;
  in_place.copy_byte_strings = false;
  EXPECT_LE(PeakWhileDecoding(input, in_place), kSlack);
  auto value = Decode(input, in_place);
  ASSERT_TRUE(value.ok()) << value.error().message;
  const Value& bytes = value->array()[0];
  EXPECT_TRUE(bytes.is_bytes());
  EXPECT_TRUE(bytes.bytes().empty());
  EXPECT_EQ(bytes.raw().data(), input.data() + 1);
  EXPECT_EQ(bytes.raw().size(), 5u + (1 << 20));
  EXPECT_EQ(value->array()[1].text(), "hi");
}

}  // namespace
}  // namespace scitt::cbor

#include "drivers/memfs/stripe_locks.h"

#include <cstddef>
#include <cstdint>

namespace irpfs::memfs {

namespace {

// Enough that unrelated chunks rarely meet with a few dozen copies in flight; each
// stripe on its own cache line so that neighbours do not bounce it between cores.
constexpr unsigned kStripeBits = 8;

struct alignas(64) Stripe {
  std::mutex mutex;
};

// std::mutex is constant-initialized: no start-up order question.
Stripe stripes[size_t{1} << kStripeBits];

}  // namespace

std::mutex& StripeLock(const void* address) {
  // Buffers and nodes are 16-byte aligned, so the low bits say nothing; multiplying by
  // 2^64 / phi spreads the rest over the top bits (Fibonacci hashing).
  uint64_t key = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(address)) >> 4;
  return stripes[(key * 0x9E3779B97F4A7C15ull) >> (64 - kStripeBits)].mutex;
}

}  // namespace irpfs::memfs

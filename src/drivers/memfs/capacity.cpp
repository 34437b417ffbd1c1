#include "drivers/memfs/capacity.h"

namespace irpfs::memfs {

bool Capacity::TryCharge(std::atomic<uint64_t>& used, uint64_t total, uint64_t amount) {
  uint64_t current = used.load(std::memory_order_relaxed);
  do {
    if (current > total || amount > total - current) return false;
  } while (!used.compare_exchange_weak(current, current + amount, std::memory_order_relaxed));
  return true;
}

bool Capacity::TryChargeBytes(uint64_t bytes) {
  return bytes == 0 || TryCharge(usedBytes_, totalBytes_, bytes);
}

bool Capacity::TryChargeInode() {
  return TryCharge(usedInodes_, totalInodes_, 1);
}

}  // namespace irpfs::memfs

#include "drivers/filters/trace/process_name_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace irpfs::trace {

void ProcessNameCache::Lookup(pid_t pid, int64_t nowNs, FixedText<16>* name) {
  if (pid <= 0) {
    name->Clear();
    return;
  }
  Slot& slot = slots_[static_cast<size_t>(pid) % kSlots];
  if (TryRead(slot, pid, nowNs, name)) return;
  Refill(slot, pid, nowNs, name);
}

bool ProcessNameCache::TryRead(const Slot& slot, pid_t pid, int64_t nowNs, FixedText<16>* name) {
  uint64_t before = slot.version.load(std::memory_order_acquire);
  if (before & 1) return false;  // being refilled: read /proc ourselves
  if (slot.pid.load(std::memory_order_relaxed) != pid ||
      nowNs - slot.loadedAtNs.load(std::memory_order_relaxed) > kMaxAgeNs) {
    return false;
  }
  char bytes[kNameWords * sizeof(uint64_t)];
  size_t length = slot.nameLength.load(std::memory_order_relaxed);
  for (size_t i = 0; i < kNameWords; ++i) {
    uint64_t word = slot.name[i].load(std::memory_order_relaxed);
    std::memcpy(bytes + i * sizeof word, &word, sizeof word);
  }
  // The loads above must not move below the re-check of the version.
  std::atomic_thread_fence(std::memory_order_acquire);
  if (slot.version.load(std::memory_order_relaxed) != before) return false;
  name->Assign({bytes, std::min(length, sizeof bytes)});
  return true;
}

void ProcessNameCache::Refill(Slot& slot, pid_t pid, int64_t nowNs, FixedText<16>* name) {
  ReadComm(pid, name);
  std::lock_guard lock(slot.writer);
  char bytes[kNameWords * sizeof(uint64_t)] = {};
  size_t length = std::min<size_t>(name->length, sizeof bytes);
  if (length != 0) std::memcpy(bytes, name->bytes, length);
  uint64_t version = slot.version.load(std::memory_order_relaxed);
  slot.version.store(version + 1, std::memory_order_relaxed);
  // Readers that see any field below also see the odd version.
  std::atomic_thread_fence(std::memory_order_release);
  slot.pid.store(pid, std::memory_order_relaxed);
  slot.loadedAtNs.store(nowNs, std::memory_order_relaxed);
  slot.nameLength.store(static_cast<uint8_t>(length), std::memory_order_relaxed);
  for (size_t i = 0; i < kNameWords; ++i) {
    uint64_t word;
    std::memcpy(&word, bytes + i * sizeof word, sizeof word);
    slot.name[i].store(word, std::memory_order_relaxed);
  }
  slot.version.store(version + 2, std::memory_order_release);
}

void ProcessNameCache::ReadComm(pid_t pid, FixedText<16>* name) {
  char path[40];
  std::snprintf(path, sizeof path, "/proc/%d/comm", static_cast<int>(pid));
  name->Clear();
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buffer[32];
  ssize_t got;
  do {
    got = ::read(fd, buffer, sizeof buffer);
  } while (got < 0 && errno == EINTR);
  ::close(fd);
  if (got <= 0) return;
  size_t length = static_cast<size_t>(got);
  if (buffer[length - 1] == '\n') --length;
  name->Assign({buffer, length});
}

}  // namespace irpfs::trace

// ThreadSpare<T>: each thread keeps the last object it gave back to a pool and takes it
// again without the pool's mutex.
//
// Why: a request takes an operation record and a reply buffer from pools that every
// worker shares and, when the file system completes it inline, gives both back on the
// same thread: four round trips on two mutexes whose cache lines move between the CPUs
// at queue depth (an uprobe count found ~15 mutex locks per QD16 READ, and perf about a
// third of the daemon's user time in lock and unlock). With a spare per thread, one
// worker's steady state takes neither mutex.
//
// A slot names its pool by a number that is never reused, not by the pool's address, so
// no thread ever takes a spare of a destroyed pool (the object stays in that pool's list
// of what it allocated, which freed it). A slot holding a spare is never overwritten:
// another pool on the same thread, or any pool once the slot's pool is gone, uses its
// mutex there, which costs time, never an object.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace irpfs::fuse {

template <class T>
class ThreadSpare {
 public:
  ThreadSpare() : id_(NextId()) {}
  ThreadSpare(const ThreadSpare&) = delete;
  ThreadSpare& operator=(const ThreadSpare&) = delete;

  // This thread's spare of this pool, taken out of the slot, when `fits` accepts it;
  // nullptr otherwise (the spare, if any, stays).
  template <class Fits>
  T* Take(Fits&& fits) {
    Slot& slot = ThisThreadsSlot();
    if (slot.owner != id_ || slot.object == nullptr || !fits(*slot.object)) return nullptr;
    return std::exchange(slot.object, nullptr);
  }
  T* Take() {
    return Take([](const T&) { return true; });
  }

  // Keeps `object` as this thread's spare of this pool. False when the slot already holds
  // one (of this pool or another): the caller returns `object` to the pool.
  bool Keep(T* object) {
    Slot& slot = ThisThreadsSlot();
    if (slot.object != nullptr) return false;
    slot.owner = id_;
    slot.object = object;
    return true;
  }

 private:
  struct Slot {
    uint64_t owner = 0;
    T* object = nullptr;
  };
  // Constant-initialized: no allocation and no guard on first use by a thread.
  static Slot& ThisThreadsSlot() {
    thread_local Slot slot;
    return slot;
  }
  static uint64_t NextId() {
    static std::atomic<uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  const uint64_t id_;
};

}  // namespace irpfs::fuse

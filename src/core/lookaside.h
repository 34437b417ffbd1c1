// ThreadLookaside<T, N>: the storage of up to N freed objects of type T kept per thread and
// reused by the next allocation on that thread, as NT's per-processor lookaside lists keep
// IRPs for IoAllocateIrp.
//
// Why: every FUSE LOOKUP is an open in this model (CREATE, a query, CLEANUP, CLOSE), so a
// FileObject and two IRPs are allocated and freed per request. A thread's own cache takes
// no lock and keeps the memory warm in that CPU's cache.
//
// An object may be freed on another thread than the one that made it; it then lands in
// that thread's cache. A thread's cache is freed when the thread exits. Under
// AddressSanitizer the cache is off, so a use after free is still reported.
#pragma once

#include <cstddef>
#include <new>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define IRPFS_LOOKASIDE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IRPFS_LOOKASIDE_OFF 1
#endif
#endif

namespace irpfs {

template <class T, size_t N>
class ThreadLookaside {
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

 public:
  template <class... Args>
  static T* New(Args&&... args) {
    void* storage = nullptr;
#ifndef IRPFS_LOOKASIDE_OFF
    Cache& cache = ThisThreadsCache();
    if (cache.count > 0) storage = cache.slots[--cache.count];  // 0 once closed
#endif
    if (storage == nullptr) storage = ::operator new(sizeof(T));
    // Without arguments, default-initialized as `new T` would (no zeroing of what the
    // type leaves to its initializer function, such as an IRP's stack locations).
    if constexpr (sizeof...(Args) == 0) {
      return ::new (storage) T;
    } else {
      return ::new (storage) T(std::forward<Args>(args)...);
    }
  }

  static void Delete(T* object) {
    if (object == nullptr) return;
    object->~T();
#ifndef IRPFS_LOOKASIDE_OFF
    Cache& cache = ThisThreadsCache();
    if (!cache.closed && cache.count < N) {
      cache.slots[cache.count++] = object;
      return;
    }
#endif
    ::operator delete(static_cast<void*>(object));
  }

 private:
  // Trivially destructible, so it stays usable after the thread's Reaper ran: an object
  // freed later in the thread's (or, for the main thread, the process's) teardown, by
  // another thread_local's or a static's destructor, then goes straight to the heap.
  struct Cache {
    void* slots[N];
    size_t count;
    bool closed;
  };
  struct Reaper {
    Cache* cache;
    ~Reaper() {
      while (cache->count > 0) ::operator delete(cache->slots[--cache->count]);
      cache->closed = true;
    }
  };
  static Cache& ThisThreadsCache() {
    thread_local Cache cache{};
    thread_local Reaper reaper{&cache};
    return cache;
  }
};

}  // namespace irpfs

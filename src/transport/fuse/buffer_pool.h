// Buffers for requests and replies, recycled so the steady state allocates nothing.
//
// Receive buffers: one per worker, all of one size (max_write + a page). A worker lends
// its buffer to a request that calls Reply::PinInput(); the worker then takes another
// one from the pool, and the buffer comes back when both the worker and the request have
// let go (a reference count of at most 2).
//
// Reply buffers: Reply::AcquireBuffer() sizes, in power-of-two classes from 4 KiB.
//
// Threads: any. One mutex (a leaf lock); each thread also keeps the last reply buffer it
// gave back (thread_spare.h).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "transport/fuse/thread_spare.h"

namespace irpfs::fuse {

struct RecvBuffer {
  std::byte* data = nullptr;
  size_t size = 0;
  std::atomic<int> refs{1};
  // Set by PinInput; tells the worker its buffer now belongs to a request too.
  std::atomic<bool> pinned{false};
  RecvBuffer* nextFree = nullptr;
};

struct OutBuffer {
  std::byte* data = nullptr;
  size_t capacity = 0;
  int sizeClass = 0;
  OutBuffer* nextFree = nullptr;
};

class BufferPool {
 public:
  static constexpr size_t kSmallestOut = 4096;
  static constexpr int kOutClasses = 13;  // 4 KiB .. 16 MiB

  explicit BufferPool(size_t recvSize) : recvSize_(recvSize) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  size_t recvSize() const { return recvSize_; }
  // nullptr only when out of memory. The buffer comes with one reference.
  RecvBuffer* AcquireRecv();
  // Drops one reference; the last one returns the buffer to the pool.
  void ReleaseRecv(RecvBuffer* buffer);

  // nullptr when out of memory or larger than the largest class.
  OutBuffer* AcquireOut(size_t size);
  void ReleaseOut(OutBuffer* buffer);

 private:
  const size_t recvSize_;
  std::mutex mu_;
  RecvBuffer* freeRecv_ = nullptr;
  std::array<OutBuffer*, kOutClasses> freeOut_{};
  std::vector<RecvBuffer*> allRecv_;  // for the destructor
  std::vector<OutBuffer*> allOut_;
  ThreadSpare<OutBuffer> spareOut_;  // one free reply buffer per thread, no mutex
};

}  // namespace irpfs::fuse

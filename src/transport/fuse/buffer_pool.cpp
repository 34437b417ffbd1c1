#include "transport/fuse/buffer_pool.h"

#include <cstdlib>
#include <new>

namespace irpfs::fuse {
namespace {

constexpr size_t kPage = 4096;

std::byte* AllocatePages(size_t size) {
  size_t rounded = (size + kPage - 1) / kPage * kPage;
  return static_cast<std::byte*>(std::aligned_alloc(kPage, rounded));
}

}  // namespace

BufferPool::~BufferPool() {
  for (RecvBuffer* buffer : allRecv_) {
    std::free(buffer->data);
    delete buffer;
  }
  for (OutBuffer* buffer : allOut_) {
    std::free(buffer->data);
    delete buffer;
  }
}

RecvBuffer* BufferPool::AcquireRecv() {
  {
    std::lock_guard lock(mu_);
    if (freeRecv_ != nullptr) {
      RecvBuffer* buffer = freeRecv_;
      freeRecv_ = buffer->nextFree;
      buffer->nextFree = nullptr;
      buffer->refs.store(1, std::memory_order_relaxed);
      buffer->pinned.store(false, std::memory_order_relaxed);
      return buffer;
    }
  }
  std::byte* data = AllocatePages(recvSize_);
  if (data == nullptr) return nullptr;
  auto* buffer = new (std::nothrow) RecvBuffer;
  if (buffer == nullptr) {
    std::free(data);
    return nullptr;
  }
  buffer->data = data;
  buffer->size = recvSize_;
  std::lock_guard lock(mu_);
  allRecv_.push_back(buffer);
  return buffer;
}

void BufferPool::ReleaseRecv(RecvBuffer* buffer) {
  if (buffer->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::lock_guard lock(mu_);
  buffer->nextFree = freeRecv_;
  freeRecv_ = buffer;
}

OutBuffer* BufferPool::AcquireOut(size_t size) {
  int sizeClass = 0;
  size_t capacity = kSmallestOut;
  while (capacity < size) {
    if (++sizeClass >= kOutClasses) return nullptr;
    capacity <<= 1;
  }
  auto fits = [sizeClass](const OutBuffer& spare) { return spare.sizeClass == sizeClass; };
  if (OutBuffer* buffer = spareOut_.Take(fits)) return buffer;
  {
    std::lock_guard lock(mu_);
    if (OutBuffer* buffer = freeOut_[sizeClass]) {
      freeOut_[sizeClass] = buffer->nextFree;
      buffer->nextFree = nullptr;
      return buffer;
    }
  }
  std::byte* data = AllocatePages(capacity);
  if (data == nullptr) return nullptr;
  auto* buffer = new (std::nothrow) OutBuffer;
  if (buffer == nullptr) {
    std::free(data);
    return nullptr;
  }
  buffer->data = data;
  buffer->capacity = capacity;
  buffer->sizeClass = sizeClass;
  std::lock_guard lock(mu_);
  allOut_.push_back(buffer);
  return buffer;
}

void BufferPool::ReleaseOut(OutBuffer* buffer) {
  if (spareOut_.Keep(buffer)) return;
  std::lock_guard lock(mu_);
  buffer->nextFree = freeOut_[buffer->sizeClass];
  freeOut_[buffer->sizeClass] = buffer;
}

}  // namespace irpfs::fuse

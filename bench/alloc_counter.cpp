#include "alloc_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define IRPFS_BENCH_COUNT_MALLOC 0
#else
#define IRPFS_BENCH_COUNT_MALLOC 1
#endif

namespace {

std::atomic<uint64_t> g_allocations{0};

void CountOne() {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

#if IRPFS_BENCH_COUNT_MALLOC
// glibc's allocator under its own names; the public names below forward to them. glibc
// documents replacing malloc this way (malloc, free, calloc, realloc together).
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* pointer);

void* malloc(size_t size) {
  CountOne();
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  CountOne();
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, size_t size) {
  CountOne();
  return __libc_realloc(pointer, size);
}
void free(void* pointer) {
  __libc_free(pointer);
}
void* memalign(size_t alignment, size_t size) {
  CountOne();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
  CountOne();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return 22;  // EINVAL
  CountOne();
  void* pointer = __libc_memalign(alignment, size);
  if (pointer == nullptr) return 12;  // ENOMEM
  *out = pointer;
  return 0;
}
}  // extern "C"

namespace {
// operator new goes to glibc directly so one `new` counts once, not also as a malloc.
void* RawAllocate(size_t size) {
  return __libc_malloc(size == 0 ? 1 : size);
}
void* RawAllocateAligned(size_t size, size_t alignment) {
  return __libc_memalign(alignment, size == 0 ? 1 : size);
}
void RawFree(void* pointer) {
  __libc_free(pointer);
}
}  // namespace
#else
namespace {
void* RawAllocate(size_t size) {
  return std::malloc(size == 0 ? 1 : size);
}
void* RawAllocateAligned(size_t size, size_t alignment) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}
void RawFree(void* pointer) {
  std::free(pointer);
}
}  // namespace
#endif

namespace irpfs::bench {

uint64_t HeapAllocationCount() {
  return g_allocations.load(std::memory_order_relaxed);
}
bool MallocIsCounted() {
  return IRPFS_BENCH_COUNT_MALLOC != 0;
}

}  // namespace irpfs::bench

// ---- The replaceable global allocation functions.

void* operator new(size_t size) {
  CountOne();
  if (void* pointer = RawAllocate(size)) return pointer;
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  return operator new(size);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  CountOne();
  return RawAllocate(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return operator new(size, std::nothrow);
}
void* operator new(size_t size, std::align_val_t alignment) {
  CountOne();
  if (void* pointer = RawAllocateAligned(size, static_cast<size_t>(alignment))) return pointer;
  throw std::bad_alloc();
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return operator new(size, alignment);
}
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  CountOne();
  return RawAllocateAligned(size, static_cast<size_t>(alignment));
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return operator new(size, alignment, std::nothrow);
}

void operator delete(void* pointer) noexcept {
  RawFree(pointer);
}
void operator delete[](void* pointer) noexcept {
  RawFree(pointer);
}
void operator delete(void* pointer, size_t) noexcept {
  RawFree(pointer);
}
void operator delete[](void* pointer, size_t) noexcept {
  RawFree(pointer);
}
void operator delete(void* pointer, const std::nothrow_t&) noexcept {
  RawFree(pointer);
}
void operator delete[](void* pointer, const std::nothrow_t&) noexcept {
  RawFree(pointer);
}
void operator delete(void* pointer, std::align_val_t) noexcept {
  RawFree(pointer);
}
void operator delete[](void* pointer, std::align_val_t) noexcept {
  RawFree(pointer);
}
void operator delete(void* pointer, size_t, std::align_val_t) noexcept {
  RawFree(pointer);
}
void operator delete[](void* pointer, size_t, std::align_val_t) noexcept {
  RawFree(pointer);
}
void operator delete(void* pointer, std::align_val_t, const std::nothrow_t&) noexcept {
  RawFree(pointer);
}
void operator delete[](void* pointer, std::align_val_t, const std::nothrow_t&) noexcept {
  RawFree(pointer);
}

// odirect_check PATH: O_DIRECT writes and reads with aligned buffers, cross-checked against
// buffered I/O; O_DIRECT writes to one file from several threads at once (a FUSE server
// may get them in parallel: FOPEN_PARALLEL_DIRECT_WRITES); a MAP_SHARED mapping of an
// O_DIRECT open (a FUSE direct_io open needs FUSE_DIRECT_IO_ALLOW_MMAP for it). Exit 0 when all
// data matches, 77 when the file system refuses O_DIRECT (open or the first aligned write fails
// with EINVAL), 1 on any other failure.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {

constexpr size_t kAlign = 4096;
constexpr size_t kChunk = 256 * 1024;
constexpr int kChunks = 8;

int Fail(const char* step) {
  std::fprintf(stderr, "odirect_check: %s failed (errno %s)\n", step, strerrorname_np(errno));
  return 1;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<unsigned char, FreeDeleter>;

// Returns an empty buffer when the allocation fails.
AlignedBuffer AllocateAligned(size_t size) {
  void* raw = nullptr;
  if (::posix_memalign(&raw, kAlign, size) != 0) return AlignedBuffer();
  return AlignedBuffer(static_cast<unsigned char*>(raw));
}

void Fill(unsigned char* p, size_t n, unsigned seed) {
  unsigned x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    p[i] = static_cast<unsigned char>(x >> 16);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: odirect_check PATH\n");
    return 2;
  }
  const char* path = argv[1];
  int fd = ::open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);
  if (fd < 0 && errno == EINVAL) {
    std::printf("SKIP: open with O_DIRECT refused (EINVAL)\n");
    return 77;
  }
  if (fd < 0) return Fail("open O_DIRECT");

  AlignedBuffer out_buffer = AllocateAligned(kChunk);
  AlignedBuffer in_buffer = AllocateAligned(kChunk);
  if (!out_buffer || !in_buffer) return Fail("posix_memalign");
  unsigned char* out = out_buffer.get();
  unsigned char* in = in_buffer.get();

  // Chunks are written out of order so the file grows through holes.
  const int order[kChunks] = {3, 0, 7, 1, 5, 2, 6, 4};
  for (int k = 0; k < kChunks; ++k) {
    int chunk = order[k];
    Fill(out, kChunk, static_cast<unsigned>(chunk));
    ssize_t n = ::pwrite(fd, out, kChunk, static_cast<off_t>(chunk) * kChunk);
    if (n < 0 && errno == EINVAL && k == 0) {
      std::printf("SKIP: aligned O_DIRECT write refused (EINVAL)\n");
      return 77;
    }
    if (n != static_cast<ssize_t>(kChunk)) return Fail("O_DIRECT pwrite");
  }
  for (int chunk = 0; chunk < kChunks; ++chunk) {
    Fill(out, kChunk, static_cast<unsigned>(chunk));
    std::memset(in, 0, kChunk);
    if (::pread(fd, in, kChunk, static_cast<off_t>(chunk) * kChunk) !=
        static_cast<ssize_t>(kChunk)) {
      return Fail("O_DIRECT pread");
    }
    if (std::memcmp(in, out, kChunk) != 0) {
      std::fprintf(stderr, "odirect_check: O_DIRECT read of chunk %d differs\n", chunk);
      return 1;
    }
  }
  // A read at end of file returns 0 bytes, not an error.
  if (::pread(fd, in, kChunk, static_cast<off_t>(kChunks) * kChunk) != 0) {
    return Fail("O_DIRECT pread at EOF");
  }
  ::close(fd);

  // Buffered reader must see exactly what went through O_DIRECT.
  int buffered = ::open(path, O_RDONLY);
  if (buffered < 0) return Fail("open buffered");
  for (int chunk = 0; chunk < kChunks; ++chunk) {
    Fill(out, kChunk, static_cast<unsigned>(chunk));
    if (::pread(buffered, in, kChunk, static_cast<off_t>(chunk) * kChunk) !=
        static_cast<ssize_t>(kChunk)) {
      return Fail("buffered pread");
    }
    if (std::memcmp(in, out, kChunk) != 0) {
      std::fprintf(stderr, "odirect_check: buffered read of chunk %d differs\n", chunk);
      return 1;
    }
  }
  ::close(buffered);

  // And the reverse: a buffered write followed by an O_DIRECT read.
  int writer = ::open(path, O_WRONLY);
  if (writer < 0) return Fail("open buffered writer");
  Fill(out, kChunk, 99);
  if (::pwrite(writer, out, kChunk, kChunk) != static_cast<ssize_t>(kChunk)) {
    return Fail("buffered pwrite");
  }
  ::close(writer);
  fd = ::open(path, O_RDONLY | O_DIRECT);
  if (fd < 0) return Fail("reopen O_DIRECT");
  if (::pread(fd, in, kChunk, kChunk) != static_cast<ssize_t>(kChunk)) {
    return Fail("O_DIRECT pread after buffered write");
  }
  if (std::memcmp(in, out, kChunk) != 0) {
    std::fprintf(stderr, "odirect_check: O_DIRECT read misses a buffered write\n");
    return 1;
  }
  ::close(fd);

  // Threads write interleaved 4 KiB blocks of one O_DIRECT open at the same time.
  constexpr int kThreads = 8;
  constexpr int kBlocksPerThread = 32;
  fd = ::open(path, O_RDWR | O_DIRECT);
  if (fd < 0) return Fail("reopen O_DIRECT for threads");
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      AlignedBuffer block = AllocateAligned(kAlign);
      if (!block) {
        ++failures;
        return;
      }
      for (int b = 0; b < kBlocksPerThread; ++b) {
        int index = b * kThreads + t;
        Fill(block.get(), kAlign, 1000u + static_cast<unsigned>(index));
        if (::pwrite(fd, block.get(), kAlign, static_cast<off_t>(index) * kAlign) !=
            static_cast<ssize_t>(kAlign)) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  if (failures != 0) return Fail("concurrent O_DIRECT pwrite");
  for (int index = 0; index < kThreads * kBlocksPerThread; ++index) {
    Fill(out, kAlign, 1000u + static_cast<unsigned>(index));
    if (::pread(fd, in, kAlign, static_cast<off_t>(index) * kAlign) !=
        static_cast<ssize_t>(kAlign)) {
      return Fail("O_DIRECT pread after concurrent writes");
    }
    if (std::memcmp(in, out, kAlign) != 0) {
      std::fprintf(stderr, "odirect_check: block %d of the concurrent writes differs\n", index);
      return 1;
    }
  }

  // A shared mapping of the O_DIRECT open sees its data, and what is stored through the
  // mapping reaches an O_DIRECT read once synced.
  size_t mapped = kAlign * 2;
  void* map = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return Fail("mmap MAP_SHARED of an O_DIRECT open");
  auto* bytes = static_cast<unsigned char*>(map);
  Fill(out, kAlign, 1001u);
  if (std::memcmp(bytes + kAlign, out, kAlign) != 0) {
    std::fprintf(stderr, "odirect_check: the mapping misses an O_DIRECT write\n");
    return 1;
  }
  Fill(out, kAlign, 7u);
  std::memcpy(bytes, out, kAlign);
  if (::msync(map, mapped, MS_SYNC) != 0) return Fail("msync");
  ::munmap(map, mapped);
  if (::pread(fd, in, kAlign, 0) != static_cast<ssize_t>(kAlign)) {
    return Fail("O_DIRECT pread after msync");
  }
  if (std::memcmp(in, out, kAlign) != 0) {
    std::fprintf(stderr, "odirect_check: O_DIRECT read misses a store through the mapping\n");
    return 1;
  }
  ::close(fd);
  std::printf("ok\n");
  return 0;
}

// mmap_check PATH: shared writable mappings of a file on the file system under test.
// Checks, in order, that
//   1. two MAP_SHARED mappings of one file see each other's stores at once;
//   2. after msync, read() through a separate descriptor returns the stored bytes;
//   3. a child process that maps the file and writes is seen by the parent's mapping
//      and by read() after the child exits;
//   4. a write() through a descriptor is seen by an existing mapping;
//   5. the data survives unmapping: a fresh open + read returns the final content.
// Prints "ok" and exits 0, or names the failed step and exits 1.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr size_t kSize = 256 * 1024;

int Fail(const char* step) {
  std::fprintf(stderr, "mmap_check: %s failed (errno %s)\n", step, strerrorname_np(errno));
  return 1;
}

unsigned char Pattern(size_t i, unsigned seed) {
  return static_cast<unsigned char>((i * 131 + seed * 7 + (i >> 12)) & 0xff);
}

void Fill(unsigned char* p, size_t from, size_t to, unsigned seed) {
  for (size_t i = from; i < to; ++i) p[i] = Pattern(i, seed);
}

bool Matches(const unsigned char* p, size_t from, size_t to, unsigned seed) {
  for (size_t i = from; i < to; ++i) {
    if (p[i] != Pattern(i, seed)) return false;
  }
  return true;
}

bool ReadBack(const char* path, std::vector<unsigned char>& out) {
  int fd = ::open(path, O_RDONLY);
  if (fd < 0) return false;
  out.assign(kSize, 0);
  size_t done = 0;
  while (done < kSize) {
    ssize_t n = ::pread(fd, out.data() + done, kSize - done, static_cast<off_t>(done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == kSize;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: mmap_check PATH\n");
    return 2;
  }
  const char* path = argv[1];
  int fd = ::open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Fail("open");
  if (::ftruncate(fd, kSize) != 0) return Fail("ftruncate");

  auto* a = static_cast<unsigned char*>(
      ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (a == MAP_FAILED) return Fail("mmap a");
  int fd2 = ::open(path, O_RDWR);
  if (fd2 < 0) return Fail("open second");
  auto* b = static_cast<unsigned char*>(
      ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0));
  if (b == MAP_FAILED) return Fail("mmap b");

  Fill(a, 0, kSize, 1);
  if (!Matches(b, 0, kSize, 1)) return Fail("step 1: second mapping sees stores");

  if (::msync(a, kSize, MS_SYNC) != 0) return Fail("msync");
  std::vector<unsigned char> data;
  if (!ReadBack(path, data) || !Matches(data.data(), 0, kSize, 1)) {
    return Fail("step 2: read() after msync");
  }

  pid_t child = ::fork();
  if (child < 0) return Fail("fork");
  if (child == 0) {
    int cfd = ::open(path, O_RDWR);
    if (cfd < 0) ::_exit(3);
    auto* c = static_cast<unsigned char*>(
        ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0));
    if (c == MAP_FAILED) ::_exit(4);
    Fill(c, kSize / 2, kSize, 2);
    if (::msync(c, kSize, MS_SYNC) != 0) ::_exit(5);
    ::_exit(0);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "mmap_check: child failed (status %d)\n", status);
    return 1;
  }
  if (!Matches(a, 0, kSize / 2, 1) || !Matches(a, kSize / 2, kSize, 2)) {
    return Fail("step 3: parent mapping sees child's stores");
  }
  if (!ReadBack(path, data) || !Matches(data.data(), kSize / 2, kSize, 2)) {
    return Fail("step 3: read() sees child's stores");
  }

  std::vector<unsigned char> block(4096);
  Fill(block.data(), 0, block.size(), 3);
  if (::pwrite(fd2, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size())) {
    return Fail("pwrite");
  }
  if (!Matches(a, 0, block.size(), 3) || !Matches(b, 0, block.size(), 3)) {
    return Fail("step 4: mapping sees write()");
  }

  ::munmap(a, kSize);
  ::munmap(b, kSize);
  ::close(fd);
  ::close(fd2);
  if (!ReadBack(path, data) || !Matches(data.data(), 0, 4096, 3) ||
      !Matches(data.data(), 4096, kSize / 2, 1) || !Matches(data.data(), kSize / 2, kSize, 2)) {
    return Fail("step 5: content after unmap");
  }
  std::printf("ok\n");
  return 0;
}

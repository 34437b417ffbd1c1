// meta_ops: metadata throughput on one directory of N empty files.
//
//   meta_ops DIR N [SETTLE_SECONDS]
//
// Makes DIR/meta (must not exist), then in order: creates N empty files (open O_CREAT|O_EXCL
// and close), stats each of them, lists the directory to the end fifteen times (the median
// pass counts), lists it fifteen more times each right after moving its mtime (the median
// counts: "readdir_changed"), unlinks each file, and removes the directory. Prints, per phase, the
// elapsed seconds and operations per second as key=value lines. Any failure stops the run with a
// message and exit status 1.
//
// SETTLE_SECONDS (default 0) is an untimed pause before each phase after the first. On a
// FUSE mount whose entry and attribute timeouts are shorter than the pause, every phase
// then starts with all N entries expired in the kernel, whatever the speed of the phase
// before it: without the pause, a fast create would leave the stat phase more cache hits
// than a slow one.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

double NowSeconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Writes the name of file `index` into `out`: same length for every file, so the
// directory's entries are all the same size whatever N is.
void FileName(const std::string& dir, long index, char* out, size_t size) {
  std::snprintf(out, size, "%s/file%08ld", dir.c_str(), index);
}

bool Fail(const char* what, const char* path) {
  std::fprintf(stderr, "meta_ops: %s %s: %s\n", what, path, std::strerror(errno));
  return false;
}

void Report(const char* phase, long operations, double seconds) {
  std::printf("%s_s=%.4f\n", phase, seconds);
  std::printf("%s_ops_per_s=%.1f\n", phase, seconds > 0 ? operations / seconds : 0.0);
}

bool CreateAll(const std::string& dir, long count) {
  char path[4096];
  for (long i = 0; i < count; ++i) {
    FileName(dir, i, path, sizeof path);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return Fail("create", path);
    if (close(fd) != 0) return Fail("close", path);
  }
  return true;
}

bool StatAll(const std::string& dir, long count) {
  char path[4096];
  struct stat info {};
  for (long i = 0; i < count; ++i) {
    FileName(dir, i, path, sizeof path);
    if (stat(path, &info) != 0) return Fail("stat", path);
  }
  return true;
}

bool ListOnce(const std::string& dir, long expected) {
  DIR* stream = opendir(dir.c_str());
  if (stream == nullptr) return Fail("opendir", dir.c_str());
  long entries = 0;
  errno = 0;
  while (readdir(stream) != nullptr) ++entries;
  bool ok = errno == 0 || !Fail("readdir", dir.c_str());
  closedir(stream);
  // "." and ".." come on top of the files.
  if (ok && entries != expected + 2) {
    std::fprintf(stderr, "meta_ops: readdir %s: %ld entries, expected %ld\n", dir.c_str(), entries,
                 expected + 2);
    return false;
  }
  return ok;
}

// One listing of N entries takes 5 to 30 ms here, as short as a scheduler hiccup: the
// directory is listed `passes` times and the median pass is what counts (returned
// through *seconds). With 5 passes the same binaries' ratio moved 0.6-1.2x between runs;
// 15 cost a tenth of a second per row. With `touchFirst`, the directory's mtime is set
// (untimed, one SETATTR) before each pass.
bool MedianListing(const std::string& dir, long expected, int passes, bool touchFirst,
                   double* seconds) {
  std::vector<double> times;
  for (int i = 0; i < passes; ++i) {
    if (touchFirst && utimensat(AT_FDCWD, dir.c_str(), nullptr, 0) != 0) {
      return Fail("utimensat", dir.c_str());
    }
    double start = NowSeconds();
    if (!ListOnce(dir, expected)) return false;
    times.push_back(NowSeconds() - start);
  }
  std::sort(times.begin(), times.end());
  *seconds = times[times.size() / 2];
  return true;
}

bool ReadAll(const std::string& dir, long expected, double* seconds) {
  return MedianListing(dir, expected, 15, false, seconds);
}

// A file system may let the kernel keep a listing (FOPEN_CACHE_DIR): then the passes of
// ReadAll after the first are the kernel's, not the server's. The kernel drops such a
// listing when the directory's mtime moves, so moving it before each pass makes every
// pass here a listing the server gives; on a file system that keeps no listing it
// changes nothing.
bool ReadAllAfterAChange(const std::string& dir, long expected, double* seconds) {
  return MedianListing(dir, expected, 15, true, seconds);
}

bool UnlinkAll(const std::string& dir, long count) {
  char path[4096];
  for (long i = 0; i < count; ++i) {
    FileName(dir, i, path, sizeof path);
    if (unlink(path) != 0) return Fail("unlink", path);
  }
  return true;
}

template <bool (*kRun)(const std::string&, long)>
bool Timed(const std::string& dir, long count, double* seconds) {
  double start = NowSeconds();
  bool ok = kRun(dir, count);
  *seconds = NowSeconds() - start;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: meta_ops DIR N [SETTLE_SECONDS]\n");
    return 2;
  }
  std::string dir = std::string(argv[1]) + "/meta";
  long count = std::strtol(argv[2], nullptr, 10);
  if (count <= 0) {
    std::fprintf(stderr, "meta_ops: N must be positive\n");
    return 2;
  }
  double settleSeconds = argc == 4 ? std::strtod(argv[3], nullptr) : 0.0;
  if (settleSeconds < 0) {
    std::fprintf(stderr, "meta_ops: SETTLE_SECONDS must not be negative\n");
    return 2;
  }
  if (mkdir(dir.c_str(), 0755) != 0) {
    Fail("mkdir", dir.c_str());
    return 1;
  }

  // Each phase times itself (readdir reports its median pass).
  struct Phase {
    const char* name;
    bool (*run)(const std::string&, long, double*);
  };
  const Phase phases[] = {{"create", Timed<CreateAll>},
                          {"stat", Timed<StatAll>},
                          {"readdir", ReadAll},
                          {"readdir_changed", ReadAllAfterAChange},
                          {"unlink", Timed<UnlinkAll>}};
  std::printf("files=%ld\n", count);
  for (const Phase& phase : phases) {
    if (&phase != &phases[0] && settleSeconds > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(settleSeconds));
    }
    double seconds = 0;
    if (!phase.run(dir, count, &seconds)) return 1;
    // For the listings the "operations" are the N entries of one pass.
    Report(phase.name, count, seconds);
  }
  if (rmdir(dir.c_str()) != 0) {
    Fail("rmdir", dir.c_str());
    return 1;
  }
  return 0;
}

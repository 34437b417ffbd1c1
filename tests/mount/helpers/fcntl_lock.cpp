// fcntl_lock: POSIX record locks between processes, for locks.sh.
//
//   fcntl_lock hold PATH START LEN READY RELEASE take a write lock, create the file READY,
//                                              hold the lock until the file RELEASE exists
//   fcntl_lock try PATH START LEN [read|write]  exit 0 if F_SETLK succeeds, 1 if it conflicts
//                                              (EAGAIN/EACCES); prints the F_GETLK answer
//   fcntl_lock wait PATH START LEN              F_SETLKW: block until granted, exit 0
// Any other failure exits 2.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct flock Range(short type, const char* start, const char* len) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = std::strtoll(start, nullptr, 10);
  lock.l_len = std::strtoll(len, nullptr, 10);
  return lock;
}

int Fail(const char* what) {
  std::fprintf(stderr, "fcntl_lock: %s: %s\n", what, std::strerror(errno));
  return 2;
}

int Hold(int fd, const char* start, const char* len, const char* ready_file,
         const char* release_file) {
  struct flock lock = Range(F_WRLCK, start, len);
  if (::fcntl(fd, F_SETLK, &lock) != 0) return Fail("F_SETLK");
  int ready = ::open(ready_file, O_CREAT | O_WRONLY, 0644);
  if (ready < 0) return Fail("create ready file");
  ::close(ready);
  // Polling keeps the helper free of signals and pipes; the script's timeout bounds it.
  while (::access(release_file, F_OK) != 0) ::usleep(20000);
  return 0;
}

int Try(int fd, const char* start, const char* len, bool write) {
  struct flock probe = Range(write ? F_WRLCK : F_RDLCK, start, len);
  if (::fcntl(fd, F_GETLK, &probe) != 0) return Fail("F_GETLK");
  if (probe.l_type == F_UNLCK) {
    std::printf("getlk=unlocked\n");
  } else {
    std::printf("getlk=%s start=%lld len=%lld other-pid=%s\n",
                probe.l_type == F_WRLCK ? "write" : "read", static_cast<long long>(probe.l_start),
                static_cast<long long>(probe.l_len), probe.l_pid > 0 ? "yes" : "no");
  }
  struct flock lock = Range(write ? F_WRLCK : F_RDLCK, start, len);
  if (::fcntl(fd, F_SETLK, &lock) == 0) {
    std::printf("setlk=granted\n");
    return 0;
  }
  if (errno == EAGAIN || errno == EACCES) {
    std::printf("setlk=conflict\n");
    return 1;
  }
  return Fail("F_SETLK");
}

int Wait(int fd, const char* start, const char* len) {
  struct flock lock = Range(F_WRLCK, start, len);
  if (::fcntl(fd, F_SETLKW, &lock) != 0) return Fail("F_SETLKW");
  std::printf("setlkw=granted\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: fcntl_lock hold|try|wait PATH START LEN [...]\n");
    return 2;
  }
  std::string mode = argv[1];
  int fd = ::open(argv[2], O_RDWR | O_CREAT, 0644);
  if (fd < 0) return Fail(argv[2]);
  if (mode == "hold" && argc == 7) return Hold(fd, argv[3], argv[4], argv[5], argv[6]);
  if (mode == "try" && argc <= 6) {
    bool write = argc < 6 || std::string(argv[5]) != "read";
    return Try(fd, argv[3], argv[4], write);
  }
  if (mode == "wait" && argc == 5) return Wait(fd, argv[3], argv[4]);
  std::fprintf(stderr, "fcntl_lock: bad arguments\n");
  return 2;
}

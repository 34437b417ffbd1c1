#include "suite_runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace posix_suite {

Outcome Sys(long rc) {
  if (rc < 0) return Outcome{-1, errno, {}};
  return Outcome{0, 0, {}};
}

Outcome OpenAndClose(const char* path, int flags, unsigned mode) {
  int fd = ::open(path, flags, mode);
  Outcome outcome = Sys(fd);
  if (fd >= 0) ::close(fd);
  return outcome;
}

const char* ErrnoName(int error) {
  if (error == 0) return "0";
  const char* name = strerrorname_np(error);
  return name != nullptr ? name : "E?";
}

static const char* TypeName(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "dir";
  if (S_ISLNK(mode)) return "symlink";
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISCHR(mode)) return "chr";
  if (S_ISBLK(mode)) return "blk";
  if (S_ISSOCK(mode)) return "sock";
  return "unknown";
}

std::string OwnerName(unsigned uid) {
  if (uid == ::geteuid()) return "self";
  if (uid == 0) return "root";
  return std::to_string(uid);
}

std::string GroupName(unsigned gid) {
  if (gid == ::getegid()) return "self";
  if (gid == 0) return "root";
  return std::to_string(gid);
}

std::string Describe(const char* path, bool with_owner) {
  struct stat st {};
  if (::lstat(path, &st) != 0) return std::string("lstat=") + ErrnoName(errno);
  char mode[16];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  std::string line = std::string("type=") + TypeName(st.st_mode) + " mode=" + mode +
                     " nlink=" + std::to_string(st.st_nlink);
  if (!S_ISDIR(st.st_mode)) line += " size=" + std::to_string(st.st_size);
  if (with_owner) line += " uid=" + OwnerName(st.st_uid) + " gid=" + GroupName(st.st_gid);
  return line;
}

std::string ReadAll(const char* path) {
  int fd = ::open(path, O_RDONLY);
  if (fd < 0) return std::string("read=") + ErrnoName(errno);
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return std::string("read=") + ErrnoName(error);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return "content=" + data;
}

void Must(long rc, const char* what) {
  if (rc >= 0) return;
  std::fprintf(stderr, "posix_suite: setup step failed: %s: %s\n", what, std::strerror(errno));
  std::fflush(stdout);
  std::_Exit(2);
}

void MustWrite(const char* path, std::string_view data, unsigned mode) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  Must(fd, path);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    Must(n, path);
    done += static_cast<size_t>(n);
  }
  Must(::close(fd), path);
}

void MustMkdir(const char* path, unsigned mode) {
  Must(::mkdir(path, mode), path);
}

void Runner::Check(std::string_view name, const Outcome& outcome,
                   std::initializer_list<int> allowed_errors, std::string_view expected_extra) {
  ++cases_;
  std::string line = std::string(name) + ": result=" + std::to_string(outcome.result) +
                     " errno=" + ErrnoName(outcome.error);
  if (!outcome.extra.empty()) line += " extra=" + outcome.extra;
  std::printf("%s\n", line.c_str());

  bool error_ok = std::find(allowed_errors.begin(), allowed_errors.end(), outcome.error) !=
                  allowed_errors.end();
  bool extra_ok = expected_extra.empty() || expected_extra == outcome.extra;
  if (error_ok && extra_ok) return;
  std::string why = line + "   (expected errno";
  for (int e : allowed_errors) why += std::string(" ") + ErrnoName(e);
  if (!expected_extra.empty()) why += ", extra=" + std::string(expected_extra);
  why += ")";
  mismatched_.push_back(why);
}

void Runner::PrintSummary() const {
  for (const std::string& m : mismatched_) std::fprintf(stderr, "MISMATCH %s\n", m.c_str());
  std::fprintf(stderr, "posix_suite: %d cases, %d mismatches\n", cases_, mismatches());
}

}  // namespace posix_suite

// Attribute changes: chmod, chown, truncate/ftruncate, utimensat, mknod, statvfs. Times are
// printed only where the case set them explicitly, so the lines stay deterministic.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <string>

#include "suite_runner.h"

namespace posix_suite {

static std::string Times(const char* path) {
  struct stat st {};
  if (::lstat(path, &st) != 0) return std::string("lstat=") + ErrnoName(errno);
  char buf[96];
  std::snprintf(buf, sizeof buf, "atime=%lld.%09ld mtime=%lld.%09ld",
                static_cast<long long>(st.st_atim.tv_sec), st.st_atim.tv_nsec,
                static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec);
  return buf;
}

static void ChmodCases(Runner& r) {
  MustWrite("c1", "");
  Outcome o = Sys(::chmod("c1", 0600));
  o.extra = Describe("c1");
  r.Check("chmod-file", o, {0}, "type=file mode=0600 nlink=1 size=0");

  o = Sys(::chmod("c1", 07755));
  o.extra = Describe("c1");
  r.Check("chmod-special-bits", o, {0}, "type=file mode=7755 nlink=1 size=0");

  MustMkdir("cd");
  o = Sys(::chmod("cd", 0700));
  o.extra = Describe("cd");
  r.Check("chmod-dir", o, {0}, "type=dir mode=0700 nlink=2");

  int fd = ::open("c1", O_RDONLY);
  Must(fd, "open c1");
  o = Sys(::fchmod(fd, 0444));
  ::close(fd);
  o.extra = Describe("c1");
  r.Check("fchmod", o, {0}, "type=file mode=0444 nlink=1 size=0");

  // A read-only mode does not stop root from writing (capabilities override).
  o = OpenAndClose("c1", O_WRONLY);
  r.Check("open-readonly-file-as-root", o, {0});

  r.Check("chmod-missing", Sys(::chmod("nothing", 0644)), {ENOENT});

  Must(::symlink("c1", "c-link"), "symlink c-link");
  o = Sys(::chmod("c-link", 0640));
  o.extra = Describe("c1") + " " + Describe("c-link");
  r.Check("chmod-follows-symlink", o, {0},
          "type=file mode=0640 nlink=1 size=0 type=symlink mode=0777 nlink=1 size=2");
}

static void ChownCases(Runner& r) {
  MustWrite("o1", "");
  Outcome o = Sys(::chown("o1", 1234, 5678));
  o.extra = Describe("o1", true);
  r.Check("chown-file", o, {0}, "type=file mode=0644 nlink=1 size=0 uid=1234 gid=5678");

  o = Sys(::chown("o1", -1, 4321));
  o.extra = Describe("o1", true);
  r.Check("chown-group-only", o, {0}, "type=file mode=0644 nlink=1 size=0 uid=1234 gid=4321");

  o = Sys(::chown("o1", -1, -1));
  o.extra = Describe("o1", true);
  r.Check("chown-no-change", o, {0}, "type=file mode=0644 nlink=1 size=0 uid=1234 gid=4321");

  // Changing the owner of a regular file drops set-user-ID, for root too (Linux since 2.2.13).
  MustWrite("o2", "");
  Must(::chmod("o2", 06755), "chmod o2");
  o = Sys(::chown("o2", 1000, 1000));
  o.extra = Describe("o2", true);
  r.Check("chown-clears-setid", o, {0}, "type=file mode=0755 nlink=1 size=0 uid=1000 gid=1000");

  Must(::symlink("o1", "o-link"), "symlink o-link");
  o = Sys(::lchown("o-link", 2000, 2000));
  o.extra = Describe("o-link", true) + " " + Describe("o1", true);
  r.Check("lchown-symlink", o, {0},
          "type=symlink mode=0777 nlink=1 size=2 uid=2000 gid=2000 "
          "type=file mode=0644 nlink=1 size=0 uid=1234 gid=4321");

  MustMkdir("od");
  o = Sys(::chown("od", 3000, 3000));
  o.extra = Describe("od", true);
  r.Check("chown-dir", o, {0}, "type=dir mode=0755 nlink=2 uid=3000 gid=3000");

  // New entries in a set-group-ID directory take its group; new directories inherit the bit.
  MustMkdir("osg", 0775);
  Must(::chown("osg", 0, 4242), "chown osg");
  Must(::chmod("osg", 02775), "chmod osg");
  MustWrite("osg/f", "");
  MustMkdir("osg/d");
  r.Check("setgid-dir-inherit",
          Outcome{0, 0, Describe("osg/f", true) + " " + Describe("osg/d", true)}, {0},
          "type=file mode=0644 nlink=1 size=0 uid=self gid=4242 "
          "type=dir mode=2755 nlink=2 uid=self gid=4242");
}

static void TruncateCases(Runner& r) {
  MustWrite("t1", "abcdef");
  Outcome o = Sys(::truncate("t1", 3));
  o.extra = Describe("t1") + " " + ReadAll("t1");
  r.Check("truncate-shrink", o, {0}, "type=file mode=0644 nlink=1 size=3 content=abc");

  o = Sys(::truncate("t1", 6));
  std::string data = ReadAll("t1");
  std::string shown;
  for (char c : data) shown += c == '\0' ? '0' : c;
  o.extra = Describe("t1") + " " + shown;
  r.Check("truncate-grow-zero-fills", o, {0}, "type=file mode=0644 nlink=1 size=6 content=abc000");

  o = Sys(::truncate("t1", 64 << 20));
  o.extra = Describe("t1");
  r.Check("truncate-grow-sparse-64m", o, {0}, "type=file mode=0644 nlink=1 size=67108864");
  Must(::truncate("t1", 0), "truncate t1 0");

  MustMkdir("td");
  r.Check("truncate-dir", Sys(::truncate("td", 0)), {EISDIR});
  r.Check("truncate-negative", Sys(::truncate("t1", -1)), {EINVAL});
  r.Check("truncate-missing", Sys(::truncate("nothing", 0)), {ENOENT});

  int fd = ::open("t1", O_RDONLY);
  Must(fd, "open t1");
  o = Sys(::ftruncate(fd, 0));
  ::close(fd);
  r.Check("ftruncate-rdonly", o, {EINVAL, EBADF});

  MustWrite("t2", "0123456789");
  fd = ::open("t2", O_RDWR);
  Must(fd, "open t2");
  o = Sys(::ftruncate(fd, 4));
  char buf[16] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  ::close(fd);
  o.extra = Describe("t2") + " pread=" + std::string(buf, n > 0 ? n : 0);
  r.Check("ftruncate-then-pread", o, {0}, "type=file mode=0644 nlink=1 size=4 pread=0123");

  fd = ::open("t2", O_RDWR);
  Must(fd, "open t2");
  o = Sys(::ftruncate(fd, -5));
  ::close(fd);
  r.Check("ftruncate-negative", o, {EINVAL});
}

static void UtimensCases(Runner& r) {
  MustWrite("u1", "");
  const timespec explicit_times[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
  Outcome o = Sys(::utimensat(AT_FDCWD, "u1", explicit_times, 0));
  o.extra = Times("u1");
  r.Check("utimensat-explicit", o, {0}, "atime=1000000000.123456789 mtime=1500000000.987654321");

  const timespec omit_atime[2] = {{0, UTIME_OMIT}, {1600000000, 5}};
  o = Sys(::utimensat(AT_FDCWD, "u1", omit_atime, 0));
  o.extra = Times("u1");
  r.Check("utimensat-omit-atime", o, {0}, "atime=1000000000.123456789 mtime=1600000000.000000005");

  // UTIME_NOW: the new mtime must lie between the clock before and after the call.
  timespec before{};
  ::clock_gettime(CLOCK_REALTIME, &before);
  const timespec now_mtime[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  o = Sys(::utimensat(AT_FDCWD, "u1", now_mtime, 0));
  timespec after{};
  ::clock_gettime(CLOCK_REALTIME, &after);
  struct stat st {};
  Must(::stat("u1", &st), "stat u1");
  // Coarse clocks may round the file time down by up to one tick; allow a second.
  bool recent = st.st_mtim.tv_sec >= before.tv_sec - 1 && st.st_mtim.tv_sec <= after.tv_sec;
  char atime[48];
  std::snprintf(atime, sizeof atime, "atime=%lld.%09ld", static_cast<long long>(st.st_atim.tv_sec),
                st.st_atim.tv_nsec);
  o.extra = std::string(atime) + " mtime-now=" + (recent ? "yes" : "no");
  r.Check("utimensat-now-mtime", o, {0}, "atime=1000000000.123456789 mtime-now=yes");

  o = Sys(::utimensat(AT_FDCWD, "u1", nullptr, 0));
  Must(::stat("u1", &st), "stat u1");
  recent = st.st_atim.tv_sec >= before.tv_sec - 1 && st.st_mtim.tv_sec >= before.tv_sec - 1;
  o.extra = std::string("both-now=") + (recent ? "yes" : "no");
  r.Check("utimensat-null-means-now", o, {0}, "both-now=yes");

  int fd = ::open("u1", O_RDONLY);
  Must(fd, "open u1");
  const timespec fd_times[2] = {{2000000000, 1}, {2000000001, 2}};
  o = Sys(::futimens(fd, fd_times));
  ::close(fd);
  o.extra = Times("u1");
  r.Check("futimens", o, {0}, "atime=2000000000.000000001 mtime=2000000001.000000002");

  Must(::symlink("u1", "u-link"), "symlink u-link");
  o = Sys(::utimensat(AT_FDCWD, "u-link", explicit_times, AT_SYMLINK_NOFOLLOW));
  o.extra = Times("u-link") + " target " + Times("u1");
  r.Check("utimensat-nofollow-symlink", o, {0},
          "atime=1000000000.123456789 mtime=1500000000.987654321 "
          "target atime=2000000000.000000001 mtime=2000000001.000000002");

  const timespec before_epoch[2] = {{-1000, 0}, {-1, 500}};
  o = Sys(::utimensat(AT_FDCWD, "u1", before_epoch, 0));
  o.extra = Times("u1");
  r.Check("utimensat-before-epoch", o, {0}, "atime=-1000.000000000 mtime=-1.000000500");

  const timespec bad_nsec[2] = {{0, 1000000000}, {0, 0}};
  r.Check("utimensat-bad-nsec", Sys(::utimensat(AT_FDCWD, "u1", bad_nsec, 0)), {EINVAL});
  r.Check("utimensat-missing", Sys(::utimensat(AT_FDCWD, "nothing", nullptr, 0)), {ENOENT});

  // Writing data moves mtime forward from an explicit old value.
  Must(::utimensat(AT_FDCWD, "u1", explicit_times, 0), "utimensat u1");
  MustWrite("u1", "new data");
  Must(::stat("u1", &st), "stat u1");
  o = Outcome{};
  o.extra = std::string("mtime-advanced=") + (st.st_mtim.tv_sec > 1500000000 ? "yes" : "no");
  r.Check("write-updates-mtime", o, {0}, "mtime-advanced=yes");
}

static void MknodCases(Runner& r) {
  Outcome o = Sys(::mknod("fifo", S_IFIFO | 0640, 0));
  o.extra = Describe("fifo");
  r.Check("mknod-fifo", o, {0}, "type=fifo mode=0640 nlink=1 size=0");

  r.Check("mkfifo-existing", Sys(::mkfifo("fifo", 0644)), {EEXIST});

  o = Sys(::mknod("regular", S_IFREG | 0600, 0));
  o.extra = Describe("regular");
  r.Check("mknod-regular", o, {0}, "type=file mode=0600 nlink=1 size=0");

  // Opening a fifo read/write never blocks on Linux, so the suite can check it opens.
  r.Check("open-fifo-rdwr", OpenAndClose("fifo", O_RDWR | O_NONBLOCK), {0});
}

static void StatvfsCases(Runner& r) {
  struct statvfs vfs {};
  Outcome o = Sys(::statvfs(".", &vfs));
  o.extra = "namemax=" + std::to_string(vfs.f_namemax) +
            " has-blocks=" + (vfs.f_blocks > 0 ? "yes" : "no");
  r.Check("statvfs", o, {0}, "namemax=255 has-blocks=yes");
}

void RunAttributeCases(Runner& r) {
  MustMkdir("attrs");
  Must(::chdir("attrs"), "chdir attrs");
  ChmodCases(r);
  ChownCases(r);
  TruncateCases(r);
  UtimensCases(r);
  MknodCases(r);
  StatvfsCases(r);
  Must(::chdir(".."), "chdir ..");
}

}  // namespace posix_suite

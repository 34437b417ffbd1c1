// Permission cases: what an unprivileged caller may and may not do to entries owned by root,
// by itself, and in sticky directories. The tree is built by root before the privilege drop.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "suite_runner.h"

namespace posix_suite {

void PreparePermissionTree(unsigned uid, unsigned gid) {
  MustMkdir("perm", 0755);
  Must(::chmod("perm", 0755), "chmod perm");
  MustWrite("perm/secret", "secret", 0600);
  MustWrite("perm/public", "public", 0644);
  MustWrite("perm/shared", "shared", 0666);
  Must(::chmod("perm/shared", 0666), "chmod shared");
  MustWrite("perm/shared2", "shared", 0666);
  Must(::chmod("perm/shared2", 0666), "chmod shared2");
  MustMkdir("perm/rootdir", 0755);
  MustWrite("perm/rootdir/file", "r");
  MustMkdir("perm/private", 0700);
  MustWrite("perm/private/file", "p");
  MustMkdir("perm/sticky", 0755);
  Must(::chmod("perm/sticky", 01777), "chmod sticky");
  MustWrite("perm/sticky/rootfile", "r", 0666);
  MustMkdir("perm/open", 0755);
  Must(::chmod("perm/open", 0777), "chmod open");
  MustWrite("perm/open/rootfile", "r");
  MustWrite("perm/mine", "m");
  Must(::chown("perm/mine", uid, gid), "chown mine");
  MustWrite("perm/mine-rootgroup", "m");
  Must(::chown("perm/mine-rootgroup", uid, 0), "chown mine-rootgroup");
  MustWrite("perm/mine-foreign-group", "m");
  Must(::chown("perm/mine-foreign-group", uid, 0), "chown mine-foreign-group");
  MustWrite("perm/mine-setuid", "m");
  Must(::chown("perm/mine-setuid", uid, gid), "chown mine-setuid");
  Must(::chmod("perm/mine-setuid", 04755), "chmod mine-setuid");
  MustWrite("perm/root-setid-0777", "r");
  Must(::chmod("perm/root-setid-0777", 06777), "chmod root-setid-0777");
}

static Outcome WriteAt(const char* path, std::string_view data) {
  int fd = ::open(path, O_WRONLY);
  Outcome o = Sys(fd);
  if (fd < 0) return o;
  o = Sys(::write(fd, data.data(), data.size()));
  ::close(fd);
  return o;
}

// open(O_CREAT) of a new file with mode 0, then ftruncate through that descriptor: the
// creator's open is granted whatever mode the new file has.
static Outcome CreateModeZeroAndTruncate(const char* path) {
  int fd = ::open(path, O_CREAT | O_EXCL | O_RDWR, 0);
  Outcome o = Sys(fd);
  if (fd < 0) return o;
  o = Sys(::ftruncate(fd, 3));
  ::close(fd);
  return o;
}

static std::string Mtime(const char* path) {
  struct stat st {};
  if (::lstat(path, &st) != 0) return std::string("lstat=") + ErrnoName(errno);
  return "mtime=" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

void RunPermissionCases(Runner& r) {
  r.Check("perm-read-0600-root-file", OpenAndClose("secret", O_RDONLY), {EACCES});
  r.Check("perm-read-0644-root-file", OpenAndClose("public", O_RDONLY), {0});
  r.Check("perm-write-0644-root-file", OpenAndClose("public", O_WRONLY), {EACCES});
  r.Check("perm-write-0666-root-file", OpenAndClose("shared", O_WRONLY), {0});
  r.Check("perm-access-read-0600", Sys(::access("secret", R_OK)), {EACCES});
  r.Check("perm-access-read-0644", Sys(::access("public", R_OK)), {0});
  r.Check("perm-access-write-0644", Sys(::access("public", W_OK)), {EACCES});

  Outcome o = OpenAndClose("rootdir/new", O_CREAT | O_WRONLY);
  o.extra = Describe("rootdir/new");
  r.Check("perm-create-in-0755-root-dir", o, {EACCES}, "lstat=ENOENT");
  r.Check("perm-mkdir-in-0755-root-dir", Sys(::mkdir("rootdir/newdir", 0755)), {EACCES});
  r.Check("perm-symlink-in-0755-root-dir", Sys(::symlink("x", "rootdir/newlink")), {EACCES});
  r.Check("perm-unlink-in-0755-root-dir", Sys(::unlink("rootdir/file")), {EACCES});
  r.Check("perm-rename-in-0755-root-dir", Sys(::rename("rootdir/file", "rootdir/moved")), {EACCES});
  r.Check("perm-rmdir-root-dir-in-0755-root-dir", Sys(::rmdir("rootdir")), {EACCES});
  r.Check("perm-search-0700-root-dir", Sys(::access("private/file", F_OK)), {EACCES});
  r.Check("perm-opendir-0700-root-dir", OpenAndClose("private", O_RDONLY | O_DIRECTORY), {EACCES});

  o = Sys(::chmod("public", 0666));
  o.extra = Describe("public", true);
  r.Check("perm-chmod-root-file", o, {EPERM},
          "type=file mode=0644 nlink=1 size=6 uid=root gid=root");
  r.Check("perm-chown-root-file-to-self", Sys(::chown("shared", ::geteuid(), ::getegid())),
          {EPERM});

  o = Sys(::chmod("mine", 0600));
  o.extra = Describe("mine", true);
  r.Check("perm-chmod-own-file", o, {0}, "type=file mode=0600 nlink=1 size=1 uid=self gid=self");
  r.Check("perm-chown-own-file-to-root", Sys(::chown("mine", 0, -1)), {EPERM});
  r.Check("perm-chgrp-own-file-to-foreign-group", Sys(::chown("mine", -1, 0)), {EPERM});
  o = Sys(::chown("mine-rootgroup", -1, ::getegid()));
  o.extra = Describe("mine-rootgroup", true);
  r.Check("perm-chgrp-own-file-to-own-group", o, {0},
          "type=file mode=0644 nlink=1 size=1 uid=self gid=self");

  // The owner may not set set-group-ID on a file of a group it is not in: the bit is
  // silently dropped.
  o = Sys(::chmod("mine-foreign-group", 02755));
  o.extra = Describe("mine-foreign-group", true);
  r.Check("perm-chmod-setgid-foreign-group", o, {0},
          "type=file mode=0755 nlink=1 size=1 uid=self gid=root");
  o = Sys(::chmod("mine", 02755));
  o.extra = Describe("mine", true);
  r.Check("perm-chmod-setgid-own-group", o, {0},
          "type=file mode=2755 nlink=1 size=1 uid=self gid=self");

  o = WriteAt("mine-setuid", "w");
  o.extra = Describe("mine-setuid", true);
  r.Check("perm-write-clears-setuid", o, {0},
          "type=file mode=0755 nlink=1 size=1 uid=self gid=self");

  // A write by someone other than the owner clears both set-ID bits (the group has execute).
  o = WriteAt("root-setid-0777", "w");
  o.extra = Describe("root-setid-0777", true);
  r.Check("perm-write-by-other-clears-setid", o, {0},
          "type=file mode=0777 nlink=1 size=1 uid=root gid=root");
  o = CreateModeZeroAndTruncate("open/mode-0");
  o.extra = Describe("open/mode-0", true);
  r.Check("perm-create-mode-0-then-ftruncate", o, {0},
          "type=file mode=0000 nlink=1 size=3 uid=self gid=self");

  r.Check("perm-truncate-0644-root-file", Sys(::truncate("public", 0)), {EACCES});
  o = Sys(::truncate("shared", 2));
  o.extra = Describe("shared");
  r.Check("perm-truncate-0666-root-file", o, {0}, "type=file mode=0666 nlink=1 size=2");
  r.Check("perm-write-0666-root-file-data", WriteAt("shared2", "x"), {0});

  const timespec explicit_times[2] = {{1000000000, 0}, {1000000000, 0}};
  r.Check("perm-utimens-explicit-root-0666",
          Sys(::utimensat(AT_FDCWD, "shared", explicit_times, 0)), {EPERM});
  r.Check("perm-utimens-now-root-0666", Sys(::utimensat(AT_FDCWD, "shared", nullptr, 0)), {0});
  r.Check("perm-utimens-now-root-0644", Sys(::utimensat(AT_FDCWD, "public", nullptr, 0)), {EACCES});
  o = Sys(::utimensat(AT_FDCWD, "mine", explicit_times, 0));
  o.extra = Mtime("mine");
  r.Check("perm-utimens-explicit-own", o, {0}, "mtime=1000000000.0");

  o = OpenAndClose("sticky/own", O_CREAT | O_WRONLY, 0644);
  o.extra = Describe("sticky/own", true);
  r.Check("perm-create-in-sticky", o, {0}, "type=file mode=0644 nlink=1 size=0 uid=self gid=self");
  o = Sys(::mkdir("sticky/own-dir", 0755));
  o.extra = Describe("sticky/own-dir", true);
  r.Check("perm-mkdir-in-sticky", o, {0}, "type=dir mode=0755 nlink=2 uid=self gid=self");
  o = Sys(::mkfifo("sticky/own-fifo", 0600));
  o.extra = Describe("sticky/own-fifo", true);
  r.Check("perm-mkfifo-in-sticky", o, {0}, "type=fifo mode=0600 nlink=1 size=0 uid=self gid=self");

  r.Check("perm-unlink-root-file-in-sticky", Sys(::unlink("sticky/rootfile")), {EPERM});
  r.Check("perm-rename-root-file-in-sticky", Sys(::rename("sticky/rootfile", "sticky/taken")),
          {EPERM});
  r.Check("perm-rename-over-root-file-in-sticky", Sys(::rename("sticky/own", "sticky/rootfile")),
          {EPERM});
  o = Sys(::rename("sticky/own", "sticky/own-moved"));
  o.extra = Describe("sticky/own-moved", true);
  r.Check("perm-rename-own-file-in-sticky", o, {0},
          "type=file mode=0644 nlink=1 size=0 uid=self gid=self");
  r.Check("perm-unlink-own-file-in-sticky", Sys(::unlink("sticky/own-moved")), {0});
  r.Check("perm-rmdir-own-dir-in-sticky", Sys(::rmdir("sticky/own-dir")), {0});
  r.Check("perm-unlink-root-file-in-0777-dir", Sys(::unlink("open/rootfile")), {0});
}

}  // namespace posix_suite

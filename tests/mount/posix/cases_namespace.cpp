// Name-space operations: unlink, rename (plain, RENAME_NOREPLACE, RENAME_EXCHANGE), link,
// symlink/readlink, mkdir, rmdir. Each case names the rule it checks.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "suite_runner.h"

namespace posix_suite {

static void UnlinkCases(Runner& r) {
  MustWrite("u1", "x");
  Outcome o = Sys(::unlink("u1"));
  o.extra = Describe("u1");
  r.Check("unlink-file", o, {0}, "lstat=ENOENT");

  MustMkdir("ud");
  o = Sys(::unlink("ud"));
  o.extra = Describe("ud");
  r.Check("unlink-dir", o, {EISDIR}, "type=dir mode=0755 nlink=2");
  r.Check("unlink-missing", Sys(::unlink("nothing")), {ENOENT});
  MustWrite("u2", "");
  r.Check("unlink-path-through-file", Sys(::unlink("u2/x")), {ENOTDIR});

  MustWrite("u3", "abc");
  Must(::link("u3", "u3-link"), "link u3");
  o = Sys(::unlink("u3"));
  o.extra = Describe("u3-link") + " " + ReadAll("u3-link");
  r.Check("unlink-one-of-two-links", o, {0}, "type=file mode=0644 nlink=1 size=3 content=abc");

  // Names of one inode are independent: removing the newer name must leave the older one
  // (a file system that acts on the inode's first name gets this wrong).
  MustWrite("u5", "five");
  Must(::link("u5", "u5-link"), "link u5");
  o = Sys(::unlink("u5-link"));
  o.extra = Describe("u5") + " " + Describe("u5-link");
  r.Check("unlink-newer-of-two-links", o, {0}, "type=file mode=0644 nlink=1 size=4 lstat=ENOENT");
  o = Sys(::unlink("u5"));
  o.extra = Describe("u5") + " " + Describe("u5-link");
  r.Check("unlink-last-link", o, {0}, "lstat=ENOENT lstat=ENOENT");

  Must(::symlink("u3-link", "u4"), "symlink u4");
  o = Sys(::unlink("u4"));
  o.extra = Describe("u4") + " " + Describe("u3-link");
  r.Check("unlink-symlink-not-target", o, {0}, "lstat=ENOENT type=file mode=0644 nlink=1 size=3");
}

static void RenameCases(Runner& r) {
  MustWrite("r1", "one");
  Outcome o = Sys(::rename("r1", "r2"));
  o.extra = Describe("r1") + " " + Describe("r2") + " " + ReadAll("r2");
  r.Check("rename-file", o, {0}, "lstat=ENOENT type=file mode=0644 nlink=1 size=3 content=one");

  MustWrite("r3", "three");
  o = Sys(::rename("r3", "r2"));
  o.extra = Describe("r3") + " " + ReadAll("r2");
  r.Check("rename-file-over-file", o, {0}, "lstat=ENOENT content=three");

  MustMkdir("rd1");
  o = Sys(::rename("r2", "rd1"));
  o.extra = Describe("r2");
  r.Check("rename-file-over-dir", o, {EISDIR}, "type=file mode=0644 nlink=1 size=5");

  o = Sys(::rename("rd1", "r2"));
  o.extra = Describe("rd1");
  r.Check("rename-dir-over-file", o, {ENOTDIR}, "type=dir mode=0755 nlink=2");

  MustMkdir("rd2");
  o = Sys(::rename("rd1", "rd2"));
  o.extra = Describe("rd1") + " " + Describe("rd2");
  r.Check("rename-dir-over-empty-dir", o, {0}, "lstat=ENOENT type=dir mode=0755 nlink=2");

  MustMkdir("rd3");
  MustWrite("rd3/inside", "i");
  o = Sys(::rename("rd2", "rd3"));
  o.extra = Describe("rd2") + " " + ReadAll("rd3/inside");
  r.Check("rename-dir-over-nonempty-dir", o, {ENOTEMPTY, EEXIST},
          "type=dir mode=0755 nlink=2 content=i");

  MustMkdir("rd3/sub");
  r.Check("rename-dir-into-own-subdir", Sys(::rename("rd3", "rd3/sub/moved")), {EINVAL});
  r.Check("rename-dir-onto-own-subdir", Sys(::rename("rd3", "rd3/sub")), {EINVAL, ENOTEMPTY});

  // Moving a directory changes the link counts of both parents ("..").
  MustMkdir("rp1");
  MustMkdir("rp2");
  MustMkdir("rp1/child");
  std::string before = Describe("rp1") + " " + Describe("rp2");
  o = Sys(::rename("rp1/child", "rp2/child"));
  o.extra = before + " -> " + Describe("rp1") + " " + Describe("rp2");
  r.Check("rename-dir-across-parents-nlink", o, {0},
          "type=dir mode=0755 nlink=3 type=dir mode=0755 nlink=2 -> "
          "type=dir mode=0755 nlink=2 type=dir mode=0755 nlink=3");

  MustWrite("rn1", "a");
  MustWrite("rn2", "b");
  o = Sys(::renameat2(AT_FDCWD, "rn1", AT_FDCWD, "rn2", RENAME_NOREPLACE));
  o.extra = ReadAll("rn1") + " " + ReadAll("rn2");
  r.Check("rename-noreplace-existing", o, {EEXIST}, "content=a content=b");

  o = Sys(::renameat2(AT_FDCWD, "rn1", AT_FDCWD, "rn3", RENAME_NOREPLACE));
  o.extra = Describe("rn1") + " " + ReadAll("rn3");
  r.Check("rename-noreplace-new", o, {0}, "lstat=ENOENT content=a");

  MustMkdir("rx-dir");
  MustWrite("rx-dir/marker", "m");
  o = Sys(::renameat2(AT_FDCWD, "rn2", AT_FDCWD, "rx-dir", RENAME_EXCHANGE));
  o.extra = Describe("rn2") + " " + ReadAll("rn2/marker") + " " + ReadAll("rx-dir");
  r.Check("rename-exchange-file-and-dir", o, {0}, "type=dir mode=0755 nlink=2 content=m content=b");

  o = Sys(::renameat2(AT_FDCWD, "rn3", AT_FDCWD, "rx-missing", RENAME_EXCHANGE));
  o.extra = ReadAll("rn3");
  r.Check("rename-exchange-missing-target", o, {ENOENT}, "content=a");

  r.Check("rename-noreplace-and-exchange",
          Sys(::renameat2(AT_FDCWD, "rn3", AT_FDCWD, "rx-dir", RENAME_NOREPLACE | RENAME_EXCHANGE)),
          {EINVAL});

  o = Sys(::rename("rn3", "rn3"));
  o.extra = Describe("rn3") + " " + ReadAll("rn3");
  r.Check("rename-to-self", o, {0}, "type=file mode=0644 nlink=1 size=1 content=a");

  // Two names of one inode: rename does nothing and both names stay (POSIX).
  MustWrite("rh1", "h");
  Must(::link("rh1", "rh2"), "link rh1");
  o = Sys(::rename("rh1", "rh2"));
  o.extra = Describe("rh1") + " " + Describe("rh2");
  r.Check("rename-between-hard-links", o, {0},
          "type=file mode=0644 nlink=2 size=1 type=file mode=0644 nlink=2 size=1");

  MustWrite("rh3", "h3");
  Must(::link("rh3", "rh4"), "link rh3");
  o = Sys(::rename("rh4", "rh5"));
  o.extra = Describe("rh3") + " " + Describe("rh4") + " " + Describe("rh5");
  r.Check("rename-newer-of-two-links", o, {0},
          "type=file mode=0644 nlink=2 size=2 lstat=ENOENT type=file mode=0644 nlink=2 size=2");

  r.Check("rename-missing-source", Sys(::rename("nothing", "rr")), {ENOENT});
  r.Check("rename-into-missing-dir", Sys(::rename("rn3", "nodir/rn3")), {ENOENT});
  r.Check("rename-name-256", Sys(::rename("rn3", std::string(256, 'r').c_str())), {ENAMETOOLONG});
}

static void LinkCases(Runner& r) {
  MustWrite("l1", "link");
  Outcome o = Sys(::link("l1", "l2"));
  o.extra = Describe("l1") + " " + ReadAll("l2");
  r.Check("link-file", o, {0}, "type=file mode=0644 nlink=2 size=4 content=link");

  MustMkdir("ld");
  r.Check("link-dir", Sys(::link("ld", "ld2")), {EPERM});
  o = Sys(::link("l1", "l2"));
  o.extra = Describe("l1");
  r.Check("link-existing-target", o, {EEXIST}, "type=file mode=0644 nlink=2 size=4");
  r.Check("link-missing-source", Sys(::link("nothing", "l3")), {ENOENT});

  // The link count is a property of the inode: every name sees the change.
  Must(::chmod("l2", 0600), "chmod l2");
  r.Check("link-shares-inode", Outcome{0, 0, Describe("l1")}, {0},
          "type=file mode=0600 nlink=2 size=4");
}

static void SymlinkCases(Runner& r) {
  MustWrite("s-target", "target-data");
  Outcome o = Sys(::symlink("s-target", "s1"));
  char buf[256] = {};
  ssize_t n = ::readlink("s1", buf, sizeof buf - 1);
  o.extra = Describe("s1") + " readlink=" + (n >= 0 ? std::string(buf, n) : "failed");
  r.Check("symlink-create", o, {0}, "type=symlink mode=0777 nlink=1 size=8 readlink=s-target");

  r.Check("symlink-existing", Sys(::symlink("x", "s1")), {EEXIST});
  r.Check("readlink-non-link", Sys(::readlink("s-target", buf, sizeof buf)), {EINVAL});
  r.Check("readlink-missing", Sys(::readlink("nothing", buf, sizeof buf)), {ENOENT});

  struct stat st {};
  o = Sys(::stat("s1", &st));
  o.extra = "size=" + std::to_string(st.st_size);
  r.Check("stat-follows-symlink", o, {0}, "size=11");

  Must(::symlink("no-such-target", "s2"), "symlink s2");
  o = Sys(::stat("s2", &st));
  o.extra = Describe("s2");
  r.Check("stat-dangling-symlink", o, {ENOENT}, "type=symlink mode=0777 nlink=1 size=14");

  Must(::symlink("s-loop-b", "s-loop-a"), "symlink loop a");
  Must(::symlink("s-loop-a", "s-loop-b"), "symlink loop b");
  r.Check("open-symlink-loop", OpenAndClose("s-loop-a", O_RDONLY), {ELOOP});

  std::string long_target(1000, 't');
  o = Sys(::symlink(long_target.c_str(), "s3"));
  char big[2048] = {};
  n = ::readlink("s3", big, sizeof big);
  o.extra = "readlink-length=" + std::to_string(n);
  r.Check("symlink-long-target", o, {0}, "readlink-length=1000");

  // readlink truncates silently to the buffer and does not terminate the string.
  n = ::readlink("s1", buf, 3);
  r.Check("readlink-short-buffer", Outcome{0, 0, std::string(buf, n > 0 ? n : 0)}, {0}, "s-t");

  MustMkdir("s-dir");
  Must(::symlink("s-dir", "s-dirlink"), "symlink s-dirlink");
  MustWrite("s-dirlink/through", "via link");
  r.Check("path-through-dir-symlink", Outcome{0, 0, ReadAll("s-dir/through")}, {0},
          "content=via link");
}

static void MkdirCases(Runner& r) {
  Outcome o = Sys(::mkdir("m1", 0755));
  o.extra = Describe("m1");
  r.Check("mkdir", o, {0}, "type=dir mode=0755 nlink=2");

  o = Sys(::mkdir("m2", 0777));
  o.extra = Describe("m2");
  r.Check("mkdir-umask", o, {0}, "type=dir mode=0755 nlink=2");

  r.Check("mkdir-existing", Sys(::mkdir("m1", 0755)), {EEXIST});
  MustWrite("m-file", "");
  r.Check("mkdir-over-file", Sys(::mkdir("m-file", 0755)), {EEXIST});
  r.Check("mkdir-missing-parent", Sys(::mkdir("nodir/m", 0755)), {ENOENT});
  r.Check("mkdir-through-file", Sys(::mkdir("m-file/m", 0755)), {ENOTDIR});

  o = Sys(::mkdir("m1/sub", 0700));
  o.extra = Describe("m1") + " " + Describe("m1/sub");
  r.Check("mkdir-parent-nlink", o, {0}, "type=dir mode=0755 nlink=3 type=dir mode=0700 nlink=2");
}

static void RmdirCases(Runner& r) {
  MustMkdir("x1");
  Outcome o = Sys(::rmdir("x1"));
  o.extra = Describe("x1");
  r.Check("rmdir-empty", o, {0}, "lstat=ENOENT");

  MustMkdir("x2");
  MustWrite("x2/f", "");
  r.Check("rmdir-nonempty", Sys(::rmdir("x2")), {ENOTEMPTY, EEXIST});
  r.Check("rmdir-file", Sys(::rmdir("x2/f")), {ENOTDIR});
  r.Check("rmdir-dot", Sys(::rmdir("x2/.")), {EINVAL});
  r.Check("rmdir-dotdot", Sys(::rmdir("x2/..")), {ENOTEMPTY, EEXIST});
  r.Check("rmdir-missing", Sys(::rmdir("nothing")), {ENOENT});

  MustMkdir("x3");
  MustMkdir("x3/sub");
  o = Sys(::rmdir("x3/sub"));
  o.extra = Describe("x3");
  r.Check("rmdir-parent-nlink", o, {0}, "type=dir mode=0755 nlink=2");

  MustMkdir("x4");
  Must(::symlink("x4", "x4-link"), "symlink x4");
  r.Check("rmdir-symlink-to-dir", Sys(::rmdir("x4-link")), {ENOTDIR});
}

void RunNamespaceCases(Runner& r) {
  MustMkdir("names");
  Must(::chdir("names"), "chdir names");
  UnlinkCases(r);
  RenameCases(r);
  LinkCases(r);
  SymlinkCases(r);
  MkdirCases(r);
  RmdirCases(r);
  Must(::chdir(".."), "chdir ..");
}

}  // namespace posix_suite

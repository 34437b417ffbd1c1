// open(2) and creat(2): creation, the error for each wrong kind of path, and the flags that
// change an existing file (O_TRUNC, O_APPEND).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "suite_runner.h"

namespace posix_suite {

static Outcome AppendAndDescribe(const char* path, std::string_view data) {
  int fd = ::open(path, O_WRONLY | O_APPEND);
  Outcome outcome = Sys(fd);
  if (fd < 0) return outcome;
  outcome = Sys(::write(fd, data.data(), data.size()));
  ::close(fd);
  outcome.extra = Describe(path) + " " + ReadAll(path);
  return outcome;
}

void RunOpenCases(Runner& r) {
  MustMkdir("open");
  Must(::chdir("open"), "chdir open");

  Outcome o = OpenAndClose("f", O_CREAT | O_WRONLY, 0644);
  o.extra = Describe("f");
  r.Check("open-creat", o, {0}, "type=file mode=0644 nlink=1 size=0");

  o = OpenAndClose("g", O_CREAT | O_EXCL | O_RDWR, 0777);
  o.extra = Describe("g");
  r.Check("open-creat-excl-umask", o, {0}, "type=file mode=0755 nlink=1 size=0");

  r.Check("open-creat-excl-existing", OpenAndClose("f", O_CREAT | O_EXCL | O_WRONLY), {EEXIST});
  r.Check("open-creat-existing", OpenAndClose("f", O_CREAT | O_WRONLY), {0});
  r.Check("open-directory-on-file", OpenAndClose("f", O_RDONLY | O_DIRECTORY), {ENOTDIR});
  r.Check("open-missing", OpenAndClose("missing", O_RDONLY), {ENOENT});
  r.Check("open-creat-missing-parent", OpenAndClose("nodir/x", O_CREAT | O_WRONLY), {ENOENT});

  MustMkdir("d");
  r.Check("open-directory-on-dir", OpenAndClose("d", O_RDONLY | O_DIRECTORY), {0});
  r.Check("open-rdonly-dir", OpenAndClose("d", O_RDONLY), {0});
  r.Check("open-wronly-dir", OpenAndClose("d", O_WRONLY), {EISDIR});
  r.Check("open-rdwr-dir", OpenAndClose("d", O_RDWR), {EISDIR});
  r.Check("open-creat-on-dir", OpenAndClose("d", O_CREAT | O_RDONLY), {EISDIR});
  r.Check("open-path-through-file", OpenAndClose("f/x", O_RDONLY), {ENOTDIR});
  r.Check("open-creat-path-through-file", OpenAndClose("f/x", O_CREAT | O_WRONLY), {ENOTDIR});

  std::string long_name(256, 'n');
  r.Check("open-name-256", OpenAndClose(long_name.c_str(), O_CREAT | O_WRONLY), {ENAMETOOLONG});
  r.Check("open-name-256-missing", OpenAndClose(long_name.c_str(), O_RDONLY), {ENAMETOOLONG});
  std::string max_name(255, 'm');
  o = OpenAndClose(max_name.c_str(), O_CREAT | O_WRONLY);
  o.extra = Describe(max_name.c_str());
  r.Check("open-name-255", o, {0}, "type=file mode=0644 nlink=1 size=0");

  MustWrite("t", "hello");
  o = OpenAndClose("t", O_WRONLY | O_TRUNC);
  o.extra = Describe("t");
  r.Check("open-trunc", o, {0}, "type=file mode=0644 nlink=1 size=0");

  MustWrite("a", "abc");
  r.Check("open-append", AppendAndDescribe("a", "def"), {0},
          "type=file mode=0644 nlink=1 size=6 content=abcdef");

  Must(::symlink("nowhere", "dangling"), "symlink dangling");
  r.Check("open-creat-excl-dangling-symlink", OpenAndClose("dangling", O_CREAT | O_EXCL | O_WRONLY),
          {EEXIST});
  Must(::symlink("f", "tofile"), "symlink tofile");
  r.Check("open-nofollow-symlink", OpenAndClose("tofile", O_RDONLY | O_NOFOLLOW), {ELOOP});
  r.Check("open-through-symlink", OpenAndClose("tofile", O_RDONLY), {0});
  o = OpenAndClose("dangling", O_CREAT | O_WRONLY);
  o.extra = Describe("nowhere");
  r.Check("open-creat-through-dangling-symlink", o, {0}, "type=file mode=0644 nlink=1 size=0");

  int fd = ::creat("c", 0640);
  o = Sys(fd);
  if (fd >= 0) ::close(fd);
  o.extra = Describe("c");
  r.Check("creat", o, {0}, "type=file mode=0640 nlink=1 size=0");

  MustWrite("c2", "content");
  fd = ::creat("c2", 0600);
  o = Sys(fd);
  if (fd >= 0) ::close(fd);
  o.extra = Describe("c2");
  r.Check("creat-existing-truncates", o, {0}, "type=file mode=0644 nlink=1 size=0");

  // Write, then read back through a fresh descriptor: the data path, not only metadata.
  fd = ::open("rw", O_CREAT | O_RDWR, 0644);
  Must(fd, "open rw");
  o = Sys(::pwrite(fd, "xyz", 3, 10));
  ::close(fd);
  std::string content = ReadAll("rw");
  std::string shown;
  for (char c : content) shown += c == '\0' ? '0' : c;
  o.extra = Describe("rw") + " " + shown;
  r.Check("pwrite-past-eof-zero-fills", o, {0},
          "type=file mode=0644 nlink=1 size=13 content=0000000000xyz");

  Must(::chdir(".."), "chdir ..");
}

}  // namespace posix_suite

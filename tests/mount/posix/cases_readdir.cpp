// readdir: the set of names (sorted, since order is the file system's choice), the entry
// types, and directories large enough to need several getdents calls.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "suite_runner.h"

namespace posix_suite {

namespace {

struct Listing {
  Outcome outcome;
  std::vector<std::string> names;  // sorted, with "." and ".."
  int dtype_mismatches = 0;        // d_type set but different from lstat's type
};

unsigned char DtypeOf(mode_t mode) {
  if (S_ISREG(mode)) return DT_REG;
  if (S_ISDIR(mode)) return DT_DIR;
  if (S_ISLNK(mode)) return DT_LNK;
  if (S_ISFIFO(mode)) return DT_FIFO;
  return DT_UNKNOWN;
}

Listing List(const std::string& dir) {
  Listing listing;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    listing.outcome = Outcome{-1, errno, {}};
    return listing;
  }
  errno = 0;
  while (dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    listing.names.push_back(name);
    if (entry->d_type == DT_UNKNOWN) continue;
    struct stat st {};
    std::string path = dir + "/" + name;
    if (::lstat(path.c_str(), &st) == 0 && DtypeOf(st.st_mode) != entry->d_type) {
      ++listing.dtype_mismatches;
    }
  }
  if (errno != 0) listing.outcome = Outcome{-1, errno, {}};
  ::closedir(d);
  std::sort(listing.names.begin(), listing.names.end());
  return listing;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// FNV-1a over the sorted names: a short, stable digest of a long listing.
std::string Digest(const std::vector<std::string>& names) {
  unsigned long long h = 1469598103934665603ull;
  for (const std::string& n : names) {
    for (unsigned char c : n + "\n") h = (h ^ c) * 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", h);
  return buf;
}

}  // namespace

void RunReaddirCases(Runner& r) {
  MustMkdir("listing");
  MustWrite("listing/b-file", "b");
  MustWrite("listing/a-file", "a");
  MustMkdir("listing/c-dir");
  Must(::symlink("a-file", "listing/d-link"), "symlink d-link");
  Must(::mkfifo("listing/e-fifo", 0644), "mkfifo e-fifo");

  Listing l = List("listing");
  l.outcome.extra = Join(l.names) + " dtype-mismatches=" + std::to_string(l.dtype_mismatches);
  r.Check("readdir-sorted", l.outcome, {0},
          ".,..,a-file,b-file,c-dir,d-link,e-fifo dtype-mismatches=0");

  Must(::unlink("listing/b-file"), "unlink b-file");
  Must(::rename("listing/a-file", "listing/z-file"), "rename a-file");
  l = List("listing");
  l.outcome.extra = Join(l.names);
  r.Check("readdir-after-unlink-rename", l.outcome, {0}, ".,..,c-dir,d-link,e-fifo,z-file");

  MustMkdir("empty");
  l = List("empty");
  l.outcome.extra = Join(l.names);
  r.Check("readdir-empty", l.outcome, {0}, ".,..");

  // Long names fill the kernel's readdir buffer quickly, so this crosses several pages.
  MustMkdir("many");
  std::vector<std::string> expected = {".", ".."};
  for (int i = 0; i < 600; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "entry-%04d-%s", i, std::string(40, 'x').c_str());
    MustWrite((std::string("many/") + name).c_str(), "");
    expected.push_back(name);
  }
  std::sort(expected.begin(), expected.end());
  l = List("many");
  l.outcome.extra = "count=" + std::to_string(l.names.size()) +
                    " digest-matches=" + (Digest(l.names) == Digest(expected) ? "yes" : "no");
  r.Check("readdir-600-entries", l.outcome, {0}, "count=602 digest-matches=yes");

  // A second listing (which a FUSE file system may serve from the kernel's directory
  // cache) and positions in it: seekdir back to a telldir cookie continues with the same
  // entry, and rewinddir starts the whole listing again.
  l = List("many");
  Outcome seek = l.outcome;
  std::string afterMark, again;
  int total = 0, rewound = 0;
  if (DIR* s = ::opendir("many")) {
    long mark = -1;
    while (dirent* entry = ::readdir(s)) {
      if (++total == 300) mark = ::telldir(s);
      if (total == 301) afterMark = entry->d_name;
    }
    ::seekdir(s, mark);
    if (dirent* entry = ::readdir(s)) again = entry->d_name;
    ::rewinddir(s);
    while (::readdir(s) != nullptr) ++rewound;
    ::closedir(s);
  } else {
    seek = Outcome{-1, errno, {}};
  }
  seek.extra = "second-count=" + std::to_string(l.names.size()) +
               " total=" + std::to_string(total) +
               " seekdir-same=" + (!afterMark.empty() && afterMark == again ? "yes" : "no") +
               " rewound=" + std::to_string(rewound);
  r.Check("readdir-again-seekdir-rewinddir", seek, {0},
          "second-count=602 total=602 seekdir-same=yes rewound=602");

  // Removing entries while a directory stream is open must not break the listing.
  DIR* d = ::opendir("many");
  Outcome o = Sys(d == nullptr ? -1 : 0);
  int seen = 0;
  if (d != nullptr) {
    errno = 0;
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      ++seen;
      ::unlink(("many/" + name).c_str());
    }
    if (errno != 0) o = Outcome{-1, errno, {}};
    ::closedir(d);
  }
  l = List("many");
  o.extra = "left=" + Join(l.names) + " saw-all=" + (seen == 600 ? "yes" : "no");
  r.Check("readdir-while-unlinking", o, {0}, "left=.,.. saw-all=yes");

  l = List("nothing");
  r.Check("opendir-missing", l.outcome, {ENOENT});
  l = List("listing/z-file");
  r.Check("opendir-file", l.outcome, {ENOTDIR});
}

}  // namespace posix_suite

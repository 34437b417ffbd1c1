// Records the outcome of each POSIX case as one deterministic line and checks it against the
// outcome Linux documents. The line is what posix_compare.sh diffs between two file systems;
// the expectation makes the suite fail on its own even when both sides agree on a wrong answer.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace posix_suite {

// What one system call (or short sequence) produced, captured before anything else can
// overwrite errno.
struct Outcome {
  int result = 0;  // 0 or -1; file descriptors are folded to 0 so the line is stable.
  int error = 0;   // errno when result is -1, else 0.
  std::string extra;
};

// Folds a raw return value (fd, byte count, 0 or -1) into an Outcome.
Outcome Sys(long rc);

// Opens path, closes the descriptor at once, reports the open's outcome.
Outcome OpenAndClose(const char* path, int flags, unsigned mode = 0644);

// "type=file mode=0644 nlink=1 size=5" from lstat, or "lstat=ENOENT". Sizes of directories
// are left out: POSIX leaves them to the file system. Ownership is added when with_owner.
std::string Describe(const char* path, bool with_owner = false);

// Owner as seen by the caller: "self" for the effective uid, "root", or the number.
std::string OwnerName(unsigned uid);
std::string GroupName(unsigned gid);

// Contents of a small file ("content=<bytes>" or "read=ENOENT").
std::string ReadAll(const char* path);

// Writes the whole string, creating or truncating the file. Aborts the suite on failure:
// setup steps must work for any case to mean anything.
void MustWrite(const char* path, std::string_view data, unsigned mode = 0644);
void MustMkdir(const char* path, unsigned mode = 0755);
void Must(long rc, const char* what);

const char* ErrnoName(int error);

class Runner {
 public:
  // Prints the case line and checks it. allowed_errors lists every errno Linux may return
  // for the case (0 means success); expected_extra, when not empty, must equal the extra.
  void Check(std::string_view name, const Outcome& outcome,
             std::initializer_list<int> allowed_errors, std::string_view expected_extra = {});

  int mismatches() const { return static_cast<int>(mismatched_.size()); }
  int cases() const { return cases_; }
  void PrintSummary() const;

 private:
  int cases_ = 0;
  std::vector<std::string> mismatched_;
};

// Groups of cases. Each runs in the current directory, which the caller made fresh.
void RunOpenCases(Runner& r);
void RunNamespaceCases(Runner& r);
void RunAttributeCases(Runner& r);
void RunReaddirCases(Runner& r);

// Permission cases: PreparePermissionTree runs as root and builds "perm/"; the others run
// after the process dropped to an unprivileged uid, with perm/ as the current directory.
void PreparePermissionTree(unsigned uid, unsigned gid);
void RunPermissionCases(Runner& r);

}  // namespace posix_suite

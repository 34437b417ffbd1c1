// posix_suite: runs a fixed list of POSIX cases in a directory and prints one deterministic
// line per case, so that two file systems can be compared with diff (posix_compare.sh).
//
//   posix_suite DIR                              cases for root (the caller must be root)
//   posix_suite --as-uid UID --as-gid GID DIR    permission cases as an unprivileged user
//
// Exit status: 0 when every case matched what Linux documents, 1 on mismatches (listed on
// stderr), 2 when the suite could not set itself up.
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "posix/suite_runner.h"

namespace {

struct Options {
  std::string dir;
  bool as_user = false;
  unsigned uid = 0;
  unsigned gid = 0;
  bool keep = false;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: posix_suite [--keep] [--as-uid UID --as-gid GID] DIR\n");
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options options;
  bool have_uid = false;
  bool have_gid = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--as-uid" && i + 1 < argc) {
      options.uid = static_cast<unsigned>(std::stoul(argv[++i]));
      have_uid = true;
    } else if (arg == "--as-gid" && i + 1 < argc) {
      options.gid = static_cast<unsigned>(std::stoul(argv[++i]));
      have_gid = true;
    } else if (arg == "--keep") {
      options.keep = true;
    } else if (!arg.empty() && arg[0] != '-' && options.dir.empty()) {
      options.dir = arg;
    } else {
      Usage();
    }
  }
  if (options.dir.empty() || have_uid != have_gid) Usage();
  options.as_user = have_uid;
  return options;
}

// A fresh, root-owned work directory inside DIR, so leftovers of an earlier run never
// change an outcome.
std::string MakeWorkDir(const Options& options) {
  std::string work = options.dir + (options.as_user ? "/posix-suite-perm" : "/posix-suite");
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  posix_suite::Must(::mkdir(work.c_str(), 0755), work.c_str());
  posix_suite::Must(::chmod(work.c_str(), 0755), work.c_str());
  return work;
}

int RunRootCases() {
  posix_suite::Runner runner;
  posix_suite::RunOpenCases(runner);
  posix_suite::RunNamespaceCases(runner);
  posix_suite::RunAttributeCases(runner);
  posix_suite::RunReaddirCases(runner);
  runner.PrintSummary();
  return runner.mismatches() == 0 ? 0 : 1;
}

// The child enters perm/ while still root: the path above the mount may not be searchable
// by the unprivileged user (mktemp -d makes 0700 directories), and relative lookups from the
// current directory only check the components they name.
int RunAsUser(const Options& options) {
  posix_suite::PreparePermissionTree(options.uid, options.gid);
  std::fflush(stdout);
  pid_t child = ::fork();
  posix_suite::Must(child, "fork");
  if (child == 0) {
    posix_suite::Must(::chdir("perm"), "chdir perm");
    posix_suite::Must(::setgroups(0, nullptr), "setgroups");
    posix_suite::Must(::setresgid(options.gid, options.gid, options.gid), "setresgid");
    posix_suite::Must(::setresuid(options.uid, options.uid, options.uid), "setresuid");
    if (::geteuid() != options.uid || ::getegid() != options.gid) {
      std::fprintf(stderr, "posix_suite: privilege drop did not take\n");
      std::_Exit(2);
    }
    posix_suite::Runner runner;
    posix_suite::RunPermissionCases(runner);
    runner.PrintSummary();
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(runner.mismatches() == 0 ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) {
    std::fprintf(stderr, "posix_suite: unprivileged child died (status %d)\n", status);
    return 2;
  }
  return WEXITSTATUS(status);
}

}  // namespace

int main(int argc, char** argv) {
  Options options = Parse(argc, argv);
  ::umask(022);
  std::string work = MakeWorkDir(options);
  posix_suite::Must(::chdir(work.c_str()), work.c_str());

  int rc = options.as_user ? RunAsUser(options) : RunRootCases();

  posix_suite::Must(::chdir("/"), "chdir /");
  if (!options.keep) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
    if (ec) {
      std::fprintf(stderr, "posix_suite: cannot remove %s: %s\n", work.c_str(),
                   ec.message().c_str());
      if (rc == 0) rc = 1;
    }
  }
  return rc;
}

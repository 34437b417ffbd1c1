// Host errors through the mirror: every errno the backing file system gives comes back
// out of the status table as the same errno (the FUSE reply), not as EIO.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "drivers/mirror/host_calls.h"
#include "mirror_fixture.h"

namespace irpfs::mirror::testing {
namespace {

TEST(MirrorHostStatus, EveryHostErrnoRoundTrips) {
  // The errnos the mirror's host calls can fail with (open, *at, statx, read/write,
  // fallocate, xattrs, rename, link, statfs), including those that used to become EIO;
  // from ENOMEDIUM on: removable media, fscrypt, network file systems and FUSE servers.
  constexpr int kHostErrnos[] = {
      EPERM,      ENOENT,       EINTR,     EIO,          ENXIO,      E2BIG,     EBADF,     EAGAIN,
      ENOMEM,     EACCES,       EFAULT,    EBUSY,        EEXIST,     EXDEV,     ENODEV,    ENOTDIR,
      EISDIR,     EINVAL,       ENFILE,    EMFILE,       ETXTBSY,    EFBIG,     ENOSPC,    ESPIPE,
      EROFS,      EMLINK,       ERANGE,    ENAMETOOLONG, ENOLCK,     ENOSYS,    ENOTEMPTY, ELOOP,
      ENODATA,    EDQUOT,       ESTALE,    EOVERFLOW,    EOPNOTSUPP, EILSEQ,    EUCLEAN,   EBADMSG,
      ENOTCONN,   ETIMEDOUT,    ENOMEDIUM, EMEDIUMTYPE,  ENOKEY,     EREMOTEIO, EPROTO,    ENOLINK,
      ECONNRESET, ECONNABORTED,
  };
  for (int err : kHostErrnos) {
    NtStatus status = host::HostStatus(err);
    EXPECT_EQ(StatusToErrno(status), err) << "errno " << err << " came back as "
                                          << StatusToErrno(status) << " via " << StatusName(status);
    if (err != EIO) {
      EXPECT_NE(status, NtStatus::Unsuccessful) << "errno " << err;
    }
  }
}

// A child running a copy of sleep(1) from the mirror's backing directory; killed and
// reaped when the test ends.
class RunningProgram {
 public:
  explicit RunningProgram(const std::string& path) {
    pid_ = fork();
    if (pid_ == 0) {
      char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("30"), nullptr};
      execv(path.c_str(), argv);
      _exit(127);
    }
  }
  ~RunningProgram() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // True once the child's image is `path` (the exec went through), within 10 s.
  bool WaitUntilRunning(const std::string& path) const {
    std::string exe = "/proc/" + std::to_string(pid_) + "/exe";
    for (int i = 0; i < 1000; ++i) {
      std::error_code ec;
      if (std::filesystem::read_symlink(exe, ec) == path) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
};

TEST_F(MirrorTest, OpeningARunningProgramForWriteIsTextFileBusy) {
  std::error_code ec;
  std::filesystem::copy_file("/bin/sleep", Host("prog"), ec);
  if (ec) GTEST_SKIP() << "no /bin/sleep to run: " << ec.message();
  ASSERT_EQ(chmod(Host("prog").c_str(), 0755), 0);
  RunningProgram program(Host("prog"));
  ASSERT_TRUE(program.WaitUntilRunning(Host("prog")));
  int fd = open(Host("prog").c_str(), O_WRONLY);
  int hostErr = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  if (hostErr != ETXTBSY) GTEST_SKIP() << "this kernel lets a running program be written";

  Opened opened = Create(
      {.name = "/prog", .access = access::kGenericWrite, .disposition = CreateDisposition::Open});
  EXPECT_EQ(opened.status, NtStatus::UserMappedFile) << StatusName(opened.status);
  EXPECT_EQ(StatusToErrno(opened.status), ETXTBSY);
  Close(opened.fo);
}

}  // namespace
}  // namespace irpfs::mirror::testing

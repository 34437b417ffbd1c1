// The `irpfs` command:
//   irpfs mount DRIVER [DRIVER-ARGS] MOUNTPOINT [--filter NAME[:OPTS]]... [-o OPTIONS]
//               [--foreground] [--threads N]
//   irpfs unmount MOUNTPOINT
//   irpfs list | devtree | devstack | drvobj | trace | stats | faults | attach | detach ...
//     (control_commands.h: they talk to live mounts over their control sockets)
//   irpfs filetest [--inproc] PATH [OPTIONS] [STEP...]   (filetest.h)
//
// `mount` checks everything it can first (driver, options, filters, mount point,
// /dev/fuse) and prints one line and exits non-zero on a mistake. It then daemonizes
// (log and pid files under the runtime directory, see runtime_files.h) and returns 0 only
// once the daemon reports the mount live through a pipe; with --foreground it serves in
// this process. SIGINT, SIGTERM and SIGHUP unmount cleanly and end the process; so does
// `irpfs unmount` (or any umount) from outside.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "tools/control_commands.h"
#include "tools/filetest.h"
#include "tools/mount_control.h"
#include "tools/mount_plan.h"
#include "tools/mounted_volume.h"
#include "tools/runtime_files.h"
#include "transport/fuse/mount.h"

namespace irpfs::tools {
namespace {

constexpr char kReady[] = "OK";

int Fail(const std::string& message) {
  std::fprintf(stderr, "irpfs: %s\n", message.c_str());
  return 1;
}

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string ReadAll(int fd) {
  std::string text;
  char chunk[512];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(chunk, static_cast<size_t>(n));
  }
}

void Timestamped(const char* message) {
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::fprintf(stderr, "%s irpfs: %s\n", when, message);
}

// Serves the mount until a signal or an outside unmount. `readyFd` (or -1) receives
// "OK" once the mount is live, or the error line.
int Serve(const MountPlan& plan, int readyFd, const RuntimeFiles* files) {
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGHUP);
  // Blocked before any thread exists, so every thread inherits the mask and only the
  // sigtimedwait below takes these signals.
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  MountedVolume volume;
  std::string error;
  if (!NtSuccess(volume.Start(plan, &error))) {
    if (readyFd >= 0) {
      WriteAll(readyFd, error);
      close(readyFd);
      Timestamped(error.c_str());
    } else {
      Fail(error);
    }
    if (files != nullptr) unlink(files->pidPath.c_str());
    return 1;
  }
  // The control channel is a convenience: a mount that cannot serve it still works.
  MountControl control(&volume, plan.fuse.mount.mountpoint);
  if (!NtSuccess(control.Start(&error))) {
    Timestamped(("no control channel: " + error).c_str());
  }
  std::string mounted =
      "mounted " + std::string(plan.driver->name) + " on " + plan.fuse.mount.mountpoint;
  if (readyFd >= 0) {
    WriteAll(readyFd, kReady);
    close(readyFd);
    Timestamped(mounted.c_str());
  } else {
    std::printf("irpfs: %s (Ctrl-C unmounts)\n", mounted.c_str());
    std::fflush(stdout);
  }

  for (;;) {
    timespec tick{0, 200 * 1000 * 1000};
    int signal = sigtimedwait(&stopSignals, nullptr, &tick);
    if (signal > 0) {
      std::string why =
          std::string("signal ") + strsignal(signal) + ": unmounting " + plan.fuse.mount.mountpoint;
      Timestamped(why.c_str());
      break;
    }
    if (volume.fuseMount().Ended()) {
      Timestamped(("unmounted " + plan.fuse.mount.mountpoint).c_str());
      break;
    }
  }
  control.Stop();
  volume.TearDown();
  if (files != nullptr) unlink(files->pidPath.c_str());
  return 0;
}

int Daemonize(const MountPlan& plan) {
  RuntimeFiles files;
  std::string error;
  if (!PrepareRuntimeFiles(plan.fuse.mount.mountpoint, &files, &error)) return Fail(error);
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return Fail(std::string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Fail(std::string("fork: ") + std::strerror(errno));

  if (pid > 0) {
    close(ready[1]);
    std::string answer = ReadAll(ready[0]);
    close(ready[0]);
    if (answer == kReady) {
      std::printf("irpfs: mounted %s on %s (pid %d, log %s)\n",
                  std::string(plan.driver->name).c_str(), plan.fuse.mount.mountpoint.c_str(),
                  static_cast<int>(pid), files.logPath.c_str());
      return 0;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (answer.empty())
      answer = "the daemon exited before the mount was ready; see " + files.logPath;
    return Fail(answer);
  }

  close(ready[0]);
  setsid();
  int devNull = open("/dev/null", O_RDWR | O_CLOEXEC);
  int log = open(files.logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (devNull >= 0) dup2(devNull, STDIN_FILENO);
  if (log >= 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
  }
  if (devNull > STDERR_FILENO) close(devNull);
  if (log > STDERR_FILENO) close(log);
  setvbuf(stderr, nullptr, _IONBF, 0);
  if (FILE* pidFile = std::fopen(files.pidPath.c_str(), "w")) {
    std::fprintf(pidFile, "%d\n", static_cast<int>(getpid()));
    std::fclose(pidFile);
  }
  if (chdir("/") != 0) {
    // The mount point is absolute already; staying in the old directory is harmless.
  }
  _exit(Serve(plan, ready[1], &files));
}

int RunMount(int argc, char** argv) {
  MountPlan plan;
  std::string error;
  bool helpShown = false;
  if (!ParseMountCommand(argc, argv, &plan, &error, &helpShown)) return Fail(error);
  if (helpShown) return 0;
  if (!fuse::CheckMountPrerequisites(plan.fuse.mount.mountpoint, &error)) return Fail(error);
  if (geteuid() != 0 && ::access("/dev/fuse", R_OK | W_OK) != 0 &&
      std::system("command -v fusermount3 >/dev/null 2>&1") != 0) {
    return Fail("no permission to mount: not root and fusermount3 is not installed");
  }
  if (plan.foreground) return Serve(plan, -1, nullptr);
  return Daemonize(plan);
}

int RunUnmount(int argc, char** argv) {
  if (argc != 2 || argv[1][0] == '-') {
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
      std::puts("usage: irpfs unmount MOUNTPOINT");
      return 0;
    }
    return Fail("usage: irpfs unmount MOUNTPOINT");
  }
  char resolved[PATH_MAX];
  if (realpath(argv[1], resolved) == nullptr) {
    return Fail(std::string(argv[1]) + ": " + std::strerror(errno));
  }
  std::string mountpoint = resolved;
  if (!fuse::IsFuseMounted(mountpoint)) return Fail(mountpoint + " is not a FUSE mount");
  pid_t daemon = ReadDaemonPid(mountpoint);
  std::string error;
  if (!fuse::UnmountFuse(mountpoint, geteuid() != 0, &error)) return Fail(error);
  // Let the daemon finish its teardown, so that the command returning means "gone".
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ProcessRunning(daemon) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

void Usage(FILE* out) {
  std::fputs(
      "usage: irpfs mount DRIVER [DRIVER-ARGS] MOUNTPOINT [--filter NAME[:OPTS]]...\n"
      "                   [-o OPTIONS] [--foreground] [--threads N]\n"
      "       irpfs unmount MOUNTPOINT\n"
      "       irpfs list | devtree\n"
      "       irpfs devstack MOUNT\n"
      "       irpfs drvobj DRIVER [--mount MOUNT]\n"
      "       irpfs trace MOUNT [--json] [--match PATTERN]\n"
      "       irpfs stats MOUNT [--reset]\n"
      "       irpfs faults MOUNT [show | set RULES | clear]\n"
      "       irpfs attach MOUNT FILTER[:OPTIONS] [--altitude N]\n"
      "       irpfs detach MOUNT FILTER\n"
      "       irpfs filetest [--inproc] PATH [OPTIONS] [STEP...]   (see --help)\n"
      "Run 'irpfs mount --help' for drivers, filters and options.\n",
      out);
}

}  // namespace
}  // namespace irpfs::tools

int main(int argc, char** argv) {
  using namespace irpfs::tools;
  if (argc < 2) {
    Usage(stderr);
    return 1;
  }
  std::string command = argv[1];
  if (command == "mount") return RunMount(argc - 1, argv + 1);
  if (command == "unmount" || command == "umount") return RunUnmount(argc - 1, argv + 1);
  if (command == "filetest") return RunFileTest(argc - 1, argv + 1);
  if (IsControlCommand(command)) return RunControlCommand(command, argc - 1, argv + 1);
  if (command == "--help" || command == "-h" || command == "help") {
    Usage(stdout);
    return 0;
  }
  return Fail("unknown command '" + command + "' (see 'irpfs --help')");
}

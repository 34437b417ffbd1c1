#include "transport/fuse/mount.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace irpfs::fuse {
namespace {

std::string Errno(int err) {
  return std::strerror(err);
}

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return path;
  return resolved;
}

// /proc/self/mountinfo escapes blanks and backslashes as \ooo.
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    auto octal = [&](size_t at) { return field[at] >= '0' && field[at] <= '7'; };
    if (field[i] == '\\' && i + 3 < field.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                      (field[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

struct MountInfoLine {
  std::string device;  // "major:minor"
  std::string mountpoint;
  std::string fstype;
};

// The last (topmost) mount at `mountpoint`.
bool FindMount(const std::string& mountpoint, MountInfoLine* found) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::string target = RealPath(mountpoint);
  bool any = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    fields >> id >> parent >> device >> root >> point;
    std::string field;
    while (fields >> field && field != "-") {
    }
    std::string fstype;
    fields >> fstype;
    if (Unescape(point) != target) continue;
    *found = MountInfoLine{device, Unescape(point), fstype};
    any = true;
  }
  return any;
}

bool IsFuseType(const std::string& fstype) {
  return fstype == "fuse" || fstype.rfind("fuse.", 0) == 0;
}

std::string KernelOptions(const MountOptions& options, int fd, mode_t rootMode) {
  std::ostringstream out;
  out << "fd=" << fd << ",rootmode=" << std::oct << (rootMode & S_IFMT) << std::dec
      << ",user_id=" << getuid() << ",group_id=" << getgid();
  if (options.allowOther) out << ",allow_other";
  if (options.defaultPermissions) out << ",default_permissions";
  if (options.maxRead != 0) out << ",max_read=" << options.maxRead;
  return out.str();
}

std::string FusermountOptions(const MountOptions& options) {
  std::ostringstream out;
  out << "fsname=" << options.fsname << ",subtype=" << options.subtype;
  if (options.allowOther) out << ",allow_other";
  if (options.defaultPermissions) out << ",default_permissions";
  if (options.readOnly) out << ",ro";
  if (options.maxRead != 0) out << ",max_read=" << options.maxRead;
  return out.str();
}

bool MountAsRoot(const MountOptions& options, MountedFuse* mounted, std::string* error) {
  struct stat st;
  if (stat(options.mountpoint.c_str(), &st) != 0) {
    *error = "cannot stat mount point " + options.mountpoint + ": " + Errno(errno);
    return false;
  }
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open /dev/fuse: " + Errno(errno);
    return false;
  }
  unsigned long flags = MS_NOSUID | MS_NODEV;
  if (options.readOnly) flags |= MS_RDONLY;
  std::string data = KernelOptions(options, fd, st.st_mode);
  std::string fstype = "fuse." + options.subtype;
  int rc = mount(options.fsname.c_str(), options.mountpoint.c_str(), fstype.c_str(), flags,
                 data.c_str());
  if (rc != 0 && errno == ENODEV) {  // a kernel without fuse subtypes
    rc = mount(options.fsname.c_str(), options.mountpoint.c_str(), "fuse", flags, data.c_str());
  }
  if (rc != 0) {
    *error = "cannot mount " + options.mountpoint + ": " + Errno(errno);
    close(fd);
    return false;
  }
  mounted->fd = fd;
  mounted->viaFusermount = false;
  return true;
}

// Receives the fd fusermount3 sends over `sock`; -1 if none came.
int ReceiveFd(int sock) {
  char byte;
  iovec piece{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr message{};
  message.msg_iov = &piece;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return fd;
    }
  }
  return -1;
}

// Runs fusermount3 with `args`; with `commFd` >= 0 it is passed as _FUSE_COMMFD. Its
// stderr is captured into *messages (so the caller can make one line of it). Returns the
// exit status (or -1).
int RunFusermount(const char* const* args, int commFd, int closeInChild, std::string* messages) {
  int errPipe[2];
  if (pipe2(errPipe, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(errPipe[0]);
    close(errPipe[1]);
    return -1;
  }
  if (pid == 0) {
    if (closeInChild >= 0) close(closeInChild);
    dup2(errPipe[1], STDERR_FILENO);
    if (commFd >= 0) {
      // The fd must survive exec; socketpair fds are created close-on-exec.
      fcntl(commFd, F_SETFD, 0);
      char value[16];
      std::snprintf(value, sizeof value, "%d", commFd);
      setenv("_FUSE_COMMFD", value, 1);
    }
    execvp("fusermount3", const_cast<char* const*>(args));
    _exit(127);
  }
  close(errPipe[1]);
  char chunk[256];
  for (;;) {
    ssize_t n = read(errPipe[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    messages->append(chunk, static_cast<size_t>(n));
  }
  close(errPipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The last non-empty line fusermount3 printed, without its "fusermount3: " prefix.
std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  size_t newline = text.rfind('\n', end);
  size_t begin = newline == std::string::npos ? 0 : newline + 1;
  std::string line = text.substr(begin, end + 1 - begin);
  const std::string prefix = "fusermount3: ";
  if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
  return line;
}

bool MountWithFusermount(const MountOptions& options, MountedFuse* mounted, std::string* error) {
  int socks[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks) != 0) {
    *error = "socketpair: " + Errno(errno);
    return false;
  }
  std::string opts = FusermountOptions(options);
  const char* args[] = {"fusermount3", "-o", opts.c_str(), "--", options.mountpoint.c_str(),
                        nullptr};
  std::string messages;
  int status = RunFusermount(args, socks[1], socks[0], &messages);
  close(socks[1]);
  int fd = status == 0 ? ReceiveFd(socks[0]) : -1;
  close(socks[0]);
  if (fd < 0) {
    std::string detail = LastLine(messages);
    if (status == 127) {
      *error = "cannot run fusermount3 (is fuse3 installed?)";
    } else {
      *error = "cannot mount " + options.mountpoint + ": " +
               (detail.empty() ? "fusermount3 failed (exit status " + std::to_string(status) + ")"
                               : detail);
    }
    return false;
  }
  mounted->fd = fd;
  mounted->viaFusermount = true;
  return true;
}

}  // namespace

bool CheckMountPrerequisites(const std::string& mountpoint, std::string* error) {
  struct stat st;
  if (stat(mountpoint.c_str(), &st) != 0) {
    *error = "mount point " + mountpoint + ": " + Errno(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *error = "mount point " + mountpoint + " is not a directory";
    return false;
  }
  if (access("/dev/fuse", F_OK) != 0) {
    *error = "/dev/fuse is missing (is the fuse module loaded?)";
    return false;
  }
  return true;
}

bool MountFuse(const MountOptions& options, MountedFuse* mounted, std::string* error) {
  if (!CheckMountPrerequisites(options.mountpoint, error)) return false;
  if (geteuid() == 0 && !options.forceFusermount) return MountAsRoot(options, mounted, error);
  return MountWithFusermount(options, mounted, error);
}

bool UnmountFuse(const std::string& mountpoint, bool viaFusermount, std::string* error) {
  if (geteuid() == 0 && !viaFusermount) {
    if (umount2(mountpoint.c_str(), UMOUNT_NOFOLLOW) == 0) return true;
    if (errno == EBUSY && umount2(mountpoint.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
      return true;
    }
    *error = "cannot unmount " + mountpoint + ": " + Errno(errno);
    return false;
  }
  const char* args[] = {"fusermount3", "-u", "-z", "--", mountpoint.c_str(), nullptr};
  std::string messages;
  int status = RunFusermount(args, -1, -1, &messages);
  if (status == 0) return true;
  std::string detail = LastLine(messages);
  *error = "cannot unmount " + mountpoint + ": " +
           (detail.empty() ? "fusermount3 -u failed (exit status " + std::to_string(status) + ")"
                           : detail);
  return false;
}

long FuseConnectionId(const std::string& mountpoint) {
  MountInfoLine line;
  if (!FindMount(mountpoint, &line) || !IsFuseType(line.fstype)) return -1;
  unsigned major = 0, minor = 0;
  if (std::sscanf(line.device.c_str(), "%u:%u", &major, &minor) != 2) return -1;
  // The kernel names the directory after its own dev_t encoding (major << 20 | minor).
  return static_cast<long>((static_cast<unsigned long>(major) << 20) | minor);
}

bool IsFuseMounted(const std::string& mountpoint) {
  return FuseConnectionId(mountpoint) >= 0;
}

bool EnsureFusectlMounted() {
  constexpr const char* kConnections = "/sys/fs/fuse/connections";
  MountInfoLine line;
  auto mounted = [&] { return FindMount(kConnections, &line) && line.fstype == "fusectl"; };
  if (mounted()) return true;
  // systemd mounts it at boot; a bare machine or container may not have. Without it a
  // connection held alive by lazily-unmounted open files cannot be aborted at all.
  mount("fusectl", kConnections, "fusectl", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  return mounted();
}

bool AbortFuseConnection(long connectionId) {
  if (connectionId < 0) return false;
  std::string path = "/sys/fs/fuse/connections/" + std::to_string(connectionId) + "/abort";
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && EnsureFusectlMounted()) {
    fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  }
  if (fd < 0) return false;
  bool ok = write(fd, "1", 1) == 1;
  close(fd);
  return ok;
}

}  // namespace irpfs::fuse

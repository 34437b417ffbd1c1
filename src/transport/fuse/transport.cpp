#include "transport/fuse/transport.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "transport/fuse/fuse_abi.h"

namespace irpfs::fuse {

DevFuseTransport::~DevFuseTransport() {
  for (int fd : clones_) close(fd);
  if (sessionFd_ >= 0) close(sessionFd_);
}

int DevFuseTransport::OpenWorkerFd() {
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) return -errno;
  uint32_t session = static_cast<uint32_t>(sessionFd_);
  if (ioctl(fd, kDevIocClone, &session) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  clones_.push_back(fd);
  return fd;
}

int DevFuseTransport::OpenBacking(int fd) {
  fuse_backing_map map{fd, 0, 0};
  int id = ioctl(sessionFd_, kDevIocBackingOpen, &map);
  return id < 0 ? -errno : id;
}

int DevFuseTransport::CloseBacking(int backingId) {
  uint32_t id = static_cast<uint32_t>(backingId);
  return ioctl(sessionFd_, kDevIocBackingClose, &id) < 0 ? -errno : 0;
}

const char* DevFuseTransport::WhyNoBacking() const {
  // FUSE_DEV_IOC_BACKING_OPEN checks CAP_SYS_ADMIN in the initial user namespace; the
  // effective set is what we can see (root in a user namespace passes this and still
  // fails there, which Choose then logs once).
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return "cannot read the process's capabilities";
  constexpr unsigned kWord = CAP_SYS_ADMIN / 32, kBit = CAP_SYS_ADMIN % 32;
  if (!(data[kWord].effective & (1u << kBit)))
    return "registering backing files needs CAP_SYS_ADMIN";
  return "";
}

}  // namespace irpfs::fuse

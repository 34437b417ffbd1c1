#include "transport/fuse/transport.h"

#include <fcntl.h>
#include <sys/ioctl.h>
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

}  // namespace irpfs::fuse

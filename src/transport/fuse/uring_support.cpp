#include "transport/fuse/uring_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace irpfs::fuse {
namespace {

constexpr const char* kParameter = "/sys/module/fuse/parameters/enable_uring";

}  // namespace

KernelUring KernelUringState() {
  int fd = open(kParameter, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return KernelUring::kUnavailable;
  char value = 0;
  ssize_t n = read(fd, &value, 1);
  close(fd);
  if (n != 1) return KernelUring::kUnavailable;
  return value == 'Y' || value == 'y' || value == '1' ? KernelUring::kOn : KernelUring::kOff;
}

bool SetKernelUring(bool value, std::string* error) {
  int fd = open(kParameter, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot open ") + kParameter + ": " + std::strerror(errno);
    return false;
  }
  const char* text = value ? "Y\n" : "N\n";
  ssize_t n = write(fd, text, 2);
  int err = errno;
  close(fd);
  if (n != 2) {
    *error = std::string("cannot write ") + kParameter + ": " + std::strerror(err);
    return false;
  }
  if ((KernelUringState() == KernelUring::kOn) != value) {
    *error = std::string(kParameter) + " did not take the new value";
    return false;
  }
  return true;
}

bool EnableKernelUring(std::string* error) {
  switch (KernelUringState()) {
    case KernelUring::kOn:
      return true;
    case KernelUring::kUnavailable:
      *error = "this kernel has no FUSE-over-io_uring (no enable_uring parameter)";
      return false;
    case KernelUring::kOff:
      break;
  }
  return SetKernelUring(true, error);
}

}  // namespace irpfs::fuse

#include "drivers/mirror/dir_stream.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace irpfs::mirror {

void DirStream::Adopt(int fd) {
  Close();
  fd_ = fd;
  closed_ = false;
  positioned_ = true;
  untouched_ = true;
  cookie_ = 0;
  cursor_ = end_ = 0;
}

void DirStream::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  closed_ = true;
  positioned_ = false;
  cursor_ = end_ = 0;
}

bool DirStream::BackUpTo(uint64_t cookie) {
  if (!positioned_ || cookie == 0) return false;
  for (size_t at = 0; at < cursor_;) {
    const auto* record = reinterpret_cast<const HostDirent*>(buffer_ + at);
    at += record->reclen;
    if (static_cast<uint64_t>(record->off) == cookie) {
      cursor_ = at;
      cookie_ = cookie;
      return true;
    }
  }
  return false;
}

int DirStream::Seek(uint64_t cookie) {
  if (BackUpTo(cookie)) return 0;
  ++seeks_;
  cursor_ = end_ = 0;
  if (lseek(fd_, static_cast<off_t>(cookie), SEEK_SET) < 0) {
    positioned_ = false;
    return -errno;
  }
  positioned_ = true;
  untouched_ = true;
  cookie_ = cookie;
  return 0;
}

const HostDirent* DirStream::Peek(int* error) {
  *error = 0;
  if (cursor_ < end_) return reinterpret_cast<const HostDirent*>(buffer_ + cursor_);
  if (buffer_ == nullptr) {
    owned_ = std::make_unique<char[]>(kBufferSize);  // new[] aligns for any scalar
    buffer_ = owned_.get();
    size_ = kBufferSize;
  }
  untouched_ = false;
  long n;
  do {
    ++reads_;
    n = syscall(SYS_getdents64, fd_, buffer_, size_);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *error = errno;
    positioned_ = false;
    return nullptr;
  }
  cursor_ = 0;
  end_ = static_cast<size_t>(n);
  return n == 0 ? nullptr : reinterpret_cast<const HostDirent*>(buffer_);
}

void DirStream::Consume(bool reported) {
  const auto* record = reinterpret_cast<const HostDirent*>(buffer_ + cursor_);
  if (reported) cookie_ = static_cast<uint64_t>(record->off);
  cursor_ += record->reclen;
}

}  // namespace irpfs::mirror

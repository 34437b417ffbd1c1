#include "drivers/mirror/dir_stream.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace irpfs::mirror {

void DirStream::Adopt(int fd) {
  Close();
  fd_ = fd;
  closed_ = false;
  positioned_ = true;
  untouched_ = true;
  cookie_ = 0;
  DropBatches();
}

void DirStream::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  closed_ = true;
  positioned_ = false;
  DropBatches();
}

bool DirStream::BackUpWithin(size_t from, size_t to, uint64_t cookie) {
  for (size_t at = from; at < to;) {
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

bool DirStream::BackUpTo(uint64_t cookie) {
  if (!positioned_ || cookie == 0) return false;
  // Consumed records: the current batch up to the cursor, and the whole previous batch
  // (or, while the cursor is in it, its part before the cursor).
  if (inPrevious_) return BackUpWithin(previousStart_, cursor_, cookie);
  if (BackUpWithin(start_, cursor_, cookie)) return true;
  if (!BackUpWithin(previousStart_, previousEnd_, cookie)) return false;
  // After the previous batch's last record the current batch follows.
  inPrevious_ = cursor_ < previousEnd_;
  if (!inPrevious_) cursor_ = start_;
  return true;
}

int DirStream::Seek(uint64_t cookie) {
  if (BackUpTo(cookie)) return 0;
  ++seeks_;
  DropBatches();
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
  if (inPrevious_) {
    if (cursor_ < previousEnd_) return reinterpret_cast<const HostDirent*>(buffer_ + cursor_);
    inPrevious_ = false;
    cursor_ = start_;
  }
  if (cursor_ < end_) return reinterpret_cast<const HostDirent*>(buffer_ + cursor_);
  if (buffer_ == nullptr) {
    owned_ = std::make_unique<char[]>(kBufferSize);  // new[] aligns for any scalar
    buffer_ = owned_.get();
    size_ = kBufferSize;
  }
  // The next batch goes into the half the current one does not use; the current one
  // becomes the previous. Halves stay 8-byte aligned, as records need.
  // (An empty batch, the end of the directory, does not push the last real one out.)
  const size_t half = size_ / 2 / 8 * 8;
  size_t into = start_;
  if (end_ > start_) {
    previousStart_ = start_;
    previousEnd_ = end_;
    into = start_ == 0 ? half : 0;
  }
  untouched_ = false;
  long n;
  do {
    ++reads_;
    n = syscall(SYS_getdents64, fd_, buffer_ + into, into == 0 ? half : size_ - half);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *error = errno;
    positioned_ = false;
    DropBatches();
    return nullptr;
  }
  cursor_ = start_ = into;
  end_ = into + static_cast<size_t>(n);
  atEnd_ = n == 0;
  return n == 0 ? nullptr : reinterpret_cast<const HostDirent*>(buffer_ + into);
}

bool DirStream::WantsReadAhead(size_t wanted) const {
  return fd_ >= 0 && positioned_ && !atEnd_ && !inPrevious_ && buffer_ != nullptr &&
         end_ - cursor_ < wanted;
}

void DirStream::ReadAhead() {
  const size_t half = size_ / 2 / 8 * 8;
  // The moved records must leave room for a good batch behind them.
  if (!WantsReadAhead(half / 2)) return;
  const size_t into = start_ == 0 ? half : 0;
  const size_t room = into == 0 ? half : size_ - half;
  const size_t tail = end_ - cursor_;
  // Records are 8-byte aligned and the cursor is on one, so the moved tail stays aligned.
  std::memcpy(buffer_ + into, buffer_ + cursor_, tail);
  long n;
  ++readAheads_;
  do {
    ++reads_;
    n = syscall(SYS_getdents64, fd_, buffer_ + into + tail, room - tail);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    // The stream stands as it was, but the copy overwrote the previous batch.
    previousEnd_ = previousStart_;
    return;
  }
  previousStart_ = start_;
  previousEnd_ = cursor_;
  cursor_ = start_ = into;
  end_ = into + tail + static_cast<size_t>(n);
  atEnd_ = n == 0;
}

void DirStream::Consume(bool reported) {
  const auto* record = reinterpret_cast<const HostDirent*>(buffer_ + cursor_);
  if (reported) cookie_ = static_cast<uint64_t>(record->off);
  cursor_ += record->reclen;
}

}  // namespace irpfs::mirror

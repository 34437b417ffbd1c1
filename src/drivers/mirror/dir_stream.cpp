#include "drivers/mirror/dir_stream.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>

namespace irpfs::mirror {

namespace {
// A record with a name of NAME_MAX bytes and its terminator, 8-byte aligned (280 bytes).
constexpr size_t kLargestRecord = (offsetof(HostDirent, name) + NAME_MAX + 1 + 7) / 8 * 8;
}  // namespace

template <typename Use>
auto DirStream::StopFeedAnd(Use use) {
  std::unique_lock feed(feedMutex_);
  ++feedGeneration_;
  fed_.wait(feed, [this] { return !feedReading_; });
  feedBegin_ = feedEnd_ = 0;
  feedAtEnd_ = false;
  feedError_ = 0;
  return use();
}

void DirStream::StopFeed() {
  StopFeedAnd([] { return 0; });
}

void DirStream::Adopt(int fd) {
  Close();
  fd_ = fd;
  {
    std::lock_guard feed(feedMutex_);
    feedFd_ = fd;
  }
  closed_ = false;
  positioned_ = true;
  untouched_ = true;
  cookie_ = 0;
  DropBatches();
}

void DirStream::Close() {
  StopFeedAnd([this] {
    feed_.reset();
    feedFd_ = -1;
    return fd_ >= 0 ? close(fd_) : 0;
  });
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
  int at = StopFeedAnd(
      [this, cookie] { return lseek(fd_, static_cast<off_t>(cookie), SEEK_SET) < 0 ? -errno : 0; });
  if (at < 0) {
    positioned_ = false;
    return at;
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
  const size_t room = into == 0 ? half : size_ - half;
  long n = NextBatch(into, room);
  if (n < 0) {
    *error = static_cast<int>(-n);
    positioned_ = false;
    DropBatches();
    StopFeed();
    return nullptr;
  }
  cursor_ = start_ = into;
  end_ = into + static_cast<size_t>(n);
  atEnd_ = n == 0;
  // Less room left than the largest record takes means the batch stopped for want of room.
  lastBatchFilled_ = room - static_cast<size_t>(n) < kLargestRecord;
  return n == 0 ? nullptr : reinterpret_cast<const HostDirent*>(buffer_ + into);
}

long DirStream::NextBatch(size_t into, size_t room) {
  std::unique_lock feed(feedMutex_);
  // A read in flight brings the next records (or the end, or an error): wait for it.
  fed_.wait(feed, [this] { return !feedReading_ || feedEnd_ > feedBegin_; });
  if (feedEnd_ > feedBegin_) {
    // Whole records, as many as fit.
    size_t take = 0;
    while (feedBegin_ + take < feedEnd_) {
      size_t reclen = reinterpret_cast<const HostDirent*>(feed_.get() + feedBegin_ + take)->reclen;
      if (take + reclen > room) break;
      take += reclen;
    }
    if (take == 0) return -EINVAL;  // room for no record: a tiny lent buffer, never fed
    std::memcpy(buffer_ + into, feed_.get() + feedBegin_, take);
    feedBegin_ += take;
    return static_cast<long>(take);
  }
  // The feed is empty and nobody reads: what its last read met, or a read of our own.
  if (feedError_ != 0) {
    int error = feedError_;
    feedError_ = 0;
    return -error;
  }
  if (feedAtEnd_) {
    // Reported once: a later call reads again, as a host stream past its end may grow.
    // The listing is done and nothing reads into the feed now: its memory goes.
    feedAtEnd_ = false;
    feed_.reset();
    return 0;
  }
  feedReading_ = true;
  feed.unlock();
  long n;
  do {
    reads_.fetch_add(1, std::memory_order_relaxed);
    n = syscall(SYS_getdents64, fd_, buffer_ + into, room);
  } while (n < 0 && errno == EINTR);
  if (n < 0) n = -errno;
  feed.lock();
  feedReading_ = false;
  if (n == 0) feed_.reset();  // the end, and the feed is empty: as above
  fed_.notify_all();
  return n;
}

bool DirStream::WantsReadAhead() const {
  if (fd_ < 0 || !positioned_ || atEnd_ || buffer_ == nullptr) return false;
  std::lock_guard feed(feedMutex_);
  return !feedReading_ && !feedAtEnd_ && feedError_ == 0 &&
         kFeedSize - (feedEnd_ - feedBegin_) >= kFeedRead;
}

void DirStream::ReadAhead() {
  std::unique_lock feed(feedMutex_);
  if (!feed_) feed_ = std::make_unique<char[]>(kFeedSize);  // new[] aligns for any scalar
  while (feedFd_ >= 0 && !feedReading_ && !feedAtEnd_ && feedError_ == 0) {
    // Records stay 8-byte aligned: moved to the front (an aligned offset) as a whole.
    if (feedBegin_ == feedEnd_) {
      feedBegin_ = feedEnd_ = 0;
    } else if (kFeedSize - feedEnd_ < kFeedRead && feedBegin_ > 0) {
      std::memmove(feed_.get(), feed_.get() + feedBegin_, feedEnd_ - feedBegin_);
      feedEnd_ -= feedBegin_;
      feedBegin_ = 0;
    }
    if (kFeedSize - feedEnd_ < kFeedRead) break;  // full
    const uint64_t generation = feedGeneration_;
    const int fd = feedFd_;
    char* into = feed_.get() + feedEnd_;
    feedReading_ = true;
    feed.unlock();
    long n;
    do {
      reads_.fetch_add(1, std::memory_order_relaxed);
      readAheads_.fetch_add(1, std::memory_order_relaxed);
      n = syscall(SYS_getdents64, fd, into, kFeedRead);
    } while (n < 0 && errno == EINTR);
    const int error = n < 0 ? errno : 0;
    feed.lock();
    feedReading_ = false;
    fed_.notify_all();
    if (generation != feedGeneration_) break;  // sought or closed meanwhile: dropped
    if (n < 0) {
      feedError_ = error;
    } else if (n == 0) {
      feedAtEnd_ = true;
    } else {
      feedEnd_ += static_cast<size_t>(n);
    }
  }
}

void DirStream::Consume(bool reported) {
  const auto* record = reinterpret_cast<const HostDirent*>(buffer_ + cursor_);
  if (reported) cookie_ = static_cast<uint64_t>(record->off);
  cursor_ += record->reclen;
}

}  // namespace irpfs::mirror

#include "transport/fuse/notify_queue.h"

#include <sys/uio.h>

#include <cerrno>

#include "transport/fuse/frame.h"
#include "transport/fuse/fuse_abi.h"
#include "transport/fuse/log.h"

namespace irpfs::fuse {

NotifyQueue::NotifyQueue(int fd) : fd_(fd), thread_([this] { Run(); }) {}

NotifyQueue::~NotifyQueue() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void NotifyQueue::Push(Item item) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      ++failed_;
      if (failed_ == 1 || failed_ % 1024 == 0) {
        FuseLog(LogLevel::kWarning, "invalidation queue full: %llu notifications dropped",
                static_cast<unsigned long long>(failed_));
      }
      return;
    }
    queue_.push_back(std::move(item));
    ++pushed_;
  }
  wake_.notify_one();
}

void NotifyQueue::InvalidateInode(uint64_t nodeid, int64_t offset, int64_t length) {
  Push(Item{static_cast<int>(NotifyCode::kInvalInode), nodeid, 0, offset, length, {}});
}

void NotifyQueue::InvalidateAttributesNow(uint64_t nodeid) {
  Write(Item{static_cast<int>(NotifyCode::kInvalInode), nodeid, 0, -1, 0, {}});
}

void NotifyQueue::InvalidateEntry(uint64_t parent, std::string_view name) {
  Push(Item{static_cast<int>(NotifyCode::kInvalEntry), parent, 0, 0, 0, std::string(name)});
}

void NotifyQueue::NotifyDelete(uint64_t parent, uint64_t child, std::string_view name) {
  Push(Item{static_cast<int>(NotifyCode::kDelete), parent, child, 0, 0, std::string(name)});
}

void NotifyQueue::Flush() {
  std::unique_lock lock(mu_);
  uint64_t target = pushed_;
  drained_.wait(lock, [&] { return done_ >= target || stop_; });
}

uint64_t NotifyQueue::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

uint64_t NotifyQueue::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

void NotifyQueue::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Write(item);
    lock.lock();
    ++done_;
    drained_.notify_all();
  }
  drained_.notify_all();
}

void NotifyQueue::Write(const Item& item) {
  static const char kNul = 0;
  int result = 0;
  switch (static_cast<NotifyCode>(item.kind)) {
    case NotifyCode::kInvalInode: {
      fuse_notify_inval_inode_out out{item.node, item.offset, item.length};
      iovec piece{&out, sizeof out};
      result = WriteFrame(fd_, 0, item.kind, &piece, 1);
      break;
    }
    case NotifyCode::kInvalEntry: {
      fuse_notify_inval_entry_out out{item.node, static_cast<uint32_t>(item.name.size()), 0};
      iovec pieces[3] = {{&out, sizeof out},
                         {const_cast<char*>(item.name.data()), item.name.size()},
                         {const_cast<char*>(&kNul), 1}};
      result = WriteFrame(fd_, 0, item.kind, pieces, 3);
      break;
    }
    case NotifyCode::kDelete: {
      fuse_notify_delete_out out{item.node, item.child, static_cast<uint32_t>(item.name.size()), 0};
      iovec pieces[3] = {{&out, sizeof out},
                         {const_cast<char*>(item.name.data()), item.name.size()},
                         {const_cast<char*>(&kNul), 1}};
      result = WriteFrame(fd_, 0, item.kind, pieces, 3);
      break;
    }
    default:
      return;
  }
  std::lock_guard lock(mu_);
  if (result == 0) {
    ++sent_;
  } else if (result != -ENOENT) {
    ++failed_;
    FuseLog(LogLevel::kDebug, "notification %d for node %llu failed: errno %d", item.kind,
            static_cast<unsigned long long>(item.node), -result);
  }
}

}  // namespace irpfs::fuse

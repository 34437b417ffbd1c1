// NotifyQueue: the Invalidator of a channel. One thread writes the queued notifications
// (FUSE_NOTIFY_INVAL_INODE, _INVAL_ENTRY, _DELETE) on the session fd; see invalidator.h
// for why callers never write them themselves.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "transport/fuse/invalidator.h"

namespace irpfs::fuse {

class NotifyQueue final : public Invalidator {
 public:
  static constexpr size_t kMaxQueued = 4096;

  explicit NotifyQueue(int fd);
  NotifyQueue(const NotifyQueue&) = delete;
  NotifyQueue& operator=(const NotifyQueue&) = delete;
  ~NotifyQueue() override;  // stops the thread; queued notifications are dropped

  void InvalidateInode(uint64_t nodeid, int64_t offset, int64_t length) override;
  void InvalidateAttributesNow(uint64_t nodeid) override;
  void InvalidateEntry(uint64_t parent, std::string_view name) override;
  void NotifyDelete(uint64_t parent, uint64_t child, std::string_view name) override;
  void Flush() override;

  // Notifications written / refused by the kernel or dropped on a full queue (ENOENT,
  // "nothing cached", counts as neither).
  uint64_t sent() const;
  uint64_t failed() const;

 private:
  struct Item {
    int kind = 0;       // NotifyCode value
    uint64_t node = 0;  // ino or parent
    uint64_t child = 0;
    int64_t offset = 0;
    int64_t length = 0;
    std::string name;
  };

  void Push(Item item);
  void Run();
  void Write(const Item& item);

  const int fd_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Item> queue_;
  uint64_t pushed_ = 0;
  uint64_t done_ = 0;
  uint64_t sent_ = 0;
  uint64_t failed_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace irpfs::fuse

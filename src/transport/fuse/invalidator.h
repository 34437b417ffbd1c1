// Invalidator: tells the kernel to drop what it cached about a node or a name.
//
// Requests are queued and sent by the invalidator's own thread, never by the caller:
// the kernel may, while handling a notification, send requests back to us (and wait for
// them), so a caller holding a file system lock would deadlock if it wrote the
// notification itself. Callers may therefore invalidate while holding any lock.
//
// The queue is bounded and never blocks the caller: when it is full, new notifications
// are dropped and counted, and the kernel's copies then expire with their timeouts.
#pragma once

#include <cstdint>
#include <string_view>

namespace irpfs::fuse {

class Invalidator {
 public:
  virtual ~Invalidator() = default;
  // Drop cached data of `nodeid` in [offset, offset+length) (length 0 = to the end) and
  // its attributes. offset < 0: attributes only.
  virtual void InvalidateInode(uint64_t nodeid, int64_t offset = 0, int64_t length = 0) = 0;
  // Drops the attributes of `nodeid` before returning, written by the calling thread: for
  // a worker that must have the kernel forget an old mode before it answers a request.
  // The one notification that may be written inline: with no range, the kernel takes no
  // lock a request in flight could hold (no inode lock, no page lock).
  virtual void InvalidateAttributesNow(uint64_t nodeid) = 0;
  // Drop the cached name `name` in directory `parent` (and its negative entry).
  virtual void InvalidateEntry(uint64_t parent, std::string_view name) = 0;
  // The name `name` of `child` in `parent` was deleted behind the kernel's back.
  virtual void NotifyDelete(uint64_t parent, uint64_t child, std::string_view name) = 0;
  // Waits until everything queued before the call was written (for tests and unmount).
  virtual void Flush() = 0;
};

}  // namespace irpfs::fuse

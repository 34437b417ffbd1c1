// The per-open state of the mirror (the class driver's openContext): the open's own host
// descriptor, closed at CLEANUP (the last handle, as close(2) releases a file) and freed
// at CLOSE.
//
// An IRP may still be in flight on another thread when CLEANUP runs (an overlapped read
// when the handle is closed, a FUSE dispatcher that keeps the file object referenced).
// So the descriptor is reference counted: the open holds one reference, every operation
// using the descriptor takes one (OpenFileUse), and whoever drops the last closes it.
// After CLEANUP no new use starts, so a descriptor number is never used after its close.
//
// A directory open for listing has no fd (-1) but a directory stream (dir_stream.h), whose
// descriptor the stream opens at the first enumeration and CLEANUP closes under the
// stream's own lock.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "drivers/mirror/dir_stream.h"

namespace irpfs::mirror {

struct OpenFile {
  int fd = -1;
  int accessMode = 0;   // O_RDONLY / O_WRONLY / O_RDWR
  bool direct = false;  // O_DIRECT (mirror_data.cpp: which buffers bounce)
  // The host refused an unaligned O_DIRECT transfer of this open (EINVAL): from then on
  // its unaligned buffers bounce through an aligned one.
  std::atomic<bool> alignMemory{false};
  std::shared_ptr<DirStream> directory;  // a directory open with list access only
  std::atomic<uint32_t> users{1};        // the open itself + operations in flight
  std::atomic<bool> cleanedUp{false};
  // Set before the open's first flock request: only then has CLEANUP a lock to drop.
  std::atomic<bool> flockAsked{false};

  void Drop() {
    if (users.fetch_sub(1, std::memory_order_acq_rel) == 1 && fd >= 0) close(fd);
  }
  // Ends the open's own use (CLEANUP); idempotent.
  void Cleanup() {
    if (cleanedUp.exchange(true, std::memory_order_acq_rel)) return;
    if (directory) {
      std::lock_guard lock(directory->mutex);
      directory->Close();
    }
    Drop();
  }
};

// One operation's use of an open's descriptor. ok() is false for no open, or one that
// was already cleaned up.
class OpenFileUse {
 public:
  explicit OpenFileUse(void* openContext) : open_(static_cast<OpenFile*>(openContext)) {
    if (open_ == nullptr) return;
    uint32_t users = open_->users.load(std::memory_order_relaxed);
    do {
      if (users == 0) {
        open_ = nullptr;
        return;
      }
    } while (!open_->users.compare_exchange_weak(users, users + 1, std::memory_order_acq_rel));
  }
  ~OpenFileUse() {
    if (open_ != nullptr) open_->Drop();
  }
  OpenFileUse(const OpenFileUse&) = delete;
  OpenFileUse& operator=(const OpenFileUse&) = delete;

  bool ok() const { return open_ != nullptr; }
  OpenFile* operator->() const { return open_; }
  OpenFile& operator*() const { return *open_; }

 private:
  OpenFile* open_;
};

}  // namespace irpfs::mirror

// Directory read-ahead. A listing's READDIRs come one after another: the kernel asks for
// the next batch only once its caller has taken the last one. Read on demand, the host's
// getdents64 for a batch and the caller's use of the one before take turns, each waiting
// for the other. The mirror instead reads a stream's next records on this thread after
// each full reply, into the stream's feed and up to DirStream::kFeedSize ahead, without
// the stream's lock (DirStream::ReadAhead): the host's reading and the caller's use of
// the replies run at once, and the next READDIR is answered from memory.
//
// One thread per mirror volume, started at its first read-ahead. A stream is queued at
// most once at a time and stays alive while queued (shared ownership with its open).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "drivers/mirror/dir_stream.h"

namespace irpfs::mirror {

class DirReadAhead {
 public:
  DirReadAhead() = default;
  // Waits for the read in progress; queued streams are dropped unread.
  ~DirReadAhead();
  DirReadAhead(const DirReadAhead&) = delete;
  DirReadAhead& operator=(const DirReadAhead&) = delete;

  // Reads ahead on `stream` soon (unless it no longer wants it by then).
  void Queue(std::shared_ptr<DirStream> stream);

  // How many read-aheads ran, and whether none is queued or running (tests).
  uint64_t completed() const;
  bool idle() const;

 private:
  void Run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<DirStream>> queue_;
  uint64_t completed_ = 0;
  bool running_ = false;  // a batch taken from the queue is being read
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace irpfs::mirror

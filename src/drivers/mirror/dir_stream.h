// A host directory stream: a descriptor, the getdents64 records read from it and not yet
// handed out, and the cookie after which those records continue. It is what a DIR is to
// glibc and what passthrough_ll keeps per opendir.
//
// The mirror keeps one per directory open (OpenFile::directory), so the READDIRs of one
// listing continue from the records the previous one left over: no reopen, no seek, and
// nothing read twice. A request for any other cookie (rewinddir, seekdir, an NFS-style
// restart, a kernel that dropped the tail of a reply) seeks and drops the records, as
// seekdir does (or, for a cookie of a record still in the buffer, by going back to it
// there: what the seek would read unless the directory changed since the buffer was
// read, the same window a continuation has). Entries created or removed during a listing therefore
// behave as for a host process reading the directory through one stream. docs/mirror.md,
// "Directories".
//
// The buffer holds two batches of records, the one being handed out and the one before
// it. The kernel's READDIR replies are about as large as its caller's getdents buffer
// (32 KiB for glibc), so the tail it asks for again often began in the previous batch:
// keeping that batch lets the stream go back there too instead of seeking and reading it
// again (which made a listing of 19 000 entries read the directory twice over).
//
// Behind the buffer a long listing has a feed: records the read-ahead thread read from
// the descriptor while the stream was handing out earlier ones (ReadAhead). The buffer's
// next batch is taken from the feed when it holds records, so the host's getdents64 and
// the kernel's use of the replies run at once instead of taking turns.
//
// Not thread-safe, except ReadAhead: the owner locks `mutex` around every other use.
// ReadAhead runs without it; the descriptor is read by one side at a time (feedReading_),
// and a seek or close waits for a read in flight and drops what the feed holds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace irpfs::mirror {

// The record getdents64 fills (struct linux_dirent64; glibc declares no such type).
struct HostDirent {
  uint64_t ino;
  int64_t off;  // the cookie after this entry
  uint16_t reclen;
  uint8_t type;
  char name[1];
};

class DirStream {
 public:
  // Two batches of one getdents64 each.
  static constexpr size_t kBufferSize = 64 * 1024;

  // With no buffer the stream allocates its own at its first read; a one-off enumeration
  // lends it one (8-byte aligned, at least two records long).
  DirStream() = default;
  DirStream(char* buffer, size_t size) : buffer_(buffer), size_(size) {}
  ~DirStream() { Close(); }
  DirStream(const DirStream&) = delete;
  DirStream& operator=(const DirStream&) = delete;

  std::mutex mutex;  // the owner's, for a stream shared by calls on several threads

  bool open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Takes a freshly opened descriptor of the directory, positioned at its start.
  void Adopt(int fd);
  // Closes the descriptor (the open's CLEANUP); the stream stays closed.
  void Close();
  bool closed() const { return closed_; }

  // Whether entries after `cookie` are exactly what the stream holds next. Cookie 0 is a
  // rewind once the stream has read anything: a host stream past its end stays there
  // (tmpfs), while a rewinddir reads the directory afresh.
  bool ContinuesAt(uint64_t cookie) const {
    return positioned_ && cookie == cookie_ && (cookie != 0 || untouched_);
  }
  // Positions the stream after `cookie` (0 = the start): within the buffer when `cookie`
  // is that of a record already handed out from it (the kernel asks again for the tail
  // of a reply its caller had no room for, about once per getdents of the caller), else
  // by seeking the descriptor and dropping the records. 0 or -errno.
  int Seek(uint64_t cookie);

  // The next record, read from the host when none is buffered; null at the end of the
  // directory (*error = 0) or on a host error (*error = errno; the next use seeks).
  const HostDirent* Peek(int* error);
  // Moves past the record Peek returned. `reported`: the caller handed it on, so the
  // stream now stands after its cookie (a record skipped, "." or "..", leaves the cookie
  // where it was: resuming there skips it again).
  void Consume(bool reported);

  // Goes back to the record after the one whose cookie is `cookie`, if that record was
  // read into the buffer (this batch or the one before) and consumed.
  bool BackUpTo(uint64_t cookie);

  // Whether a ReadAhead would read anything: the stream continues a listing, has not
  // reached the directory's end, and its feed has room.
  bool WantsReadAhead() const;
  // Whether the last batch filled its room (the directory most likely goes on): a
  // batch ends short only at the end of a host directory.
  bool LastBatchFilled() const { return lastBatchFilled_; }
  // Reads the records behind those buffered into the feed, one getdents64 of up to
  // kFeedRead bytes at a time, until the feed is full, the directory ends, the host
  // fails (the next Peek reports it), or the owner reads, seeks or closes. Called
  // without `mutex` (the read-ahead thread); never blocks the owner beyond the read in
  // flight.
  void ReadAhead();

  // How many getdents64 calls and seeks the stream made, and how many of those calls
  // were ReadAhead's (tests see that a continued listing neither seeks nor rereads, and
  // that a read-ahead listing's calls found their records read).
  uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }
  uint64_t seeks() const { return seeks_; }
  uint64_t readAheads() const { return readAheads_.load(std::memory_order_relaxed); }
  // The feed's allocation: kFeedSize while a listing reads ahead, else 0 (tests).
  size_t feedBytes() const {
    std::lock_guard feed(feedMutex_);
    return feed_ ? kFeedSize : 0;
  }

  // The feed's size, and the most one read puts into it (a batch of the buffer).
  static constexpr size_t kFeedSize = 96 * 1024;
  static constexpr size_t kFeedRead = kBufferSize / 2;

 private:
  int fd_ = -1;
  bool closed_ = false;
  bool positioned_ = false;  // cookie_ and the records describe the descriptor's position
  bool untouched_ = true;    // nothing read since the last seek (or the open)
  uint64_t cookie_ = 0;
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::unique_ptr<char[]> owned_;
  // The batches: the current one is buffer_[start_, end_), the one read before it
  // buffer_[previousStart_, previousEnd_) (empty after a seek). The cursor is in the
  // current batch, or in the previous one after a back-up into it (inPrevious_), in
  // which case the current batch follows.
  size_t cursor_ = 0;
  size_t start_ = 0;
  size_t end_ = 0;
  size_t previousStart_ = 0;
  size_t previousEnd_ = 0;
  bool inPrevious_ = false;
  bool atEnd_ = false;  // the last getdents64 returned nothing
  bool lastBatchFilled_ = false;

  void DropBatches() {
    cursor_ = start_ = end_ = previousStart_ = previousEnd_ = 0;
    inPrevious_ = false;
    atEnd_ = false;
  }
  // Searches buffer_[from, to) for the record with `cookie`; moves the cursor after it.
  bool BackUpWithin(size_t from, size_t to, uint64_t cookie);
  // Reads the next batch into buffer_ + into (at most `room` bytes): from the feed when
  // it holds records or a read for it is in flight, else from the descriptor. Returns
  // the bytes read, 0 at the end of the directory, or -errno.
  long NextBatch(size_t into, size_t room);
  // Waits for a read-ahead in flight, empties the feed and runs `use` (a seek or close of
  // the descriptor) before another read-ahead can start: what the feed held, or would
  // read meanwhile, no longer follows the buffer.
  template <typename Use>
  auto StopFeedAnd(Use use);
  void StopFeed();

  // The feed, under feedMutex_ (the owner and the read-ahead thread both use it).
  // Allocated by the first ReadAhead, freed when the listing has taken the directory's
  // end from it and at Close.
  // feed_[feedBegin_, feedEnd_) are records not yet taken; a read-ahead in flight fills
  // feed_ from feedEnd_ on, which nothing else touches meanwhile.
  mutable std::mutex feedMutex_;
  std::condition_variable fed_;
  std::unique_ptr<char[]> feed_;
  size_t feedBegin_ = 0;
  size_t feedEnd_ = 0;
  int feedFd_ = -1;              // fd_, for the read-ahead thread
  bool feedReading_ = false;     // a getdents64 on the descriptor is in flight
  bool feedAtEnd_ = false;       // the feed's last read found the directory's end
  int feedError_ = 0;            // the feed's last read failed (errno)
  uint64_t feedGeneration_ = 0;  // bumped by StopFeed: a read in flight is dropped

  std::atomic<uint64_t> reads_{0};
  uint64_t seeks_ = 0;
  std::atomic<uint64_t> readAheads_{0};
};

}  // namespace irpfs::mirror

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
// Not thread-safe: the owner locks `mutex` around every use.
#pragma once

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
  // reached the directory's end, and holds less than `wanted` bytes of records not yet
  // handed out.
  bool WantsReadAhead(size_t wanted) const;
  // Reads the next records behind those still buffered, so that the next request finds
  // them there: the records not yet handed out move to the front of the other half of
  // the buffer and one getdents64 fills the rest of it. What was handed out of the
  // current batch becomes the previous batch (BackUpTo still finds it). A host error
  // reads nothing; the next Peek meets and reports it.
  void ReadAhead();

  // How many getdents64 calls and seeks the stream made, and how many of those calls
  // were ReadAhead's (tests see that a continued listing neither seeks nor rereads, and
  // that a read-ahead listing's calls found their records read).
  uint64_t reads() const { return reads_; }
  uint64_t seeks() const { return seeks_; }
  uint64_t readAheads() const { return readAheads_; }

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

  void DropBatches() {
    cursor_ = start_ = end_ = previousStart_ = previousEnd_ = 0;
    inPrevious_ = false;
    atEnd_ = false;
  }
  // Searches buffer_[from, to) for the record with `cookie`; moves the cursor after it.
  bool BackUpWithin(size_t from, size_t to, uint64_t cookie);
  uint64_t reads_ = 0;
  uint64_t seeks_ = 0;
  uint64_t readAheads_ = 0;
};

}  // namespace irpfs::mirror

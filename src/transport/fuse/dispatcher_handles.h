// The FUSE file handle table: fh -> the FileObject an OPEN, CREATE or OPENDIR made.
//
// A FUSE file handle is what NT calls a handle: one open (FileObject, with its CCB).
// The fh the kernel echoes back is a typed token, (generation << 32) | slot index, never
// a pointer: a stale fh finds an empty slot or a different generation and gets EBADF.
// Generations start at 1, so no valid fh is 0 (the value the kernel sends when a request
// carries no handle).
//
// Threads: any thread. One mutex, a leaf lock; no IRP is sent while it is held.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "transport/fuse/dispatcher_backing.h"
#include "transport/fuse/node_table.h"

namespace irpfs {
class FileObject;
}

namespace irpfs::fuse {

struct FileHandle {
  uint64_t value = 0;
  friend bool operator==(FileHandle, FileHandle) = default;
};

// What the dispatcher remembers of one open besides its FileObject.
struct OpenInfo {
  uint32_t openFlags = 0;  // open(2) flags of the OPEN/CREATE (O_APPEND matters for writes)
  bool directory = false;
  NodeId node;  // the node the open was made on
  uint64_t nodeGeneration = 0;
  OpenIo io = OpenIo::kNone;  // passthrough bookkeeping (dispatcher_backing.h)
};

class HandleTable {
 public:
  HandleTable() = default;
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;
  // Must be empty (see Clear).
  ~HandleTable();

  // Stores an open (one handle on `fileObject`, now owned by the table).
  FileHandle Insert(FileObject* fileObject, const OpenInfo& info);

  // The FileObject of `fh` with a reference added, and its info; nullptr when stale.
  FileObject* Reference(FileHandle fh, OpenInfo* info = nullptr);

  // Removes `fh` and returns its FileObject for the caller to close, and its info;
  // nullptr when stale.
  FileObject* Remove(FileHandle fh, OpenInfo* info = nullptr);

  // Removes every open and returns their FileObjects to close.
  std::vector<FileObject*> Clear();

  size_t OpenCount() const;

 private:
  struct Slot {
    FileObject* fileObject = nullptr;
    OpenInfo info;
    uint32_t generation = 1;
  };
  Slot* LiveSlotLocked(FileHandle fh);

  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> freeSlots_;
};

}  // namespace irpfs::fuse

// Internal to inproc: a client's table of handles.
//
// A handle value packs (table id, generation, slot index); the slot keeps the generation
// it was handed out with, so a closed handle, a handle from another client or a made-up
// value never matches a live slot. Slots hold shared pointers, never raw ones, and a file
// object is referenced under the table lock before the lock drops, so a concurrent
// CloseHandle cannot free what a caller is about to use.
//
// Threads: every method may be called from any thread. The table mutex is a leaf: no IRP
// is sent while it is held (closing a handle returns the entry for the caller to clean
// up outside the lock).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "transport/inproc/io_operation.h"
#include "transport/inproc/win32.h"

namespace irpfs::inproc::detail {

struct FindState;

enum class HandleKind : uint8_t { Free, File, Find };

struct HandleEntry {
  HandleKind kind = HandleKind::Free;
  std::shared_ptr<OpenFile> file;
  uint32_t grantedAccess = 0;  // per handle, as DuplicateHandle may narrow it
  std::shared_ptr<FindState> find;
};

class HandleTable {
 public:
  HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Adds a handle naming `file`, adopting a handle count the caller took (ObOpenHandle)
  // before the value exists, since another thread may close it the moment it does. On
  // kInvalidHandleValue (table full) the count is still the caller's.
  Handle InsertFile(std::shared_ptr<OpenFile> file, uint32_t grantedAccess);
  // Adds a find handle; the find state owns its directory's handle count itself.
  Handle InsertFind(std::shared_ptr<FindState> find);

  // A file handle's state with one pointer reference taken on its file object for the
  // caller (release with ObDereferenceObject). False for anything but a live file handle.
  bool ReferenceFile(Handle handle, std::shared_ptr<OpenFile>* file, uint32_t* grantedAccess);
  std::shared_ptr<FindState> LookupFind(Handle handle);

  // Takes the entry out; the caller closes what it names (ObCloseHandle) after.
  bool Remove(Handle handle, HandleEntry* removed);
  std::vector<HandleEntry> RemoveAll();
  // The opens behind every live file handle (duplicates repeat).
  std::vector<std::shared_ptr<OpenFile>> Files();
  size_t Count();

 private:
  struct Slot {
    uint32_t generation = 1;
    HandleEntry entry;
  };

  Handle Insert(HandleEntry entry);
  // The live slot `handle` names, if its kind is `kind` (Free: any kind). mutex_ held.
  Slot* Find(Handle handle, HandleKind kind);

  const uint16_t tableId_;
  std::mutex mutex_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> freeSlots_;
  size_t live_ = 0;
};

}  // namespace irpfs::inproc::detail

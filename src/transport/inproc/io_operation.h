// Internal to inproc: one IRP in flight for a file object, and the bookkeeping that lets
// CancelIo / CancelIoEx find it and cancel it without racing its completion.
//
// Lifetime of an IoOperation (the Irp lives inside it, so the IRP's storage goes when the
// operation does): the originator fills it and sends the IRP; the I/O manager's
// originator completion (OnIrpComplete) is the last time core touches the IRP. A
// canceller may be inside IoCancelIrp on another thread at that moment, so the operation
// is only finished when both the IRP is complete and no canceller still holds it
// ("holds" below). Whoever drops the last hold runs the finish step: for a synchronous
// call that wakes the waiting thread; for an overlapped one it copies results back,
// fills the Overlapped, runs its completion routine and signals its event.
//
// Lock order: OpenFile::listMutex is a leaf; no IRP is sent and no cancel routine runs
// while it is held. OpenFile::syncIoMutex (held by synchronous I/O for the whole call)
// comes before it.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "core/file_object.h"
#include "core/irp.h"

namespace irpfs::inproc {

class Overlapped;
using OverlappedCompletionRoutine = void (*)(uint32_t errorCode, uint32_t bytesTransferred,
                                             Overlapped* overlapped);

namespace detail {

struct IoOperation;

// What every handle naming one file object shares (DuplicateHandle copies point here):
// the file object, the lock that serializes synchronous I/O on it (NT's file object
// lock, which makes the file position meaningful) and the I/O in flight on it.
struct OpenFile {
  FileObject* fileObject = nullptr;
  bool synchronous = true;  // opened without FILE_FLAG_OVERLAPPED
  bool directory = false;
  uint32_t transferFlags = 0;  // rw_flag:: bits implied by the open's flags
  std::mutex syncIoMutex;

  std::mutex listMutex;
  IoOperation* inFlight = nullptr;  // intrusive list, guarded by listMutex
};

struct IoOperation {
  Irp irp;
  Mdl mdl;

  std::shared_ptr<OpenFile> file;          // keeps the list alive while the IRP is in flight
  DeviceObject* target = nullptr;          // the top of the stack when the IRP was built
  FileObject* referencedObject = nullptr;  // one pointer reference for the IRP's life
  pid_t thread = 0;                        // the issuing thread, for CancelIo
  Overlapped* overlapped = nullptr;        // null for a synchronous call

  // Post-processing the finish step does before anyone sees the result.
  void* copyBackTo = nullptr;               // buffered read: caller's buffer
  const std::byte* copyBackFrom = nullptr;  // ... and the system buffer holding the data
  uint32_t copyBackLimit = 0;
  bool updatePosition = false;  // synchronous file object: position = offset + bytes
  uint64_t offset = 0;
  OverlappedCompletionRoutine completionRoutine = nullptr;

  // Guarded by file->listMutex.
  IoOperation* next = nullptr;
  IoOperation* prev = nullptr;
  int holds = 0;
  bool irpComplete = false;

  // Synchronous waiters sleep here.
  std::mutex waitMutex;
  std::condition_variable waitCv;
  bool finished = false;

  // The system buffer of buffered I/O and information requests. Grows, never shrinks, so
  // a reused Overlapped does not allocate (synchronous calls borrow a per-thread one).
  std::unique_ptr<std::byte[]> ownBuffer;
  size_t ownBufferSize = 0;
};

}  // namespace detail
}  // namespace irpfs::inproc

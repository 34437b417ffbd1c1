// Internal to inproc: building, sending, waiting for and canceling the IRPs of a client's
// calls (see io_operation.h for the life of one request).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/file_object.h"
#include "core/irp.h"
#include "transport/inproc/io_operation.h"
#include "transport/inproc/overlapped.h"

namespace irpfs::inproc::detail {

// A looked-up file handle holding one pointer reference on its file object until it
// goes out of scope.
struct FileRef {
  FileRef() = default;
  FileRef(const FileRef&) = delete;
  FileRef& operator=(const FileRef&) = delete;
  ~FileRef() {
    if (file != nullptr) ObDereferenceObject(file->fileObject);
  }
  FileObject* fileObject() const { return file->fileObject; }

  std::shared_ptr<OpenFile> file;
  uint32_t grantedAccess = 0;
};

// A synchronous call's operation, on the caller's stack. It borrows the calling thread's
// system buffer for its life, so synchronous buffered I/O does not allocate per call (a
// nested call on the same thread finds the buffer lent out and grows one of its own).
class SyncOperation {
 public:
  SyncOperation();
  SyncOperation(const SyncOperation&) = delete;
  SyncOperation& operator=(const SyncOperation&) = delete;
  ~SyncOperation();
  IoOperation op;
};

Requestor CurrentRequestor();
pid_t CurrentThreadId();

// Readies `op` for a new request on `file` and returns the stack location of the top
// device to fill (major, minor and file object already set).
IoStackLocation* StartRequest(IoOperation& op, const std::shared_ptr<OpenFile>& file,
                              IrpMajor major, uint8_t minor = 0);

// A system buffer of at least `size` bytes owned by `op` (grown, never shrunk).
std::byte* SystemBuffer(IoOperation& op, size_t size);

// The transfer buffer of a read or write in the method the top device asks for
// (DO_BUFFERED_IO: a copy, copied back on completion for reads; DO_DIRECT_IO: an Mdl over
// the caller's buffer; neither: the caller's pointer).
void AttachDataBuffer(IoOperation& op, void* caller, uint32_t length, bool read);

// Sends the request and waits until it is finished (post-processing included). Returns
// the final status. Cancelable through CancelIoEx / CancelSynchronousIo meanwhile.
NtStatus SendAndWait(IoOperation& op);

// Sends the request that lives in `overlapped` (filled through OverlappedAccess::Op).
// Returns what IoCallDriver returned: STATUS_PENDING or the final status.
NtStatus SendOverlapped(Overlapped& overlapped, OverlappedCompletionRoutine routine);

// Sends a filled request synchronously (overlapped == null: `op` is a SyncOperation's)
// or as `overlapped`'s. An overlapped request on a synchronous file object is waited for,
// as Win32 does. Returns the final status, or STATUS_PENDING when the caller is to collect
// the result later; *information is set with the final status.
NtStatus Issue(OpenFile& file, IoOperation& op, Overlapped* overlapped,
               OverlappedCompletionRoutine routine, uint64_t* information);

// Waits for an overlapped request to finish; returns its status and information.
NtStatus WaitOverlapped(Overlapped& overlapped, uint64_t* information);

// Cancels requests in flight on `file`: all of them, those of `thread` (when nonzero), or
// only `overlapped`'s (when non-null). Returns how many were found.
size_t CancelInFlight(OpenFile& file, pid_t thread, const Overlapped* overlapped);

class OverlappedAccess {
 public:
  static IoOperation& Op(Overlapped& overlapped) { return overlapped.op_; }
  // Claims the Overlapped for a new request; false when one is still in flight.
  static bool Claim(Overlapped& overlapped);
  static void Finish(Overlapped& overlapped, NtStatus status, uint64_t information);
  static bool TryResult(Overlapped& overlapped, bool wait, NtStatus* status, uint64_t* information);
};

}  // namespace irpfs::inproc::detail

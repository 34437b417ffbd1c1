#include "transport/inproc/io_dispatch.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/io_manager.h"

namespace irpfs::inproc::detail {
namespace {

struct ThreadBuffer {
  std::unique_ptr<std::byte[]> data;
  size_t size = 0;
};
thread_local ThreadBuffer tBuffer;

void Link(OpenFile& file, IoOperation& op) {
  op.prev = nullptr;
  op.next = file.inFlight;
  if (file.inFlight != nullptr) file.inFlight->prev = &op;
  file.inFlight = &op;
}

void Unlink(OpenFile& file, IoOperation& op) {
  if (op.prev != nullptr) {
    op.prev->next = op.next;
  } else {
    file.inFlight = op.next;
  }
  if (op.next != nullptr) op.next->prev = op.prev;
  op.next = op.prev = nullptr;
}

// What the I/O manager does on the caller's side once the IRP is complete: copy buffered
// read data back, move a synchronous file object's position.
void PostProcess(IoOperation& op) {
  const IoStatusBlock& io = op.irp.ioStatus;
  if (op.copyBackTo != nullptr && !NtError(io.status)) {
    size_t bytes = std::min<uint64_t>(io.information, op.copyBackLimit);
    if (bytes > 0) std::memcpy(op.copyBackTo, op.copyBackFrom, bytes);
  }
  if (op.updatePosition && NtSuccess(io.status)) {
    op.file->fileObject->currentByteOffset = op.offset + io.information;
  }
}

// Runs once per request, when the IRP is complete and no canceller holds it. After it
// returns the operation (and an Overlapped holding it) may be gone.
void FinishOperation(IoOperation& op) {
  PostProcess(op);
  if (op.overlapped == nullptr) {
    std::lock_guard lock(op.waitMutex);
    op.finished = true;
    op.waitCv.notify_one();
    return;
  }
  NtStatus status = op.irp.ioStatus.status;
  uint64_t information = op.irp.ioStatus.information;
  FileObject* referenced = op.referencedObject;
  op.referencedObject = nullptr;
  op.file.reset();
  // May send IRP_MJ_CLOSE when the handles are already gone; before the caller is told,
  // so that "complete" means the open is fully released too.
  if (referenced != nullptr) ObDereferenceObject(referenced);
  OverlappedAccess::Finish(*op.overlapped, status, information);
}

void OnIrpComplete(Irp*, void* context) {
  auto* op = static_cast<IoOperation*>(context);
  OpenFile& file = *op->file;
  bool last;
  {
    std::lock_guard lock(file.listMutex);
    Unlink(file, *op);
    op->irpComplete = true;
    last = --op->holds == 0;
  }
  if (last) FinishOperation(*op);
}

void Register(IoOperation& op) {
  std::lock_guard lock(op.file->listMutex);
  op.holds = 1;
  op.irpComplete = false;
  Link(*op.file, op);
}

}  // namespace

SyncOperation::SyncOperation() {
  op.ownBuffer = std::move(tBuffer.data);
  op.ownBufferSize = op.ownBuffer != nullptr ? tBuffer.size : 0;
  tBuffer.size = 0;
}

SyncOperation::~SyncOperation() {
  if (op.ownBufferSize >= tBuffer.size) {
    tBuffer.data = std::move(op.ownBuffer);
    tBuffer.size = op.ownBufferSize;
  }
}

Requestor CurrentRequestor() {
  return Requestor{getpid(), geteuid(), getegid()};
}

pid_t CurrentThreadId() {
  thread_local pid_t tid = gettid();
  return tid;
}

IoStackLocation* StartRequest(IoOperation& op, const std::shared_ptr<OpenFile>& file,
                              IrpMajor major, uint8_t minor) {
  FileObject* fileObject = file->fileObject;
  op.target = IoGetRelatedDeviceObject(fileObject);
  IoInitializeIrp(&op.irp, op.target->stackSize);
  op.mdl = Mdl{};
  op.file = file;
  op.referencedObject = nullptr;
  op.thread = CurrentThreadId();
  op.overlapped = nullptr;
  op.copyBackTo = nullptr;
  op.copyBackFrom = nullptr;
  op.copyBackLimit = 0;
  op.updatePosition = false;
  op.offset = 0;
  op.completionRoutine = nullptr;
  op.finished = false;
  op.irp.requestor = CurrentRequestor();
  op.irp.originalFileObject = fileObject;
  IoStackLocation* location = IoGetNextIrpStackLocation(&op.irp);
  location->majorFunction = major;
  location->minorFunction = minor;
  location->fileObject = fileObject;
  return location;
}

std::byte* SystemBuffer(IoOperation& op, size_t size) {
  if (size > op.ownBufferSize) {
    op.ownBuffer.reset(new std::byte[size]);
    op.ownBufferSize = size;
  }
  return op.ownBuffer.get();
}

void AttachDataBuffer(IoOperation& op, void* caller, uint32_t length, bool read) {
  Irp& irp = op.irp;
  if (read) irp.flags |= irp_flag::kInputOperation;
  if (op.target->flags & do_flag::kBufferedIo) {
    std::byte* system = length > 0 ? SystemBuffer(op, length) : nullptr;
    irp.bufferMethod = BufferMethod::Buffered;
    irp.systemBuffer = system;
    irp.flags |= irp_flag::kBufferAllocated;
    if (read) {
      op.copyBackTo = caller;
      op.copyBackFrom = system;
      op.copyBackLimit = length;
    } else if (length > 0) {
      std::memcpy(system, caller, length);
    }
  } else if (op.target->flags & do_flag::kDirectIo) {
    irp.bufferMethod = BufferMethod::Direct;
    op.mdl = Mdl{static_cast<std::byte*>(caller), length};
    irp.mdlAddress = length > 0 ? &op.mdl : nullptr;
  } else {
    irp.bufferMethod = BufferMethod::Neither;
    irp.userBuffer = caller;
  }
}

NtStatus SendAndWait(IoOperation& op) {
  op.overlapped = nullptr;
  op.irp.flags |= irp_flag::kSynchronousApi;
  Register(op);
  IoSetOriginatorCompletion(&op.irp, OnIrpComplete, &op);
  IoCallDriver(op.target, &op.irp);
  std::unique_lock lock(op.waitMutex);
  op.waitCv.wait(lock, [&] { return op.finished; });
  return op.irp.ioStatus.status;
}

NtStatus SendOverlapped(Overlapped& overlapped, OverlappedCompletionRoutine routine) {
  IoOperation& op = OverlappedAccess::Op(overlapped);
  op.overlapped = &overlapped;
  op.completionRoutine = routine;
  // The request keeps the open alive on its own: the handle may close before it ends.
  ObReferenceObject(op.file->fileObject);
  op.referencedObject = op.file->fileObject;
  Register(op);
  IoSetOriginatorCompletion(&op.irp, OnIrpComplete, &op);
  return IoCallDriver(op.target, &op.irp);
}

NtStatus Issue(OpenFile& file, IoOperation& op, Overlapped* overlapped,
               OverlappedCompletionRoutine routine, uint64_t* information) {
  if (overlapped == nullptr) {
    NtStatus status = SendAndWait(op);
    *information = op.irp.ioStatus.information;
    return status;
  }
  NtStatus sent = SendOverlapped(*overlapped, routine);
  if (sent == NtStatus::Pending && !file.synchronous) return NtStatus::Pending;
  return WaitOverlapped(*overlapped, information);
}

NtStatus WaitOverlapped(Overlapped& overlapped, uint64_t* information) {
  NtStatus status;
  OverlappedAccess::TryResult(overlapped, true, &status, information);
  return status;
}

size_t CancelInFlight(OpenFile& file, pid_t thread, const Overlapped* overlapped) {
  std::vector<IoOperation*> victims;
  {
    std::lock_guard lock(file.listMutex);
    for (IoOperation* op = file.inFlight; op != nullptr; op = op->next) {
      if (thread != 0 && op->thread != thread) continue;
      if (overlapped != nullptr && op->overlapped != overlapped) continue;
      ++op->holds;  // keeps the IRP's storage alive through IoCancelIrp
      victims.push_back(op);
    }
  }
  // Outside the lock: a cancel routine may complete the IRP on this thread, and the
  // completion takes the list lock.
  for (IoOperation* op : victims) IoCancelIrp(&op->irp);
  std::vector<IoOperation*> toFinish;
  {
    std::lock_guard lock(file.listMutex);
    for (IoOperation* op : victims) {
      if (--op->holds == 0) toFinish.push_back(op);
    }
  }
  for (IoOperation* op : toFinish) FinishOperation(*op);
  return victims.size();
}

// ---- Overlapped.

bool OverlappedAccess::Claim(Overlapped& overlapped) {
  std::lock_guard lock(overlapped.mutex_);
  if (overlapped.inFlight_) return false;
  overlapped.inFlight_ = true;
  overlapped.status_ = NtStatus::Pending;
  overlapped.information_ = 0;
  if (overlapped.event != nullptr) {
    overlapped.event->Reset();
    overlapped.eventInFlight_ = *overlapped.event;
  } else {
    overlapped.eventInFlight_.reset();
  }
  return true;
}

void OverlappedAccess::Finish(Overlapped& overlapped, NtStatus status, uint64_t information) {
  OverlappedCompletionRoutine routine = overlapped.op_.completionRoutine;
  if (routine != nullptr) {
    routine(StatusToWin32(status), static_cast<uint32_t>(information), &overlapped);
  }
  std::optional<Event> event;
  {
    std::lock_guard lock(overlapped.mutex_);
    overlapped.status_ = status;
    overlapped.information_ = information;
    overlapped.inFlight_ = false;
    event = std::move(overlapped.eventInFlight_);
    overlapped.eventInFlight_.reset();
    overlapped.cv_.notify_all();
  }
  // Our own copy of the event: the Overlapped may already be gone here.
  if (event.has_value()) event->Set();
}

bool OverlappedAccess::TryResult(Overlapped& overlapped, bool wait, NtStatus* status,
                                 uint64_t* information) {
  std::unique_lock lock(overlapped.mutex_);
  if (overlapped.inFlight_ && !wait) return false;
  overlapped.cv_.wait(lock, [&] { return !overlapped.inFlight_; });
  *status = overlapped.status_;
  if (information != nullptr) *information = overlapped.information_;
  return true;
}

}  // namespace irpfs::inproc::detail

namespace irpfs::inproc {

NtStatus Overlapped::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

uint64_t Overlapped::information() const {
  std::lock_guard lock(mutex_);
  return information_;
}

bool HasOverlappedIoCompleted(const Overlapped& overlapped) {
  return overlapped.status() != NtStatus::Pending;
}

}  // namespace irpfs::inproc

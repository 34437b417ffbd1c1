// File object lifetime: handles drive IRP_MJ_CLEANUP, references drive IRP_MJ_CLOSE.
#include "core/file_object.h"

#include "core/io_manager.h"
#include "core/lookaside.h"

namespace irpfs {
namespace {

using FileObjectLookaside = ThreadLookaside<FileObject, 4>;

// Sends a CLEANUP or CLOSE for `fileObject` to the top of its stack and waits for it.
// Once per open, and a FUSE LOOKUP is an open: IoAllocateIrp's lookaside keeps it cheap.
void SendLifetimeIrp(FileObject* fileObject, IrpMajor major) {
  DeviceObject* top = IoGetRelatedDeviceObject(fileObject);
  if (top == nullptr) return;
  Irp* irp = IoAllocateIrp(top->stackSize);
  irp->requestor = fileObject->opener;
  irp->originalFileObject = fileObject;
  irp->flags = irp_flag::kSynchronousApi;
  IoStackLocation* location = IoGetNextIrpStackLocation(irp);
  location->majorFunction = major;
  location->fileObject = fileObject;
  IoCallDriverSynchronous(top, irp);
  IoFreeIrp(irp);
}

}  // namespace

FileObject* IoCreateFileObject(DeviceObject* volumeDevice) {
  FileObject* fileObject = FileObjectLookaside::New();
  fileObject->deviceObject = volumeDevice;
  return fileObject;
}

DeviceObject* IoGetRelatedDeviceObject(const FileObject* fileObject) {
  return IoGetAttachedDevice(fileObject->deviceObject);
}

void ObReferenceObject(FileObject* fileObject) {
  fileObject->pointerCount.fetch_add(1, std::memory_order_relaxed);
}

void ObDereferenceObject(FileObject* fileObject) {
  // acq_rel: every other holder's writes to the object happen before the CLOSE and the
  // delete that the last one performs.
  int32_t before = fileObject->pointerCount.fetch_sub(1, std::memory_order_acq_rel);
  if (before > 1) return;
  if (fileObject->flags & fo_flag::kOpened) SendLifetimeIrp(fileObject, IrpMajor::Close);
  FileObject* related = fileObject->relatedFileObject;
  FileObjectLookaside::Delete(fileObject);
  if (related != nullptr) ObDereferenceObject(related);
}

void ObOpenHandle(FileObject* fileObject) {
  fileObject->handleCount.fetch_add(1, std::memory_order_relaxed);
  ObReferenceObject(fileObject);
}

void ObCloseHandle(FileObject* fileObject) {
  int32_t before = fileObject->handleCount.fetch_sub(1, std::memory_order_acq_rel);
  if (before == 1 && (fileObject->flags & fo_flag::kOpened)) {
    SendLifetimeIrp(fileObject, IrpMajor::Cleanup);
    fileObject->flags.fetch_or(fo_flag::kCleanupComplete, std::memory_order_relaxed);
  }
  ObDereferenceObject(fileObject);
}

}  // namespace irpfs

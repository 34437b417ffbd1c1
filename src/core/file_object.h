// FileObject: one open of a file (NT's FILE_OBJECT), and the counts that separate
// IRP_MJ_CLEANUP from IRP_MJ_CLOSE.
//
// handleCount counts the handles that name this open (CreateFile, DuplicateHandle); when
// the last one closes, the I/O manager sends IRP_MJ_CLEANUP. pointerCount counts every
// reference, handles and IRPs in flight included; when it drops to zero the I/O manager
// sends IRP_MJ_CLOSE and frees the object. So a read still in flight when the handle
// closes sees CLEANUP first and CLOSE only after it completes.
//
// FsContext is the file system's per-file state (the FCB, shared by every open of the
// file); FsContext2 its per-open state (the CCB).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/irp.h"

namespace irpfs {

class DeviceObject;

namespace fo_flag {
inline constexpr uint32_t kSynchronousIo = 0x00000002;
inline constexpr uint32_t kNoIntermediateBuffering = 0x00000008;
inline constexpr uint32_t kWriteThrough = 0x00000010;
inline constexpr uint32_t kSequentialOnly = 0x00000020;
inline constexpr uint32_t kCleanupComplete = 0x00004000;
inline constexpr uint32_t kRandomAccess = 0x00100000;
inline constexpr uint32_t kDeleteOnClose = 0x00010000;  // irpfs: create asked for it
inline constexpr uint32_t kOpened = 0x00020000;         // create succeeded: CLOSE is owed
inline constexpr uint32_t kDirectory = 0x00040000;      // irpfs: opened a directory
}  // namespace fo_flag

class FileObject {
 public:
  // The volume device the open was made on; I/O goes to the top of its stack.
  DeviceObject* deviceObject = nullptr;
  std::string fileName;  // as the create gave it; relative to relatedFileObject if set
  FileObject* relatedFileObject = nullptr;  // referenced while this object lives

  void* fsContext = nullptr;   // FCB
  void* fsContext2 = nullptr;  // CCB
  // fo_flag:: bits. Atomic because not all are fixed at open: kCleanupComplete is set by
  // the thread closing the last handle while IRPs still in flight on other threads (they
  // hold references) may read the word, as a driver checking kWriteThrough does.
  std::atomic<uint32_t> flags{0};
  uint32_t grantedAccess = 0;
  uint32_t shareAccess = 0;
  bool readAccess = false, writeAccess = false, deleteAccess = false;
  bool sharedRead = false, sharedWrite = false, sharedDelete = false;
  bool deletePending = false;
  // For synchronous I/O without an explicit offset. Not atomic: the originator serializes
  // every read and write of it per file object (inproc: OpenFile::syncIoMutex, as NT's file
  // object lock); FUSE opens are not synchronous and never touch it.
  uint64_t currentByteOffset = 0;
  Requestor opener;  // who opened it; CLEANUP and CLOSE IRPs carry this

  std::atomic<int32_t> handleCount{0};
  std::atomic<int32_t> pointerCount{1};
};

// A new file object for an open on `volumeDevice`, pointerCount 1, not yet opened.
FileObject* IoCreateFileObject(DeviceObject* volumeDevice);
// The device at the top of the stack the file object's I/O goes to.
DeviceObject* IoGetRelatedDeviceObject(const FileObject* fileObject);

void ObReferenceObject(FileObject* fileObject);
// Drops one reference; at zero sends IRP_MJ_CLOSE (when kOpened) and frees the object.
void ObDereferenceObject(FileObject* fileObject);
// A handle now names the object (adds a handle and a reference).
void ObOpenHandle(FileObject* fileObject);
// The handle is gone: at the last handle sends IRP_MJ_CLEANUP, then drops the reference.
void ObCloseHandle(FileObject* fileObject);

}  // namespace irpfs

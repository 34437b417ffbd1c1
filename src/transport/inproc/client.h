// The in-process client API: Win32's file functions over one volume's device stack.
//
// A Client is bound to a volume device; every path is relative to that volume's root
// ('/' or '\' separate components). Each call builds the IRP Windows's I/O manager would
// build (IRP_MJ_CREATE for CreateFile, IRP_MJ_READ for ReadFile, open + set disposition +
// close for DeleteFile, ...), sends it to the top of the stack and turns the final
// NtStatus into Win32's BOOL-and-GetLastError convention. See README.md next to this file
// for the Win32 -> IRP mapping and where it departs from Windows.
//
// Handles belong to the client that made them; CloseHandle of the last handle of an open
// sends IRP_MJ_CLEANUP, and IRP_MJ_CLOSE follows when no IRP still references the open.
// Destroying a Client closes the handles it still has, so it must go before its volume.
//
// Errors: a call that fails returns false (or kInvalidHandleValue) and sets the calling
// thread's last error and last NtStatus (last_error.h). Arguments are validated before any
// IRP is built: a bad handle, an offset past 2^63-1 or a null buffer with a length fails
// with nothing sent to the driver.
//
// Threads: every method may be called from any thread at once. Synchronous reads and
// writes on one open (handles opened without FILE_FLAG_OVERLAPPED) are serialized, as NT
// serializes I/O on a synchronous file object, which keeps the file position meaningful.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/device.h"
#include "core/fs_info.h"
#include "core/irp.h"
#include "core/status.h"
#include "transport/inproc/last_error.h"
#include "transport/inproc/overlapped.h"
#include "transport/inproc/win32.h"

namespace irpfs::inproc {

namespace detail {
class HandleTable;
struct FileRef;
}  // namespace detail

// WIN32_FIND_DATA, with the whole stat of the entry.
struct FindData {
  std::string fileName;
  uint32_t fileAttributes = 0;
  FileStat stat;
};

struct VolumeInformation {
  std::string volumeName;
  uint32_t serialNumber = 0;
  uint32_t maximumComponentLength = 0;
  uint32_t fileSystemFlags = 0;  // fs_attribute:: bits
  std::string fileSystemName;
};

// NtCreateFile's arguments beyond the path, for callers that want the NT call itself.
struct NtCreateRequest {
  CreateParameters parameters{};
  // The file object is synchronous (FO_SYNCHRONOUS_IO): I/O waits and uses the position.
  bool synchronous = true;
  bool caseSensitive = true;
};

class Client {
 public:
  // `volumeDevice`: any device of the volume's stack; IRPs go to the top of it.
  explicit Client(DeviceObject* volumeDevice);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  DeviceObject* volumeDevice() const { return volumeDevice_; }
  // Handles (file and find) this client has open.
  size_t HandleCount() const;

  // ---- Opening and closing.

  // Win32 dispositions (CREATE_NEW ... TRUNCATE_EXISTING). CREATE_ALWAYS and OPEN_ALWAYS
  // on an existing file succeed with last error ERROR_ALREADY_EXISTS, other successes set
  // ERROR_SUCCESS. `action` (optional) receives the NT CreateAction.
  Handle CreateFile(std::string_view path, uint32_t desiredAccess, uint32_t shareMode,
                    uint32_t creationDisposition, uint32_t flagsAndAttributes,
                    CreateAction* action = nullptr);
  // The same with an NT disposition (FILE_SUPERSEDE included).
  Handle CreateFile(std::string_view path, uint32_t desiredAccess, uint32_t shareMode,
                    CreateDisposition disposition, uint32_t flagsAndAttributes,
                    CreateAction* action = nullptr);
  // NtCreateFile: parameters as given (generic access bits are mapped). ioStatus receives
  // the final status and CreateAction.
  Handle NtCreateFile(std::string_view path, const NtCreateRequest& request,
                      IoStatusBlock* ioStatus = nullptr);

  bool CloseHandle(Handle handle);
  // options: DUPLICATE_SAME_ACCESS (ignore desiredAccess), DUPLICATE_CLOSE_SOURCE.
  // A narrower desiredAccess is allowed; asking for more than the source has is not.
  bool DuplicateHandle(Handle source, Handle* target, uint32_t desiredAccess, uint32_t options);

  // ---- Data.

  // Without an Overlapped: at the file position (synchronous handles only), which moves
  // past the transfer. With one: at overlapped->offset; on an overlapped handle the call
  // returns false with ERROR_IO_PENDING when the driver pends, and the result comes from
  // GetOverlappedResult. A read at or past the end returns true with 0 bytes (sync).
  bool ReadFile(Handle handle, void* buffer, uint32_t length, uint32_t* bytesRead,
                Overlapped* overlapped = nullptr);
  bool WriteFile(Handle handle, const void* buffer, uint32_t length, uint32_t* bytesWritten,
                 Overlapped* overlapped = nullptr);
  // At an explicit offset, waiting for the result whatever kind of handle.
  bool ReadFileAt(Handle handle, void* buffer, uint32_t length, uint64_t offset,
                  uint32_t* bytesRead);
  bool WriteFileAt(Handle handle, const void* buffer, uint32_t length, uint64_t offset,
                   uint32_t* bytesWritten);
  // Overlapped with a completion routine, run on the completing thread.
  bool ReadFileEx(Handle handle, void* buffer, uint32_t length, Overlapped* overlapped,
                  OverlappedCompletionRoutine routine);
  bool WriteFileEx(Handle handle, const void* buffer, uint32_t length, Overlapped* overlapped,
                   OverlappedCompletionRoutine routine);
  // ERROR_IO_INCOMPLETE when !wait and the request is still in flight.
  bool GetOverlappedResult(Handle handle, Overlapped* overlapped, uint32_t* bytesTransferred,
                           bool wait);
  // Cancels the calling thread's requests on the handle's open (IoCancelIrp on each).
  bool CancelIo(Handle handle);
  // Cancels every request on the handle's open, or only `overlapped`'s. ERROR_NOT_FOUND
  // when there was nothing to cancel.
  bool CancelIoEx(Handle handle, Overlapped* overlapped = nullptr);
  // Cancels requests `threadId` (a gettid() value) has in flight on any handle of this
  // client (synchronous ones included). ERROR_NOT_FOUND when none.
  bool CancelSynchronousIo(pid_t threadId);
  bool SetFilePointerEx(Handle handle, int64_t distance, uint64_t* newPosition,
                        uint32_t moveMethod);
  bool FlushFileBuffers(Handle handle);

  // ---- Information.

  bool GetFileInformationByHandle(Handle handle, FileStat* stat);
  // Any query class; `buffer` is the class's struct (fs_info.h).
  bool GetFileInformationByHandleEx(Handle handle, FileInformationClass informationClass,
                                    void* buffer, uint32_t length);
  bool GetFileSizeEx(Handle handle, uint64_t* size);
  // Any set class; `buffer` is the class's struct (fs_info.h).
  bool SetFileInformationByHandle(Handle handle, FileInformationClass informationClass,
                                  const void* buffer, uint32_t length);
  bool SetFileBasicInfo(Handle handle, const FileBasicInfo& info);
  bool SetFileSize(Handle handle, uint64_t endOfFile);
  // SetEndOfFile: the end of file moves to the file position.
  bool SetEndOfFile(Handle handle);
  bool SetFileDisposition(Handle handle, bool deleteFile);
  // newPath is a volume path; with replaceIfExists an existing target is replaced.
  bool SetFileRename(Handle handle, std::string_view newPath, bool replaceIfExists);
  bool SetFilePosixInfo(Handle handle, const FilePosixInfo& info);

  // ---- Names.

  // CreateDirectory with POSIX permission bits for the new directory.
  bool CreateDirectory(std::string_view path, uint32_t mode = 0777);
  bool RemoveDirectory(std::string_view path);
  bool DeleteFile(std::string_view path);
  // flags: MOVEFILE_REPLACE_EXISTING.
  bool MoveFileEx(std::string_view from, std::string_view to, uint32_t flags);

  // "dir/pattern" with * and ?. No match: kInvalidHandleValue with ERROR_FILE_NOT_FOUND.
  Handle FindFirstFile(std::string_view pathAndPattern, FindData* data);
  // ERROR_NO_MORE_FILES at the end.
  bool FindNextFile(Handle find, FindData* data);
  bool FindClose(Handle find);

  // ---- Locks, control, volume.

  // Synchronous lock of [offset, offset + length); ERROR_LOCK_VIOLATION with
  // LOCKFILE_FAIL_IMMEDIATELY when another open holds a conflicting lock.
  bool LockFileEx(Handle handle, uint32_t flags, uint64_t offset, uint64_t length);
  // Overlapped form: the range starts at overlapped->offset; on an overlapped handle a
  // lock that must wait returns ERROR_IO_PENDING.
  bool LockFileEx(Handle handle, uint32_t flags, uint64_t length, Overlapped* overlapped);
  bool UnlockFileEx(Handle handle, uint64_t offset, uint64_t length);

  bool DeviceIoControl(Handle handle, uint32_t ioControlCode, const void* input,
                       uint32_t inputLength, void* output, uint32_t outputLength,
                       uint32_t* bytesReturned, Overlapped* overlapped = nullptr);

  bool GetVolumeInformation(VolumeInformation* info);
  // Free and total bytes of the volume `path` is on.
  bool GetDiskFreeSpaceEx(std::string_view path, uint64_t* freeBytesAvailableToCaller,
                          uint64_t* totalBytes, uint64_t* totalFreeBytes);

 private:
  bool Reference(Handle handle, detail::FileRef* ref);
  bool ReadWrite(Handle handle, IrpMajor major, void* buffer, uint32_t length,
                 const uint64_t* explicitOffset, uint32_t* bytesTransferred, Overlapped* overlapped,
                 OverlappedCompletionRoutine routine);
  bool QueryInformation(const detail::FileRef& ref, FileInformationClass informationClass,
                        void* buffer, uint32_t length);
  bool SetInformation(const detail::FileRef& ref, FileInformationClass informationClass,
                      const void* buffer, uint32_t length);
  bool QueryVolume(const detail::FileRef& ref, FsInformationClass informationClass, void* buffer,
                   uint32_t length);
  bool Lock(Handle handle, uint32_t flags, uint64_t offset, uint64_t length,
            Overlapped* overlapped);
  // Opens `path` for a name operation (delete, rename), applies `step`, closes.
  bool OpenForNameChange(std::string_view path, uint32_t createOptions,
                         bool (Client::*step)(const detail::FileRef&, const void*),
                         const void* argument);
  bool DeleteStep(const detail::FileRef& ref, const void*);
  bool RenameStep(const detail::FileRef& ref, const void* argument);

  DeviceObject* volumeDevice_;
  std::unique_ptr<detail::HandleTable> handles_;
};

}  // namespace irpfs::inproc

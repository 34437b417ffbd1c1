// Client: FindFirstFile / FindNextFile / FindClose over IRP_MN_QUERY_DIRECTORY.
//
// FindFirstFile opens the directory (FILE_LIST_DIRECTORY, FILE_DIRECTORY_FILE, sharing
// everything, as kernel32 does) and asks for a buffer of entries matching the pattern
// with SL_RESTART_SCAN; FindNextFile walks the buffer and asks for the next one when it
// runs out. The directory open lives as long as the find handle.
#include <sys/stat.h>

#include <cstring>

#include "transport/inproc/client.h"
#include "transport/inproc/create.h"
#include "transport/inproc/find_state.h"
#include "transport/inproc/handle_table.h"
#include "transport/inproc/io_dispatch.h"
#include "transport/inproc/path.h"

namespace irpfs::inproc {
namespace {

// Room for a few hundred entries per IRP.
constexpr size_t kFindBufferSize = 64 * 1024;

// Asks the driver for the next buffer of entries. Returns the status; on success the
// buffer holds at least one entry.
NtStatus QueryDirectory(detail::FindState& find, bool restart) {
  detail::SyncOperation sync;
  IoStackLocation* location = detail::StartRequest(
      sync.op, find.directory, IrpMajor::DirectoryControl, minor::kQueryDirectory);
  if (restart) location->flags |= sl::kRestartScan;
  location->parameters.queryDirectory =
      QueryDirectoryParameters{static_cast<uint32_t>(kFindBufferSize),
                               FileInformationClass::FileFullDirectoryInformation, find.pattern, 0};
  if (find.buffer == nullptr) find.buffer.reset(new std::byte[kFindBufferSize]);
  detail::AttachDataBuffer(sync.op, find.buffer.get(), kFindBufferSize, true);
  NtStatus status = detail::SendAndWait(sync.op);
  find.filled = NtSuccess(status) ? sync.op.irp.ioStatus.information : 0;
  find.nextEntry = 0;
  find.bufferHasMore = find.filled >= sizeof(DirEntryHeader);
  if (NtSuccess(status) && !find.bufferHasMore) status = NtStatus::NoMoreFiles;
  return status;
}

void FillFindData(const DirEntryHeader* entry, FindData* data) {
  data->fileName.assign(DirEntryName(entry));
  data->stat = entry->stat;
  uint32_t attributes = entry->stat.attributes;
  if (S_ISDIR(entry->stat.mode)) attributes |= file_attribute::kDirectory;
  if (attributes == 0) attributes = file_attribute::kNormal;
  data->fileAttributes = attributes;
}

// The next entry of the find, querying the driver when the buffer is used up.
NtStatus NextEntry(detail::FindState& find, FindData* data) {
  if (!find.bufferHasMore) {
    if (find.exhausted) return NtStatus::NoMoreFiles;
    NtStatus status = QueryDirectory(find, false);
    if (!NtSuccess(status)) {
      if (status == NtStatus::NoMoreFiles || status == NtStatus::NoSuchFile) {
        find.exhausted = true;
        status = NtStatus::NoMoreFiles;
      }
      return status;
    }
  }
  const auto* entry = reinterpret_cast<const DirEntryHeader*>(find.buffer.get() + find.nextEntry);
  FillFindData(entry, data);
  if (entry->nextEntryOffset == 0 ||
      find.nextEntry + entry->nextEntryOffset + sizeof(DirEntryHeader) > find.filled) {
    find.bufferHasMore = false;
  } else {
    find.nextEntry += entry->nextEntryOffset;
  }
  return NtStatus::Success;
}

}  // namespace

Handle Client::FindFirstFile(std::string_view pathAndPattern, FindData* data) {
  if (data == nullptr) {
    SetLastStatus(NtStatus::InvalidParameter);
    return kInvalidHandleValue;
  }
  std::string directory;
  auto find = std::make_shared<detail::FindState>();
  NtStatus status = detail::SplitSearchPath(pathAndPattern, &directory, &find->pattern);
  if (!NtSuccess(status)) {
    SetLastStatus(status);
    return kInvalidHandleValue;
  }
  {
    detail::ScopedOpen open;
    if (!open.Open(volumeDevice_, directory, access::kReadData | access::kSynchronize, share::kAll,
                   create_option::kDirectoryFile)) {
      return kInvalidHandleValue;
    }
    find->directory = std::move(open.file);  // the find state closes it from now on
  }
  std::lock_guard lock(find->mutex);
  status = QueryDirectory(*find, true);
  if (status == NtStatus::NoMoreFiles) status = NtStatus::NoSuchFile;  // as kernel32 does
  if (NtSuccess(status)) status = NextEntry(*find, data);
  if (!NtSuccess(status)) {
    SetLastStatus(status);
    return kInvalidHandleValue;
  }
  Handle handle = handles_->InsertFind(find);
  if (handle == kInvalidHandleValue) SetLastStatus(NtStatus::TooManyOpenedFiles);
  return handle;
}

bool Client::FindNextFile(Handle findHandle, FindData* data) {
  std::shared_ptr<detail::FindState> find = handles_->LookupFind(findHandle);
  if (find == nullptr) return SetLastStatus(NtStatus::InvalidHandle);
  if (data == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  std::lock_guard lock(find->mutex);
  NtStatus status = NextEntry(*find, data);
  if (!NtSuccess(status)) return SetLastStatus(status);
  return true;
}

bool Client::FindClose(Handle findHandle) {
  if (handles_->LookupFind(findHandle) == nullptr) {
    return SetLastStatus(NtStatus::InvalidHandle);
  }
  return CloseHandle(findHandle);
}

}  // namespace irpfs::inproc

// NT share access (IoCheckShareAccess / IoUpdateShareAccess / IoRemoveShareAccess).
//
// Only data access counts: FILE_READ_DATA and FILE_EXECUTE are "read", FILE_WRITE_DATA and
// FILE_APPEND_DATA "write", DELETE "delete". An open that asks for none of them (attributes
// or EA only, as `stat` does) takes no share access and is never refused by share modes.
// The caller serializes: the counts live in the FCB and are guarded by the FCB's mutex.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace irpfs {
class FileObject;
}

namespace irpfs::fsclass {

struct ShareAccess {
  uint32_t openCount = 0;
  uint32_t readers = 0;
  uint32_t writers = 0;
  uint32_t deleters = 0;
  uint32_t sharedRead = 0;
  uint32_t sharedWrite = 0;
  uint32_t sharedDelete = 0;
};

// What one open asks for, in share terms.
struct ShareRequest {
  bool read = false, write = false, del = false;
  bool shareRead = false, shareWrite = false, shareDelete = false;
  bool Counts() const { return read || write || del; }
};

ShareRequest MakeShareRequest(uint32_t grantedAccess, uint32_t shareAccess);

// STATUS_SHARING_VIOLATION when the open conflicts with those already counted.
NtStatus CheckShareAccess(const ShareRequest& request, const ShareAccess& current);
void AddShareAccess(const ShareRequest& request, ShareAccess* current);
void RemoveShareAccess(const ShareRequest& request, ShareAccess* current);

// The request as recorded in an opened file object (readAccess, sharedRead, ...).
ShareRequest ShareRequestOf(const FileObject& fileObject);
void RecordShareRequest(const ShareRequest& request, FileObject* fileObject);

}  // namespace irpfs::fsclass

#include "fsclass/share_access.h"

#include "core/file_object.h"
#include "core/irp_codes.h"

namespace irpfs::fsclass {

ShareRequest MakeShareRequest(uint32_t grantedAccess, uint32_t shareAccess) {
  ShareRequest r;
  r.read = (grantedAccess & (access::kReadData | access::kExecute)) != 0;
  r.write = (grantedAccess & (access::kWriteData | access::kAppendData)) != 0;
  r.del = (grantedAccess & access::kDelete) != 0;
  r.shareRead = (shareAccess & share::kRead) != 0;
  r.shareWrite = (shareAccess & share::kWrite) != 0;
  r.shareDelete = (shareAccess & share::kDelete) != 0;
  return r;
}

NtStatus CheckShareAccess(const ShareRequest& r, const ShareAccess& c) {
  if (!r.Counts()) return NtStatus::Success;
  // What this open wants must be shared by every earlier open...
  if ((r.read && c.sharedRead < c.openCount) || (r.write && c.sharedWrite < c.openCount) ||
      (r.del && c.sharedDelete < c.openCount)) {
    return NtStatus::SharingViolation;
  }
  // ...and what earlier opens hold must be shared by this one.
  if ((c.readers && !r.shareRead) || (c.writers && !r.shareWrite) ||
      (c.deleters && !r.shareDelete)) {
    return NtStatus::SharingViolation;
  }
  return NtStatus::Success;
}

void AddShareAccess(const ShareRequest& r, ShareAccess* c) {
  if (!r.Counts()) return;
  ++c->openCount;
  c->readers += r.read;
  c->writers += r.write;
  c->deleters += r.del;
  c->sharedRead += r.shareRead;
  c->sharedWrite += r.shareWrite;
  c->sharedDelete += r.shareDelete;
}

void RemoveShareAccess(const ShareRequest& r, ShareAccess* c) {
  if (!r.Counts()) return;
  --c->openCount;
  c->readers -= r.read;
  c->writers -= r.write;
  c->deleters -= r.del;
  c->sharedRead -= r.shareRead;
  c->sharedWrite -= r.shareWrite;
  c->sharedDelete -= r.shareDelete;
}

ShareRequest ShareRequestOf(const FileObject& fo) {
  ShareRequest r;
  r.read = fo.readAccess;
  r.write = fo.writeAccess;
  r.del = fo.deleteAccess;
  r.shareRead = fo.sharedRead;
  r.shareWrite = fo.sharedWrite;
  r.shareDelete = fo.sharedDelete;
  return r;
}

void RecordShareRequest(const ShareRequest& r, FileObject* fo) {
  fo->readAccess = r.read;
  fo->writeAccess = r.write;
  fo->deleteAccess = r.del;
  fo->sharedRead = r.shareRead;
  fo->sharedWrite = r.shareWrite;
  fo->sharedDelete = r.shareDelete;
}

}  // namespace irpfs::fsclass

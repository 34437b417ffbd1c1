// Directory enumeration: getdents64 on a fresh descriptor of the directory, resuming at the
// host's own d_off cookies (stable while the directory changes, as the class driver
// requires). When the filler needs full attributes (FileFullDirectoryInformation, FUSE
// readdirplus) each entry gets a statx so no further lookups are needed; otherwise
// (plain READDIR) d_ino and d_type answer, and only directories and entries of unknown
// type are statted (see NeedsStatx).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "drivers/mirror/host_calls.h"
#include "drivers/mirror/mirror.h"

namespace irpfs::mirror {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

// The record getdents64 fills (struct linux_dirent64; glibc declares no such type).
struct HostDirent {
  uint64_t ino;
  int64_t off;
  uint16_t reclen;
  uint8_t type;
  char name[1];
};

// One buffer per thread: enumeration allocates nothing once warm.
alignas(8) thread_local char direntBuffer[32 * 1024];

bool IsDotOrDotDot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

// Whether an entry needs a statx when the filler wants only fileId and type. A directory
// may be a host mount point, whose d_ino is the covered inode, not the root a stat
// reports; DT_UNKNOWN (some host file systems) has no type. Other entries take d_ino
// and d_type as they are (a file bind-mounted over another shows the covered inode,
// exactly as the host's own getdents does).
bool NeedsStatx(bool fullStat, uint8_t type) {
  return fullStat || type == DT_DIR || type == DT_UNKNOWN;
}

}  // namespace

NtStatus MirrorFs::FindFiles(const OperationContext& ctx, NodeRef dirRef, uint64_t afterCookie,
                             fsclass::DirectoryFiller& filler) {
  Node* dir = NodeOf(dirRef);
  if (!dir->isDirectory()) return NtStatus::NotADirectory;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  int fd = Reopen(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return host::HostStatus(-fd);
  if (afterCookie != 0 && lseek(fd, static_cast<off_t>(afterCookie), SEEK_SET) < 0) {
    int err = errno;
    close(fd);
    return host::HostStatus(err);
  }
  bool fullStat = filler.NeedsFullStat();
  NtStatus status = NtStatus::Success;
  for (;;) {
    long n = syscall(SYS_getdents64, fd, direntBuffer, sizeof direntBuffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = host::HostStatus(errno);
      break;
    }
    if (n == 0) break;
    bool full = false;
    for (long at = 0; at < n;) {
      auto* entry = reinterpret_cast<HostDirent*>(direntBuffer + at);
      at += entry->reclen;
      if (IsDotOrDotDot(entry->name)) continue;
      FileStat stat;
      struct statx stx;
      if (NeedsStatx(fullStat, entry->type) && host::StatAt(fd, entry->name, &stx) == 0) {
        FillStat(stx, &stat);
      } else {
        // Not needed, gone since, or not searchable by the caller: what the entry says.
        stat.fileId = FileIdOf(dir->dev, entry->ino);
        stat.mode = DTTOIF(entry->type);
      }
      if (!filler.Add(entry->name, static_cast<uint64_t>(entry->off), stat)) {
        full = true;
        break;
      }
    }
    if (full) break;
  }
  close(fd);
  return status;
}

}  // namespace irpfs::mirror

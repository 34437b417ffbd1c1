// Directory enumeration: getdents64 on a host directory stream (dir_stream.h), resuming
// at the host's own d_off cookies (stable while the directory changes, as the class
// driver requires). An open's enumerations share the open's stream, so a listing reads
// the directory once from start to end; a call without an open reads through a fresh
// descriptor seeked to its cookie. When the filler needs full attributes
// (FileFullDirectoryInformation, FUSE readdirplus) each entry gets a statx so no further
// lookups are needed; otherwise (plain READDIR) d_ino and d_type answer, and only
// directories and entries of unknown type are statted (see NeedsStatx).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

#include "drivers/mirror/dir_stream.h"
#include "drivers/mirror/host_calls.h"
#include "drivers/mirror/mirror.h"

namespace irpfs::mirror {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

// The buffer of enumerations without an open: allocates nothing once warm.
alignas(8) thread_local char oneOffBuffer[DirStream::kBufferSize];

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

NtStatus MirrorFs::FindFiles(const OperationContext& ctx, NodeRef dirRef, void* openContext,
                             uint64_t afterCookie, fsclass::DirectoryFiller& filler) {
  Node* dir = NodeOf(dirRef);
  if (!dir->isDirectory()) return NtStatus::NotADirectory;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  auto* open = static_cast<OpenFile*>(openContext);
  DirStream* stream = open != nullptr ? open->directory.get() : nullptr;
  if (stream != nullptr) {
    std::unique_lock lock(stream->mutex);
    // After CLEANUP the open keeps no descriptor; a straggler reads as without an open.
    if (!stream->closed()) {
      NtStatus status = ReadDirectory(dir, *stream, afterCookie, filler,
                                      options_.dirReadAhead ? &open->directory : nullptr);
      // A full reply: the listing goes on, and its next records are read while this
      // reply is on its way and the caller uses it.
      bool readAhead =
          options_.dirReadAhead && status == NtStatus::Success && stream->WantsReadAhead();
      lock.unlock();
      if (readAhead) readAhead_.Queue(open->directory);
      return status;
    }
  }
  DirStream oneOff(oneOffBuffer, sizeof oneOffBuffer);
  return ReadDirectory(dir, oneOff, afterCookie, filler);
}

NtStatus MirrorFs::ReadDirectory(Node* dir, DirStream& stream, uint64_t afterCookie,
                                 fsclass::DirectoryFiller& filler,
                                 const std::shared_ptr<DirStream>* readAheadOf) {
  if (!stream.open()) {
    // Opened at the first enumeration, as the caller making it: the host checks that
    // caller's permission to read the directory, as it did before there were streams.
    int fd = Reopen(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return host::HostStatus(-fd);
    stream.Adopt(fd);
  }
  if (!stream.ContinuesAt(afterCookie)) {
    if (int r = stream.Seek(afterCookie); r < 0) return host::HostStatus(-r);
  }
  bool fullStat = filler.NeedsFullStat();
  // A reply with a statx per entry (READDIRPLUS) takes several times as long as the
  // host's read of the next batch: a long listing's read-ahead starts at once rather than
  // after the reply.
  bool startEarly = fullStat && readAheadOf != nullptr;
  int error = 0;
  while (const HostDirent* entry = stream.Peek(&error)) {
    if (startEarly) {
      startEarly = false;
      if (stream.LastBatchFilled() && stream.WantsReadAhead()) readAhead_.Queue(*readAheadOf);
    }
    if (IsDotOrDotDot(entry->name)) {
      stream.Consume(false);
      continue;
    }
    FileStat stat;
    struct statx stx;
    if (NeedsStatx(fullStat, entry->type) && host::StatAt(stream.fd(), entry->name, &stx) == 0) {
      FillStat(stx, &stat);
    } else {
      // Not needed, gone since, or not searchable by the caller: what the entry says.
      stat.fileId = FileIdOf(dir->dev, entry->ino);
      stat.mode = DTTOIF(entry->type);
    }
    // A full filler leaves the entry buffered: the next call starts with it.
    if (!filler.Add(entry->name, static_cast<uint64_t>(entry->off), stat)) break;
    stream.Consume(true);
  }
  return error == 0 ? NtStatus::Success : host::HostStatus(error);
}

}  // namespace irpfs::mirror

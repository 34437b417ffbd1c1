// READDIR and READDIRPLUS: IRP_MN_QUERY_DIRECTORY resumed at the FUSE offset, packed
// into fuse_dirent / fuse_direntplus records. Readdirplus entries are lookups the kernel
// will forget, so each one that goes out has a node (docs/fuse-mapping.md).
#include <algorithm>
#include <cstring>
#include <utility>

#include "core/io_manager.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/dispatcher_irps.h"
#include "transport/fuse/dispatcher_operation.h"

namespace irpfs::fuse {

using detail::kStaleHandle;
using detail::Next;
using detail::Operation;
using detail::OpKind;

namespace {

// How big a query buffer to ask the driver to fill for a reply of `replySize` bytes:
// enough for every entry that fits the reply, and little more (entries packed beyond it
// are not lost, the next READDIR resumes after the last one sent, but the driver did
// their work for nothing). A READDIR record (DirEntryIdHeader + name) is always exactly
// 8 bytes longer than the fuse_dirent it becomes, so the reply's size plus 8 bytes per
// entry that could fit it (one-byte names, the most) is enough; for the usual names it
// overshoots by a few percent. A READDIRPLUS record (DirEntryHeader + name) is never
// longer than its fuse_direntplus: the reply's size is enough, and a larger buffer would
// have the driver stat entries that cannot be sent.
constexpr size_t kIdRecordOverDirent = DirEntryIdSize(1) - DirentSize(1);
static_assert(DirEntryIdSize(8) - DirentSize(8) == kIdRecordOverDirent &&
              DirEntryIdSize(255) - DirentSize(255) == kIdRecordOverDirent);
static_assert(DirEntrySize(1) <= DirentplusSize(1) && DirEntrySize(255) <= DirentplusSize(255));

size_t QueryBufferSize(bool plus, size_t replySize) {
  if (plus) return replySize;
  return replySize + replySize / DirentSize(1) * kIdRecordOverDirent;
}

constexpr size_t kMinScratch = 4096;  // the smallest READDIR the kernel sends
constexpr size_t kMaxScratch = 1024 * 1024;

// readdirplus progress for the record at op.dirNext.
enum DirState : int { kNoIrp = 0, kOpening = 1, kStatting = 2 };

bool IsDotOrDotDot(std::string_view name) {
  return name == "." || name == "..";
}

uint32_t DirentType(uint32_t mode) {
  return (mode & 0170000u) >> 12;
}

// The record at `offset` of the query's output, bounds-checked against `end`.
template <class Header>
bool ReadRecord(const Operation& op, size_t offset, size_t end, Header* header,
                std::string_view* name) {
  if (offset + sizeof(Header) > end) return false;
  std::memcpy(header, op.scratch.data() + offset, sizeof *header);
  if (offset + sizeof(Header) + header->nameLength > end) return false;
  *name = {reinterpret_cast<const char*>(op.scratch.data() + offset + sizeof(Header)),
           header->nameLength};
  return !name->empty();
}

// The offset of the record after the one at `offset`, or `end` after the last.
template <class Header>
size_t NextRecord(const Header& header, size_t offset, size_t end) {
  return header.nextEntryOffset == 0 ? end : offset + header.nextEntryOffset;
}

}  // namespace

void DispatcherImpl::Readdir(const RequestContext& ctx, const fuse_read_in& in, Reply reply) {
  QueryDirectory(OpKind::kReaddir, ctx, in, std::move(reply));
}

void DispatcherImpl::Readdirplus(const RequestContext& ctx, const fuse_read_in& in, Reply reply) {
  QueryDirectory(OpKind::kReaddirplus, ctx, in, std::move(reply));
}

void DispatcherImpl::QueryDirectory(OpKind kind, const RequestContext& ctx, const fuse_read_in& in,
                                    Reply reply) {
  Operation* op = Begin(kind, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  std::span<std::byte> out = op->reply.AcquireBuffer(in.size);
  if (out.size() < in.size) return FailEarly(op, NtStatus::InsufficientResources);
  op->out = out.first(in.size);
  op->writer = DirentWriter(op->out);

  bool plus = kind == OpKind::kReaddirplus;
  size_t want = std::clamp<size_t>(QueryBufferSize(plus, in.size), kMinScratch, kMaxScratch);
  // Grows once per record; a reused record keeps its size, so this does not allocate.
  // The query gets `want` bytes, not all the record has: a READDIRPLUS in a record grown
  // by a READDIR would otherwise stat five times the entries it can send.
  if (op->scratch.size() < want) op->scratch.resize(want);

  IoStackLocation* location =
      detail::PrepareIrp(*op, op->fo, IrpMajor::DirectoryControl, minor::kQueryDirectory);
  QueryDirectoryParameters& query = location->parameters.queryDirectory;
  query.length = static_cast<uint32_t>(want);
  query.fileInformationClass = plus ? FileInformationClass::FileFullDirectoryInformation
                                    : FileInformationClass::FileDirectoryInformation;
  query.fileName = {};
  // The FUSE offset is the cookie (fileIndex) of the last entry the kernel received.
  query.fileIndex = in.offset;
  location->flags = sl::kIndexSpecified;
  if (in.offset == 0) location->flags |= sl::kRestartScan;
  op->irp.bufferMethod = BufferMethod::Buffered;
  op->irp.systemBuffer = op->scratch.data();
  Start(op);
}

Next DispatcherImpl::StepReaddir(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  bool exhausted = status == NtStatus::NoMoreFiles || status == NtStatus::NoMoreEntries;
  if (!NtSuccess(status) && !exhausted) return Fail(op, status);
  if (!exhausted) {
    size_t end = std::min<size_t>(op.irp.ioStatus.information, op.scratch.size());
    DirEntryIdHeader header;
    std::string_view name;
    for (size_t at = 0; at < end && ReadRecord(op, at, end, &header, &name);
         at = NextRecord(header, at, end)) {
      if (!op.writer.Add(name, header.fileId, DirentType(header.mode), header.fileIndex)) {
        break;
      }
    }
  }
  ReleaseHeld(op);
  op.reply.Buffer(op.writer.used());
  return Next::kDone;
}

Next DispatcherImpl::StepReaddirplus(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (op.step == 1) {
    op.step = 2;
    bool exhausted = status == NtStatus::NoMoreFiles || status == NtStatus::NoMoreEntries;
    if (!NtSuccess(status) && !exhausted) return Fail(op, status);
    op.dirNext = 0;
    op.dirEnd = exhausted ? 0 : std::min<size_t>(op.irp.ioStatus.information, op.scratch.size());
    op.dirState = kNoIrp;
  }

  size_t room = op.out.size();
  DirEntryHeader header;
  std::string_view name;
  while (op.dirNext < op.dirEnd && ReadRecord(op, op.dirNext, op.dirEnd, &header, &name)) {
    // Count nothing for an entry that does not fit: it is not sent.
    if (op.dirState == kNoIrp && op.writer.used() + DirentplusSize(name.size()) > room) break;
    fuse_entry_out entry{};
    switch (op.dirState) {
      case kNoIrp: {
        NodeEntry known;
        if (IsDotOrDotDot(name)) {
          // The kernel takes no reference on "." and ".." (fuse_direntplus_link skips
          // them), so they go out without a node.
          entry.attr = detail::ToFuseAttr(header.stat);
        } else if (nodes_.AddLookupByFileId(header.stat.fileId, &known)) {
          entry = EntryOut(known, header.stat);
        } else {
          detail::PrepareCreate(op, volume_, op.fo, name, nodeAccess_, CreateDisposition::Open,
                                create_option::kOpenReparsePoint);
          op.dirState = kOpening;
          return Next::kSend;
        }
        break;
      }
      case kOpening:
        if (NtSuccess(status)) {
          // Stat the open, not the record: the name may have moved to another file since
          // the enumeration, and the node must describe what was opened.
          op.opened2 = std::exchange(op.created, nullptr);
          detail::PrepareQueryStat(op, op.opened2);
          op.dirState = kStatting;
          return Next::kSend;
        }
        // The name went away meanwhile: send it without a node; a later LOOKUP decides.
        entry.attr = detail::ToFuseAttr(header.stat);
        break;
      case kStatting:
        if (NtSuccess(status)) {
          RememberResult remembered = nodes_.Remember(op.stat.fileId, op.opened2);
          if (remembered.adopted) op.opened2 = nullptr;
          entry = EntryOut(remembered.entry, op.stat);
        } else {
          entry.attr = detail::ToFuseAttr(header.stat);
        }
        if (op.opened2 != nullptr) stack_->CloseHandle(std::exchange(op.opened2, nullptr));
        break;
    }
    op.dirState = kNoIrp;
    // Fits: checked before the node was counted.
    op.writer.AddPlus(name, entry, DirentType(entry.attr.mode), header.fileIndex);
    op.dirNext = NextRecord(header, op.dirNext, op.dirEnd);
  }
  ReleaseHeld(op);
  op.reply.Buffer(op.writer.used());
  return Next::kDone;
}

}  // namespace irpfs::fuse

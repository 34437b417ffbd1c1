// IRP_MJ_QUERY_EA / IRP_MJ_SET_EA: extended attributes are POSIX xattrs, by name.
//
// QUERY_EA: name = the xattr (getxattr), or empty for the NUL-separated list (listxattr).
// A zero-length query is a size probe: Success with information = the size. A buffer too
// small is STATUS_BUFFER_TOO_SMALL with information = the size needed (ERANGE).
// SET_EA: name, value = the IRP's buffer (length bytes), flags = ea_flag:: bits.
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

NtStatus DispatchQueryEa(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  if (!NtSuccess(s)) return IoCompleteWith(irp, s);
  const EaParameters& p = IoGetCurrentIrpStackLocation(irp)->parameters.queryEa;
  void* buffer = p.length ? IoGetIrpBuffer(irp) : nullptr;
  if (p.length && buffer == nullptr) return IoCompleteWith(irp, NtStatus::InvalidUserBuffer);
  OperationContext ctx = ContextOf(irp);
  MiniFileSystem& mini = open.volume->mini();
  uint32_t size = 0;
  s = Guarded([&] {
    return p.name.empty()
               ? mini.ListEa(ctx, open.fcb->node, static_cast<char*>(buffer), p.length, &size)
               : mini.GetEa(ctx, open.fcb->node, p.name, buffer, p.length, &size);
  });
  bool tooSmall = s == NtStatus::BufferOverflow || s == NtStatus::BufferTooSmall ||
                  (NtSuccess(s) && size > p.length);
  if (tooSmall) {
    return IoCompleteWith(irp, p.length == 0 ? NtStatus::Success : NtStatus::BufferTooSmall, size);
  }
  return IoCompleteWith(irp, s, NtSuccess(s) ? size : 0);
}

NtStatus DispatchSetEa(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  if (!NtSuccess(s)) return IoCompleteWith(irp, s);
  const EaParameters& p = IoGetCurrentIrpStackLocation(irp)->parameters.setEa;
  if (p.name.empty()) return IoCompleteWith(irp, NtStatus::InvalidEaName);
  if (open.volume->options().readOnly) {
    return IoCompleteWith(irp, NtStatus::MediaWriteProtected);
  }
  const void* value = p.length ? IoGetIrpBuffer(irp) : nullptr;
  if (p.length && value == nullptr) return IoCompleteWith(irp, NtStatus::InvalidUserBuffer);
  OperationContext ctx = ContextOf(irp);
  s = Guarded([&] {
    return open.volume->mini().SetEa(ctx, open.fcb->node, p.name, value, p.length, p.flags);
  });
  return IoCompleteWith(irp, s);
}

}  // namespace irpfs::fsclass

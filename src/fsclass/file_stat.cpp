#include "fsclass/file_stat.h"

namespace irpfs::fsclass {

NtStatus StatOf(VolumeContext& volume, const OperationContext& ctx, Fcb* fcb, FileStat* stat) {
  *stat = FileStat{};
  NtStatus s = Guarded([&] { return volume.mini().GetFileInformation(ctx, fcb->node, stat); });
  if (!NtSuccess(s)) return s;
  if (stat->fileId == 0) stat->fileId = fcb->node.fileId;
  if (stat->attributes == 0) {
    stat->attributes = fcb->IsDirectory() ? file_attribute::kDirectory : file_attribute::kNormal;
  }
  std::lock_guard lock(fcb->mutex);
  stat->deletePending = fcb->deletePending;
  return NtStatus::Success;
}

}  // namespace irpfs::fsclass

// Names of IRP function codes, for traces and the drvobj view.
#include "core/irp_codes.h"

namespace irpfs {

std::string_view IrpMajorName(IrpMajor major) {
  static constexpr std::string_view kNames[kIrpMajorCount] = {
      "IRP_MJ_CREATE",
      "IRP_MJ_CREATE_NAMED_PIPE",
      "IRP_MJ_CLOSE",
      "IRP_MJ_READ",
      "IRP_MJ_WRITE",
      "IRP_MJ_QUERY_INFORMATION",
      "IRP_MJ_SET_INFORMATION",
      "IRP_MJ_QUERY_EA",
      "IRP_MJ_SET_EA",
      "IRP_MJ_FLUSH_BUFFERS",
      "IRP_MJ_QUERY_VOLUME_INFORMATION",
      "IRP_MJ_SET_VOLUME_INFORMATION",
      "IRP_MJ_DIRECTORY_CONTROL",
      "IRP_MJ_FILE_SYSTEM_CONTROL",
      "IRP_MJ_DEVICE_CONTROL",
      "IRP_MJ_INTERNAL_DEVICE_CONTROL",
      "IRP_MJ_SHUTDOWN",
      "IRP_MJ_LOCK_CONTROL",
      "IRP_MJ_CLEANUP",
      "IRP_MJ_CREATE_MAILSLOT",
      "IRP_MJ_QUERY_SECURITY",
      "IRP_MJ_SET_SECURITY",
      "IRP_MJ_POWER",
      "IRP_MJ_SYSTEM_CONTROL",
      "IRP_MJ_DEVICE_CHANGE",
      "IRP_MJ_QUERY_QUOTA",
      "IRP_MJ_SET_QUOTA",
      "IRP_MJ_PNP",
      "IRP_MJ_QUERY_OPEN",
  };
  auto index = static_cast<unsigned>(major);
  return index < kIrpMajorCount ? kNames[index] : std::string_view("IRP_MJ_UNKNOWN");
}

std::string_view IrpMinorName(IrpMajor major, uint8_t minorCode) {
  switch (major) {
    case IrpMajor::DirectoryControl:
      switch (minorCode) {
        case minor::kQueryDirectory:
          return "IRP_MN_QUERY_DIRECTORY";
        case minor::kNotifyChangeDirectory:
          return "IRP_MN_NOTIFY_CHANGE_DIRECTORY";
      }
      break;
    case IrpMajor::LockControl:
      switch (minorCode) {
        case minor::kLock:
          return "IRP_MN_LOCK";
        case minor::kUnlockSingle:
          return "IRP_MN_UNLOCK_SINGLE";
        case minor::kUnlockAll:
          return "IRP_MN_UNLOCK_ALL";
        case minor::kUnlockAllByKey:
          return "IRP_MN_UNLOCK_ALL_BY_KEY";
        case minor::kQueryLock:
          return "IRP_MN_QUERY_LOCK";
      }
      break;
    case IrpMajor::FlushBuffers:
      if (minorCode == minor::kFlushDataOnly) return "IRP_MN_FLUSH_DATA_ONLY";
      break;
    case IrpMajor::FileSystemControl:
      switch (minorCode) {
        case minor::kUserFsRequest:
          return "IRP_MN_USER_FS_REQUEST";
        case minor::kMountVolume:
          return "IRP_MN_MOUNT_VOLUME";
      }
      break;
    case IrpMajor::Pnp:
      switch (minorCode) {
        case minor::kStartDevice:
          return "IRP_MN_START_DEVICE";
        case minor::kRemoveDevice:
          return "IRP_MN_REMOVE_DEVICE";
      }
      break;
    default:
      break;
  }
  return "";
}

}  // namespace irpfs

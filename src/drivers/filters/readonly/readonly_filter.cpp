#include "drivers/filters/readonly/readonly_filter.h"

#include "core/file_object.h"
#include "core/filter_device.h"
#include "core/fsctl.h"
#include "core/io_manager.h"
#include "core/volume_stack.h"

namespace irpfs::readonly {
namespace {

constexpr uint32_t kModifyingAccess = access::kWriteData | access::kAppendData | access::kDelete |
                                      access::kDeleteChild | access::kWriteAttributes |
                                      access::kWriteEa | access::kWriteDac | access::kWriteOwner;

// The extension only marks the device as this driver's.
struct ReadonlyDevice {};

bool IsRefusedCreate(const CreateParameters& create) {
  if (access::MapGeneric(create.desiredAccess) & kModifyingAccess) return true;
  if (create.options & create_option::kDeleteOnClose) return true;
  return create.disposition != CreateDisposition::Open &&
         create.disposition != CreateDisposition::OpenIf;
}

// Post-operation hook of a rewritten OpenIf: "it is not there" means "it would be made".
NtStatus OpenIfCompletion(DeviceObject*, Irp* irp, void*) {
  NtStatus status = irp->ioStatus.status;
  if (status == NtStatus::ObjectNameNotFound || status == NtStatus::NoSuchFile) {
    irp->ioStatus.status = NtStatus::MediaWriteProtected;
    irp->ioStatus.information = 0;
  }
  return FltContinueCompletion(irp);
}

// FUSE passthrough would send the open's WRITEs past this filter. Every open it lets
// through is read-only, so only reads can bypass it; but an open made before a live
// attach may have write access, and that one keeps going through the stack.
bool IsRefusedBackingQuery(const Irp* irp, const IoStackLocation& location) {
  if (!FltIsBackingQuery(irp)) return false;
  const FileObject* fileObject = location.fileObject;
  return fileObject == nullptr || fileObject->writeAccess ||
         (fileObject->grantedAccess & kModifyingAccess) != 0;
}

NtStatus ReadonlyDispatch(DeviceObject* device, Irp* irp) {
  IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  if (IsRefused(*location)) return IoCompleteWith(irp, NtStatus::MediaWriteProtected);
  if (IsRefusedBackingQuery(irp, *location)) return IoCompleteWith(irp, NtStatus::NotSupported);
  if (location->majorFunction == IrpMajor::Create &&
      location->parameters.create.disposition == CreateDisposition::OpenIf) {
    FltCopyDown(irp);
    IoGetNextIrpStackLocation(irp)->parameters.create.disposition = CreateDisposition::Open;
    return FltCallLower(device, irp, OpenIfCompletion, nullptr);
  }
  return FltPassDown(device, irp);
}

NtStatus ReadonlyAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  if (const AttachContext* context = IoGetAttachContext(); context && !context->options.empty()) {
    if (context->error != nullptr) *context->error = "readonly: takes no options";
    return NtStatus::InvalidParameter;
  }
  DeviceObject* device = nullptr;
  NtStatus status = FltCreateDevice(driver, physicalDevice, &device);
  if (!NtSuccess(status)) return status;
  device->CreateExtension<ReadonlyDevice>();
  // Data of read-only opens needs no inspection: passthrough may stay on (see above).
  FltAllowBackingPassthrough(device);
  return FltAttachOrDelete(device, physicalDevice);
}

}  // namespace

bool IsRefused(const IoStackLocation& location) {
  switch (location.majorFunction) {
    case IrpMajor::Create:
      return IsRefusedCreate(location.parameters.create);
    case IrpMajor::Write:
    case IrpMajor::SetInformation:
    case IrpMajor::SetEa:
    case IrpMajor::SetVolumeInformation:
    case IrpMajor::SetSecurity:
    case IrpMajor::SetQuota:
      return true;
    case IrpMajor::FileSystemControl:
      // irpfs's own server-side copy writes the destination like a WRITE; other codes
      // are private to their drivers and pass.
      return location.parameters.fileSystemControl.fsControlCode == fsctl::kIrpfsCopyRange;
    default:
      return false;
  }
}

NtStatus ReadonlyDriverEntry(DriverObject* driver, std::string_view parameters) {
  if (!parameters.empty()) return NtStatus::InvalidParameter;
  driver->majorFunction.fill(ReadonlyDispatch);
  driver->addDevice = ReadonlyAddDevice;
  return NtStatus::Success;
}

}  // namespace irpfs::readonly

#include "drivers/filters/trace/trace_filter.h"

#include <time.h>

#include <cstdio>

#include "core/file_object.h"
#include "core/filter_device.h"
#include "core/io_manager.h"
#include "drivers/filters/trace/process_name_cache.h"

namespace irpfs::trace {
namespace {

struct TraceDriverState {
  TraceOptions defaults;
  ProcessNameCache processNames;
  // CLOCK_REALTIME minus CLOCK_MONOTONIC, read once when the driver loads and shared by
  // all its devices: one clock read per record then gives both the duration and the wall
  // time (which thus ignores clock steps after the load), and the records of two stacked
  // trace devices order as their calls did (each device's own reading of the two clocks
  // differed by ~100 ns, enough to put a nested call before the one around it).
  int64_t wallMinusMonotonicNs = 0;
};

struct TraceDeviceState {
  DeviceObject* lower = nullptr;  // where IRPs go next
  std::shared_ptr<TraceLog> log;
  ProcessNameCache* processNames = nullptr;  // the driver's, which outlives its devices
  FixedText<48> lowerName;                   // precomputed: copied into every record
  int64_t wallMinusMonotonicNs = 0;          // the driver's
};

int64_t ClockNs(clockid_t clock) {
  timespec now;
  clock_gettime(clock, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// The start time of an IRP, carried through the completion routine's context pointer.
void* StartToContext(int64_t monotonicNs) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(monotonicNs));
}
int64_t ContextToStart(void* context) {
  return static_cast<int64_t>(reinterpret_cast<uintptr_t>(context));
}

bool IsRenameOrLink(FileInformationClass infoClass) {
  return infoClass == FileInformationClass::FileRenameInformation ||
         infoClass == FileInformationClass::FileRenameInformationEx ||
         infoClass == FileInformationClass::FileLinkInformation;
}

void FillParameters(Irp* irp, const IoStackLocation& location, TraceRecord* record) {
  TraceParameters& p = record->parameters;
  const auto& in = location.parameters;
  p.stackFlags = location.flags;
  switch (location.majorFunction) {
    case IrpMajor::Create:
    case IrpMajor::QueryOpen:
      p.desiredAccess = in.create.desiredAccess;
      p.shareAccess = in.create.shareAccess;
      p.disposition = static_cast<uint32_t>(in.create.disposition);
      p.createOptions = in.create.options;
      p.mode = in.create.mode;
      record->argument.Assign(in.create.symlinkTarget);
      break;
    case IrpMajor::Read:
    case IrpMajor::Write:
      p.offset = in.read.byteOffset;
      p.length = in.read.length;
      p.flags = in.read.flags;
      break;
    case IrpMajor::QueryInformation:
      p.infoClass = static_cast<uint32_t>(in.queryFile.fileInformationClass);
      p.length = in.queryFile.length;
      break;
    case IrpMajor::SetInformation: {
      p.infoClass = static_cast<uint32_t>(in.setFile.fileInformationClass);
      p.length = in.setFile.length;
      const void* buffer = IoGetIrpBuffer(irp);
      if (IsRenameOrLink(in.setFile.fileInformationClass) && buffer != nullptr &&
          in.setFile.length >= sizeof(FileRenameInfo)) {
        record->argument.Assign(static_cast<const FileRenameInfo*>(buffer)->fileName);
      }
      break;
    }
    case IrpMajor::QueryEa:
    case IrpMajor::SetEa:
      p.length = in.queryEa.length;
      p.flags = in.queryEa.flags;
      record->argument.Assign(in.queryEa.name);
      break;
    case IrpMajor::DirectoryControl:
      if (location.minorFunction != minor::kQueryDirectory) break;
      p.infoClass = static_cast<uint32_t>(in.queryDirectory.fileInformationClass);
      p.length = in.queryDirectory.length;
      record->argument.Assign(in.queryDirectory.fileName);
      break;
    case IrpMajor::QueryVolumeInformation:
    case IrpMajor::SetVolumeInformation:
      p.infoClass = static_cast<uint32_t>(in.queryVolume.fsInformationClass);
      p.length = in.queryVolume.length;
      break;
    case IrpMajor::DeviceControl:
    case IrpMajor::InternalDeviceControl:
      p.controlCode = in.deviceIoControl.ioControlCode;
      p.inputLength = in.deviceIoControl.inputBufferLength;
      p.length = in.deviceIoControl.outputBufferLength;
      break;
    case IrpMajor::FileSystemControl:
      p.controlCode = in.fileSystemControl.fsControlCode;
      p.inputLength = in.fileSystemControl.inputBufferLength;
      p.length = in.fileSystemControl.outputBufferLength;
      break;
    case IrpMajor::LockControl:
      p.offset = in.lockControl.byteOffset;
      p.length = in.lockControl.length;
      break;
    default:
      break;
  }
}

// What Down and Up records share.
void FillCommon(TraceDeviceState& state, Irp* irp, const IoStackLocation& location,
                int64_t monotonicNs, TracePhase phase, TraceRecord* record) {
  record->timeNs = monotonicNs + state.wallMinusMonotonicNs;
  record->irpId = reinterpret_cast<uintptr_t>(irp);
  record->phase = phase;
  record->major = location.majorFunction;
  record->minor = location.minorFunction;
  record->requestor = irp->requestor;
  state.processNames->Lookup(irp->requestor.pid, monotonicNs, &record->process);
  record->device = state.lowerName;
  if (location.fileObject != nullptr) record->fileName.Assign(location.fileObject->fileName);
}

NtStatus TraceCompletion(DeviceObject* device, Irp* irp, void* context) {
  // Whoever waits above must learn that this IRP went asynchronous below us.
  if (irp->pendingReturned) IoMarkIrpPending(irp);

  TraceDeviceState* state = device->Extension<TraceDeviceState>();
  int64_t now = ClockNs(CLOCK_MONOTONIC);
  TraceRecord record;
  FillCommon(*state, irp, *IoGetCurrentIrpStackLocation(irp), now, TracePhase::Up, &record);
  int64_t elapsed = now - ContextToStart(context);
  record.durationNs = elapsed > 0 ? static_cast<uint64_t>(elapsed) : 0;
  record.pending = irp->pendingReturned;
  record.status = irp->ioStatus.status;
  record.information = irp->ioStatus.information;
  state->log->Record(record);

  // Any status but MORE_PROCESSING_REQUIRED lets completion go on up. A driver below
  // could complete with that value as its result, which must not make us keep the IRP.
  NtStatus status = irp->ioStatus.status;
  return status == NtStatus::MoreProcessingRequired ? NtStatus::Success : status;
}

NtStatus TraceDispatch(DeviceObject* device, Irp* irp) {
  TraceDeviceState* state = device->Extension<TraceDeviceState>();
  if (state == nullptr) {
    // A device of this driver made by someone else than TraceAttach (a stack builder
    // that creates bare filter devices): it has no log, so it only passes IRPs on.
    if (device->lowerDevice == nullptr) {
      return IoCompleteWith(irp, NtStatus::InvalidDeviceState);
    }
    IoSkipCurrentIrpStackLocation(irp);
    return IoCallDriver(device->lowerDevice, irp);
  }
  IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  int64_t start = ClockNs(CLOCK_MONOTONIC);

  TraceRecord record;
  FillCommon(*state, irp, *location, start, TracePhase::Down, &record);
  FillParameters(irp, *location, &record);
  state->log->Record(record);

  // Trace must see every READ and WRITE, so it keeps FUSE passthrough off for the opens
  // made while it is attached (core/filter_device.h); the refusal shows in the trace.
  if (FltRefusesBackingQuery(device, irp)) {
    record.phase = TracePhase::Up;
    record.status = NtStatus::NotSupported;
    state->log->Record(record);
    return IoCompleteWith(irp, NtStatus::NotSupported);
  }

  IoCopyCurrentIrpStackLocationToNext(irp);
  IoSetCompletionRoutine(irp, TraceCompletion, StartToContext(start), true, true, true);
  // The IRP may be complete (and gone) once this returns: nothing touches it after.
  return IoCallDriver(device->lowerDevice, irp);
}

NtStatus TraceAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  DeviceObject* filter = nullptr;
  return TraceAttach(driver, physicalDevice, {}, &filter);
}

}  // namespace

NtStatus TraceDriverEntry(DriverObject* driver, std::string_view parameters) {
  TraceOptions defaults;
  std::string error;
  NtStatus status = ParseTraceOptions(parameters, &defaults, &error);
  if (!NtSuccess(status)) {
    std::fprintf(stderr, "irpfs: %s\n", error.c_str());
    return status;
  }
  TraceDriverState& state = driver->CreateDriverExtension<TraceDriverState>();
  state.defaults = std::move(defaults);
  state.wallMinusMonotonicNs = ClockNs(CLOCK_REALTIME) - ClockNs(CLOCK_MONOTONIC);
  driver->majorFunction.fill(TraceDispatch);
  driver->addDevice = TraceAddDevice;
  return NtStatus::Success;
}

NtStatus TraceAttach(DriverObject* traceDriver, DeviceObject* volume, std::string_view options,
                     DeviceObject** filter, std::string* error) {
  if (traceDriver == nullptr || volume == nullptr || filter == nullptr) {
    return NtStatus::InvalidParameter;
  }
  *filter = nullptr;
  TraceDriverState* driverState = traceDriver->DriverExtension<TraceDriverState>();
  if (driverState == nullptr) return NtStatus::InvalidParameter;  // not a trace driver

  TraceOptions merged = driverState->defaults;
  NtStatus status = ParseTraceOptions(options, &merged, error);
  if (!NtSuccess(status)) return status;
  std::shared_ptr<TraceLog> log;
  status = TraceLog::Create(merged, &log);
  if (!NtSuccess(status)) {
    if (error != nullptr) *error = "trace: cannot open " + merged.filePath;
    return status;
  }

  DeviceObject* top = IoGetAttachedDevice(volume);
  DeviceObject* device = nullptr;
  // A filter takes on the buffering method of what it sits on, as NT filters do.
  uint32_t flags = top->flags & (do_flag::kBufferedIo | do_flag::kDirectIo);
  status = IoCreateDevice(traceDriver, DeviceType::Filter, "trace:" + top->name(), flags, &device);
  if (!NtSuccess(status)) return status;
  // The state must be complete before the first IRP can arrive, i.e. before attaching.
  TraceDeviceState& state = device->CreateExtension<TraceDeviceState>();
  state.log = std::move(log);
  state.processNames = &driverState->processNames;
  state.wallMinusMonotonicNs = driverState->wallMinusMonotonicNs;
  state.lower = top;
  state.lowerName.Assign(top->name());
  DeviceObject* lower = IoAttachDeviceToDeviceStack(device, top);
  if (lower != top) {
    // Stack full (nullptr), or another device was attached between our look at the top
    // and our attach: we would forward past it, so undo rather than trace a wrong stack.
    if (lower != nullptr) IoDetachDevice(lower);
    IoDeleteDevice(device);
    return NtStatus::InvalidDeviceState;
  }
  *filter = device;
  return NtStatus::Success;
}

void TraceDetach(DeviceObject* filter) {
  if (filter == nullptr || filter->Extension<TraceDeviceState>() == nullptr) return;
  if (filter->lowerDevice != nullptr) IoDetachDevice(filter->lowerDevice);
  IoDeleteDevice(filter);
}

std::shared_ptr<TraceLog> TraceGetLog(const DeviceObject* filter) {
  if (filter == nullptr) return nullptr;
  TraceDeviceState* state = filter->Extension<TraceDeviceState>();
  return state != nullptr ? state->log : nullptr;
}

std::shared_ptr<TraceLog> TraceFindLog(DeviceObject* device) {
  for (DeviceObject* d = IoGetAttachedDevice(device); d != nullptr; d = d->lowerDevice) {
    if (std::shared_ptr<TraceLog> log = TraceGetLog(d)) return log;
  }
  return nullptr;
}

}  // namespace irpfs::trace

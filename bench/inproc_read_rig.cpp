#include "inproc_read_rig.h"

#include <unistd.h>

#include <vector>

#include "core/io_manager.h"
#include "drivers/filters/trace/trace_filter.h"
#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::bench {

constexpr char kFileName[] = "/bench.dat";

InprocReadRig::InprocReadRig(bool withTrace) {
  SetUp(withTrace);
}

bool InprocReadRig::Fail(std::string what) {
  error_ = std::move(what);
  return false;
}

bool InprocReadRig::SetUp(bool withTrace) {
  if (IoCreateDriver("memfs", fsclass::FsClassDriverEntry, "", &memfsDriver_) !=
      NtStatus::Success) {
    return Fail("memfs driver did not load");
  }
  if (fsclass::FsCreateVolume(memfsDriver_, std::make_shared<memfs::MemFs>(), {.name = "memfs0"},
                              &volume_) != NtStatus::Success) {
    return Fail("memfs volume was not created");
  }
  if (withTrace) {
    // The default ring (4096 records) holds every record between two drains of the loop.
    if (IoCreateDriver("trace", trace::TraceDriverEntry, "", &traceDriver_) != NtStatus::Success ||
        trace::TraceAttach(traceDriver_, volume_, "", &traceFilter_) != NtStatus::Success) {
      return Fail("trace filter did not attach");
    }
    traceLog_ = trace::TraceGetLog(traceFilter_);
  }

  client_ = std::make_unique<inproc::Client>(volume_);
  handle_ = client_->CreateFile(kFileName, access::kGenericRead | access::kGenericWrite,
                                share::kAll, inproc::CREATE_ALWAYS, 0);
  if (handle_ == inproc::kInvalidHandleValue) return Fail("CreateFile of the bench file failed");
  std::vector<unsigned char> chunk(64 * 1024);
  for (uint64_t offset = 0; offset < kFileSize; offset += chunk.size()) {
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<unsigned char>(offset + i);
    uint32_t written = 0;
    if (!client_->WriteFileAt(handle_, chunk.data(), static_cast<uint32_t>(chunk.size()), offset,
                              &written) ||
        written != chunk.size()) {
      return Fail("writing the bench file failed");
    }
  }
  if (!OpenFileObject()) return false;
  if (traceLog_) traceLog_->DrainAll();  // the setup's records are not the benchmark's
  return true;
}

// IRP_MJ_CREATE by hand, as the in-process transport builds it, for benchmarks that send
// their own IRPs on a file object.
bool InprocReadRig::OpenFileObject() {
  DeviceObject* stackTop = top();
  FileObject* fileObject = IoCreateFileObject(volume_);
  fileObject->fileName = kFileName;
  fileObject->opener = {getpid(), getuid(), getgid()};
  Irp irp;
  IoInitializeIrp(&irp, stackTop->stackSize);
  irp.requestor = fileObject->opener;
  irp.originalFileObject = fileObject;
  irp.flags = irp_flag::kSynchronousApi;
  IoStackLocation* location = IoGetNextIrpStackLocation(&irp);
  location->majorFunction = IrpMajor::Create;
  location->fileObject = fileObject;
  location->parameters.create = {};
  location->parameters.create.desiredAccess = access::MapGeneric(access::kGenericRead);
  location->parameters.create.shareAccess = share::kAll;
  location->parameters.create.disposition = CreateDisposition::Open;
  location->parameters.create.options = create_option::kNonDirectoryFile;
  if (IoCallDriverSynchronous(stackTop, &irp) != NtStatus::Success) {
    ObDereferenceObject(fileObject);
    return Fail("IRP_MJ_CREATE of the bench file failed");
  }
  fileObject->flags |= fo_flag::kOpened;
  ObOpenHandle(fileObject);
  ObDereferenceObject(fileObject);  // the handle holds its own reference
  fileObject_ = fileObject;
  return true;
}

InprocReadRig::~InprocReadRig() {
  if (fileObject_ != nullptr) ObCloseHandle(fileObject_);  // CLEANUP, then CLOSE
  if (client_ && handle_ != inproc::kInvalidHandleValue) client_->CloseHandle(handle_);
  client_.reset();
  if (traceFilter_ != nullptr) trace::TraceDetach(traceFilter_);
  if (volume_ != nullptr) fsclass::FsDeleteVolume(volume_);
  if (traceDriver_ != nullptr) IoUnloadDriver(traceDriver_);
  if (memfsDriver_ != nullptr) IoUnloadDriver(memfsDriver_);
}

}  // namespace irpfs::bench

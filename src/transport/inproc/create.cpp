// CreateFile and NtCreateFile: the Win32 -> NT translation of an open, and the
// IRP_MJ_CREATE that carries it.
#include "transport/inproc/create.h"

#include <sys/stat.h>

#include "core/io_manager.h"
#include "transport/inproc/handle_table.h"
#include "transport/inproc/path.h"

namespace irpfs::inproc {
namespace detail {
namespace {

// The file object flags the I/O manager derives from the create options.
uint32_t FileObjectFlags(const NtCreateRequest& request) {
  uint32_t options = request.parameters.options;
  uint32_t flags = 0;
  if (request.synchronous) flags |= fo_flag::kSynchronousIo;
  if (options & create_option::kWriteThrough) flags |= fo_flag::kWriteThrough;
  if (options & create_option::kSequentialOnly) flags |= fo_flag::kSequentialOnly;
  if (options & create_option::kNoIntermediateBuffering) {
    flags |= fo_flag::kNoIntermediateBuffering;
  }
  if (options & create_option::kRandomAccess) flags |= fo_flag::kRandomAccess;
  if (options & create_option::kDeleteOnClose) flags |= fo_flag::kDeleteOnClose;
  return flags;
}

}  // namespace

NtStatus OpenFileObject(DeviceObject* volume, std::string_view path, const NtCreateRequest& request,
                        std::shared_ptr<OpenFile>* file, uint32_t* grantedAccess,
                        IoStatusBlock* ioStatus) {
  const CreateParameters& in = request.parameters;
  if (in.shareAccess & ~share::kAll) return NtStatus::InvalidParameter;
  if (static_cast<uint32_t>(in.disposition) >
      static_cast<uint32_t>(CreateDisposition::OverwriteIf)) {
    return NtStatus::InvalidParameter;
  }
  if ((in.options & create_option::kDirectoryFile) &&
      (in.options & create_option::kNonDirectoryFile)) {
    return NtStatus::InvalidParameter;
  }
  std::string name;
  NtStatus status = NormalizePath(path, &name);
  if (!NtSuccess(status)) return status;

  DeviceObject* top = IoGetAttachedDevice(volume);
  FileObject* fileObject = IoCreateFileObject(volume);
  fileObject->fileName = std::move(name);
  fileObject->flags = FileObjectFlags(request);
  fileObject->opener = CurrentRequestor();

  // Once per open, so the IRP lives on this stack rather than in a reused buffer.
  Irp irp;
  IoInitializeIrp(&irp, top->stackSize);
  irp.requestor = fileObject->opener;
  irp.originalFileObject = fileObject;
  irp.flags = irp_flag::kSynchronousApi;
  IoStackLocation* location = IoGetNextIrpStackLocation(&irp);
  location->majorFunction = IrpMajor::Create;
  location->fileObject = fileObject;
  location->flags = request.caseSensitive ? sl::kCaseSensitive : 0;
  location->parameters.create = in;
  location->parameters.create.desiredAccess = access::MapGeneric(in.desiredAccess);
  status = IoCallDriverSynchronous(top, &irp);
  if (ioStatus != nullptr) *ioStatus = irp.ioStatus;
  if (!NtSuccess(status)) {
    ObDereferenceObject(fileObject);  // never opened: no CLOSE is owed
    return status;
  }
  fileObject->flags |= fo_flag::kOpened;

  auto open = std::make_shared<OpenFile>();
  open->fileObject = fileObject;
  open->synchronous = request.synchronous;
  // Read once, now: the I/O manager changes the flags at cleanup while I/O may run.
  uint32_t flags = fileObject->flags;
  open->directory = (flags & fo_flag::kDirectory) != 0;
  if (flags & fo_flag::kWriteThrough) open->transferFlags |= rw_flag::kWriteThrough;
  if (flags & fo_flag::kNoIntermediateBuffering) open->transferFlags |= rw_flag::kNoCache;
  ObOpenHandle(fileObject);
  ObDereferenceObject(fileObject);  // the creation reference; the handle holds its own
  *grantedAccess = fileObject->grantedAccess != 0 ? fileObject->grantedAccess
                                                  : location->parameters.create.desiredAccess;
  *file = std::move(open);
  return status;
}

bool ScopedOpen::Open(DeviceObject* volume, std::string_view path, uint32_t desiredAccess,
                      uint32_t shareAccess, uint32_t createOptions) {
  NtCreateRequest request;
  request.parameters.desiredAccess = desiredAccess;
  request.parameters.shareAccess = shareAccess;
  request.parameters.disposition = CreateDisposition::Open;
  request.parameters.options = createOptions;
  NtStatus status = OpenFileObject(volume, path, request, &file, &grantedAccess, nullptr);
  if (!NtSuccess(status)) return SetLastStatus(status);
  return true;
}

void ScopedOpen::Reference(FileRef* ref) const {
  ObReferenceObject(file->fileObject);
  ref->file = file;
  ref->grantedAccess = grantedAccess;
}

}  // namespace detail

Handle Client::NtCreateFile(std::string_view path, const NtCreateRequest& request,
                            IoStatusBlock* ioStatus) {
  std::shared_ptr<detail::OpenFile> file;
  uint32_t granted = 0;
  IoStatusBlock io;
  NtStatus status = detail::OpenFileObject(volumeDevice_, path, request, &file, &granted, &io);
  if (ioStatus != nullptr) *ioStatus = NtSuccess(status) ? io : IoStatusBlock{status, 0};
  if (!NtSuccess(status)) {
    SetLastStatus(status);
    return kInvalidHandleValue;
  }
  FileObject* fileObject = file->fileObject;
  Handle handle = handles_->InsertFile(std::move(file), granted);
  if (handle == kInvalidHandleValue) {
    ObCloseHandle(fileObject);
    SetLastStatus(NtStatus::TooManyOpenedFiles);
    if (ioStatus != nullptr) *ioStatus = IoStatusBlock{NtStatus::TooManyOpenedFiles, 0};
    return kInvalidHandleValue;
  }
  return handle;
}

Handle Client::CreateFile(std::string_view path, uint32_t desiredAccess, uint32_t shareMode,
                          uint32_t creationDisposition, uint32_t flagsAndAttributes,
                          CreateAction* action) {
  CreateDisposition disposition;
  switch (creationDisposition) {
    case CREATE_NEW:
      disposition = CreateDisposition::Create;
      break;
    case CREATE_ALWAYS:
      disposition = CreateDisposition::OverwriteIf;
      break;
    case OPEN_EXISTING:
      disposition = CreateDisposition::Open;
      break;
    case OPEN_ALWAYS:
      disposition = CreateDisposition::OpenIf;
      break;
    case TRUNCATE_EXISTING:
      // Win32 insists on write access for truncation before asking the file system.
      if (!(access::MapGeneric(desiredAccess) & access::kWriteData)) {
        SetLastStatus(NtStatus::InvalidParameter);
        return kInvalidHandleValue;
      }
      disposition = CreateDisposition::Overwrite;
      break;
    default:
      SetLastStatus(NtStatus::InvalidParameter);
      return kInvalidHandleValue;
  }
  return CreateFile(path, desiredAccess, shareMode, disposition, flagsAndAttributes, action);
}

Handle Client::CreateFile(std::string_view path, uint32_t desiredAccess, uint32_t shareMode,
                          CreateDisposition disposition, uint32_t flagsAndAttributes,
                          CreateAction* action) {
  NtCreateRequest request;
  CreateParameters& p = request.parameters;
  // As kernel32 does: every Win32 handle can wait and read attributes.
  p.desiredAccess = desiredAccess | access::kSynchronize | access::kReadAttributes;
  p.shareAccess = shareMode;
  p.disposition = disposition;
  p.options = 0;
  if (flagsAndAttributes & FILE_FLAG_DELETE_ON_CLOSE) {
    p.desiredAccess |= access::kDelete;
    p.options |= create_option::kDeleteOnClose;
  }
  // Without backup semantics Win32 refuses to open a directory.
  if (!(flagsAndAttributes & FILE_FLAG_BACKUP_SEMANTICS)) {
    p.options |= create_option::kNonDirectoryFile;
  }
  if (flagsAndAttributes & FILE_FLAG_WRITE_THROUGH) p.options |= create_option::kWriteThrough;
  if (flagsAndAttributes & FILE_FLAG_NO_BUFFERING) {
    p.options |= create_option::kNoIntermediateBuffering;
  }
  if (flagsAndAttributes & FILE_FLAG_SEQUENTIAL_SCAN) {
    p.options |= create_option::kSequentialOnly;
  }
  if (flagsAndAttributes & FILE_FLAG_RANDOM_ACCESS) p.options |= create_option::kRandomAccess;
  if (flagsAndAttributes & FILE_FLAG_OPEN_REPARSE_POINT) {
    p.options |= create_option::kOpenReparsePoint;
  }
  p.fileAttributes = flagsAndAttributes & 0x7FFFu & ~file_attribute::kDirectory;
  p.mode = 0;
  p.umask = 0;
  p.openFlags = 0;
  p.rdev = 0;
  request.synchronous = !(flagsAndAttributes & FILE_FLAG_OVERLAPPED);
  request.caseSensitive = (flagsAndAttributes & FILE_FLAG_POSIX_SEMANTICS) != 0;

  IoStatusBlock io;
  Handle handle = NtCreateFile(path, request, &io);
  if (handle == kInvalidHandleValue) return handle;
  auto created = static_cast<CreateAction>(io.information);
  if (action != nullptr) *action = created;
  // Win32 reports "it was already there" for the dispositions that would have created.
  bool mayCreate = disposition == CreateDisposition::OpenIf ||
                   disposition == CreateDisposition::OverwriteIf ||
                   disposition == CreateDisposition::Supersede;
  if (mayCreate && created != CreateAction::Created) {
    SetLastStatus(NtStatus::ObjectNameExists);
  } else {
    SetLastErrorAndStatus(ERROR_SUCCESS, NtStatus::Success);
  }
  return handle;
}

bool Client::CreateDirectory(std::string_view path, uint32_t mode) {
  NtCreateRequest request;
  CreateParameters& p = request.parameters;
  p.desiredAccess = access::kReadData | access::kSynchronize;
  p.shareAccess = share::kRead | share::kWrite;
  p.disposition = CreateDisposition::Create;
  p.options = create_option::kDirectoryFile;
  p.mode = S_IFDIR | (mode & 07777);
  std::shared_ptr<detail::OpenFile> file;
  uint32_t granted = 0;
  NtStatus status = detail::OpenFileObject(volumeDevice_, path, request, &file, &granted, nullptr);
  if (status == NtStatus::ObjectNameCollision) {
    // kernel32 reports a taken name as ERROR_ALREADY_EXISTS here (ERROR_FILE_EXISTS is
    // CreateFile's own translation).
    SetLastErrorAndStatus(ERROR_ALREADY_EXISTS, status);
    return false;
  }
  if (!NtSuccess(status)) return SetLastStatus(status);
  ObCloseHandle(file->fileObject);
  return true;
}

}  // namespace irpfs::inproc

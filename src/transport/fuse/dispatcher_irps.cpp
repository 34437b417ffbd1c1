#include "transport/fuse/dispatcher_irps.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmath>

#include "core/file_object.h"
#include "core/io_manager.h"

namespace irpfs::fuse::detail {

IoStackLocation* PrepareIrp(Operation& op, FileObject* fileObject, IrpMajor major, uint8_t minor) {
  // The stack may change until Send takes its reference, so nothing here reads its
  // shape: the IRP gets every location, and VolumeStack::Call fits it to the stack then.
  IoInitializeIrp(&op.irp, kMaxStackSize);
  op.irp.requestor = op.requestor;
  op.irp.originalFileObject = fileObject;
  IoStackLocation* location = IoGetNextIrpStackLocation(&op.irp);
  location->majorFunction = major;
  location->minorFunction = minor;
  location->fileObject = fileObject;
  return location;
}

namespace {

// A FileObject named `name` relative to `related` and the IRP of `major` on it, with
// IRP_MJ_CREATE's parameters (QUERY_OPEN takes the same). The caller keeps the object.
IoStackLocation* PrepareNamedIrp(Operation& op, DeviceObject* volume, FileObject* related,
                                 std::string_view name, IrpMajor major, uint32_t access,
                                 CreateDisposition disposition, uint32_t options,
                                 FileObject** made) {
  FileObject* fileObject = IoCreateFileObject(volume);
  fileObject->fileName.assign(name);
  if (related != nullptr) {
    // Released with the new FileObject (ObDereferenceObject drops the related one).
    ObReferenceObject(related);
    fileObject->relatedFileObject = related;
  }
  fileObject->opener = op.requestor;
  *made = fileObject;
  IoStackLocation* location = PrepareIrp(op, fileObject, major);
  CreateParameters& create = location->parameters.create;
  create = CreateParameters{};
  create.desiredAccess = access;
  // POSIX has no share modes.
  create.shareAccess = share::kAll;
  create.disposition = disposition;
  create.options = options;
  return location;
}

}  // namespace

IoStackLocation* PrepareCreate(Operation& op, DeviceObject* volume, FileObject* related,
                               std::string_view name, uint32_t access,
                               CreateDisposition disposition, uint32_t options) {
  return PrepareNamedIrp(op, volume, related, name, IrpMajor::Create, access, disposition, options,
                         &op.creating);
}

void PrepareQueryOpen(Operation& op, DeviceObject* volume, FileObject* related,
                      std::string_view name, uint32_t access, FileStat* stat) {
  PrepareNamedIrp(op, volume, related, name, IrpMajor::QueryOpen, access, CreateDisposition::Open,
                  create_option::kOpenReparsePoint, &op.fo2);
  op.irp.bufferMethod = BufferMethod::Buffered;
  op.irp.systemBuffer = stat;
}

void PrepareQueryInformation(Operation& op, FileObject* fileObject, FileInformationClass cls,
                             void* buffer, uint32_t length) {
  IoStackLocation* location = PrepareIrp(op, fileObject, IrpMajor::QueryInformation);
  location->parameters.queryFile.length = length;
  location->parameters.queryFile.fileInformationClass = cls;
  op.irp.bufferMethod = BufferMethod::Buffered;
  op.irp.systemBuffer = buffer;
}

void PrepareSetInformation(Operation& op, FileObject* fileObject, FileInformationClass cls,
                           void* buffer, uint32_t length) {
  IoStackLocation* location = PrepareIrp(op, fileObject, IrpMajor::SetInformation);
  location->parameters.setFile.length = length;
  location->parameters.setFile.fileInformationClass = cls;
  op.irp.bufferMethod = BufferMethod::Buffered;
  op.irp.systemBuffer = buffer;
}

namespace {

// The kernel's new_encode_dev(): 12 bits of major, 20 of minor, in a u32.
uint32_t EncodeDev(uint64_t dev) {
  auto major = static_cast<uint32_t>(::major(dev));
  auto minor = static_cast<uint32_t>(::minor(dev));
  return (minor & 0xffu) | (major << 8) | ((minor & ~0xffu) << 12);
}

fuse_sx_time SxTime(const FileTimeSpec& t) {
  return {t.sec, t.nsec, 0};
}

}  // namespace

fuse_attr ToFuseAttr(const FileStat& stat) {
  fuse_attr attr{};
  attr.ino = stat.fileId;
  attr.size = stat.size;
  attr.blocks = (stat.allocationSize + 511) / 512;
  attr.atime = static_cast<uint64_t>(stat.atime.sec);
  attr.mtime = static_cast<uint64_t>(stat.mtime.sec);
  attr.ctime = static_cast<uint64_t>(stat.ctime.sec);
  attr.atimensec = stat.atime.nsec;
  attr.mtimensec = stat.mtime.nsec;
  attr.ctimensec = stat.ctime.nsec;
  attr.mode = stat.mode;
  attr.nlink = stat.nlink;
  attr.uid = stat.uid;
  attr.gid = stat.gid;
  attr.rdev = EncodeDev(stat.rdev);
  attr.blksize = 4096;
  return attr;
}

fuse_statx ToFuseStatx(const FileStat& stat) {
  fuse_statx sx{};
  sx.mask = STATX_BASIC_STATS | STATX_BTIME;
  sx.blksize = 4096;
  sx.nlink = stat.nlink;
  sx.uid = stat.uid;
  sx.gid = stat.gid;
  sx.mode = static_cast<uint16_t>(stat.mode);
  sx.ino = stat.fileId;
  sx.size = stat.size;
  sx.blocks = (stat.allocationSize + 511) / 512;
  sx.atime = SxTime(stat.atime);
  sx.btime = SxTime(stat.btime);
  sx.ctime = SxTime(stat.ctime);
  sx.mtime = SxTime(stat.mtime);
  sx.rdev_major = ::major(stat.rdev);
  sx.rdev_minor = ::minor(stat.rdev);
  return sx;
}

void SplitTimeout(double seconds, uint64_t* sec, uint32_t* nsec) {
  if (!(seconds > 0)) {
    *sec = 0;
    *nsec = 0;
    return;
  }
  double whole = std::floor(seconds);
  *sec = static_cast<uint64_t>(whole);
  *nsec = static_cast<uint32_t>(std::lround((seconds - whole) * 1e9) % 1000000000L);
}

uint32_t AccessOfOpenFlags(uint32_t openFlags) {
  uint32_t mask = access::kReadAttributes;
  switch (openFlags & O_ACCMODE) {
    case O_RDONLY:
      mask |= access::kReadData;
      break;
    case O_WRONLY:
      mask |= access::kWriteData;
      break;
    default:
      mask |= access::kReadData | access::kWriteData;
      break;
  }
  if (openFlags & O_APPEND) mask |= access::kAppendData;
  return mask;
}

uint32_t CreateOptionsOfOpenFlags(uint32_t openFlags) {
  uint32_t options = 0;
  if (openFlags & (O_SYNC | O_DSYNC)) options |= create_option::kWriteThrough;
  if (openFlags & O_DIRECT) options |= create_option::kNoIntermediateBuffering;
  return options;
}

namespace {
constexpr uint64_t kOffsetMax = 0x7fffffffffffffffull;
}

uint64_t LockLength(const fuse_file_lock& lk) {
  if (lk.end >= kOffsetMax) return UINT64_MAX;
  if (lk.end < lk.start) return 0;
  return lk.end - lk.start + 1;
}

uint64_t LockEnd(uint64_t start, uint64_t length) {
  if (length == UINT64_MAX || length == 0 || start + length - 1 >= kOffsetMax) return kOffsetMax;
  return start + length - 1;
}

}  // namespace irpfs::fuse::detail

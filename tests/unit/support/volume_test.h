// What the unit tests of volumes (the class driver over a test mini, the mirror) share:
// sending real IRPs (IoAllocateIrp + IoCallDriverSynchronous) to a volume device, opening
// files the way the I/O manager does, and a fixture base with the usual one-liners.
// A suite's fixture derives from VolumeTest, creates driver_ and volume_ in SetUp and
// deletes them in TearDown.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/io_manager.h"

namespace irpfs::test_volume {

struct CreateArgs {
  std::string name;
  uint32_t access = access::kGenericRead;
  uint32_t share = share::kAll;
  CreateDisposition disposition = CreateDisposition::Open;
  uint32_t options = 0;
  uint32_t mode = 0;
  uint32_t umask = 0;
  uint32_t attributes = 0;
  uint32_t openFlags = 0;
  FileObject* related = nullptr;
  std::string symlinkTarget;
};

struct Opened {
  NtStatus status = NtStatus::Unsuccessful;
  uint64_t info = 0;
  FileObject* fo = nullptr;  // with one handle open on success
};

using FillStack = std::function<void(IoStackLocation*)>;

// Sends one IRP to `device` and waits. The buffer is passed as METHOD_NEITHER.
inline NtStatus SendIrp(DeviceObject* device, FileObject* fo, IrpMajor major, uint8_t minor,
                        uint8_t flags, const FillStack& fill, void* buffer = nullptr,
                        uint64_t* info = nullptr, Requestor requestor = {}) {
  Irp* irp = IoAllocateIrp(device->stackSize);
  irp->requestor = requestor;
  irp->bufferMethod = BufferMethod::Neither;
  irp->userBuffer = buffer;
  IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = major;
  sl->minorFunction = minor;
  sl->flags = flags;
  sl->fileObject = fo;
  if (fill) fill(sl);
  NtStatus s = IoCallDriverSynchronous(device, irp);
  if (info) *info = irp->ioStatus.information;
  IoFreeIrp(irp);
  return s;
}

// An IRP_MJ_CREATE as NtCreateFile sends it; on success the file object has one handle.
inline Opened CreateOn(DeviceObject* device, const CreateArgs& a, Requestor requestor = {}) {
  Opened r;
  FileObject* fo = IoCreateFileObject(device);
  fo->fileName = a.name;
  if (a.related) {
    ObReferenceObject(a.related);
    fo->relatedFileObject = a.related;
  }
  r.status = SendIrp(
      device, fo, IrpMajor::Create, 0, 0,
      [&](IoStackLocation* sl) {
        CreateParameters& p = sl->parameters.create;
        p.desiredAccess = access::MapGeneric(a.access);
        p.shareAccess = a.share;
        p.disposition = a.disposition;
        p.options = a.options;
        p.fileAttributes = a.attributes;
        p.mode = a.mode;
        p.umask = a.umask;
        p.openFlags = a.openFlags;
        p.symlinkTarget = a.symlinkTarget;
      },
      nullptr, &r.info, requestor);
  if (NtSuccess(r.status)) {
    ObOpenHandle(fo);
    r.fo = fo;
  }
  ObDereferenceObject(fo);  // the creation reference; the handle keeps it alive
  return r;
}

// Public, as tests' helper classes and lambdas call these too.
class VolumeTest : public ::testing::Test {
 public:
  // IRPs go out as requestor_ unless a call names another.
  Opened Create(const CreateArgs& a) { return CreateOn(volume_, a, requestor_); }
  Opened Create(const CreateArgs& a, Requestor requestor) {
    return CreateOn(volume_, a, requestor);
  }
  // Opens and expects success.
  FileObject* MustOpen(const CreateArgs& a) {
    Opened r = Create(a);
    EXPECT_EQ(r.status, NtStatus::Success) << a.name;
    return r.fo;
  }
  static void Close(FileObject* fo) {
    if (fo) ObCloseHandle(fo);
  }

  NtStatus Send(FileObject* fo, IrpMajor major, uint8_t minor, uint8_t flags, const FillStack& fill,
                void* buffer = nullptr, uint64_t* info = nullptr) {
    return SendIrp(volume_, fo, major, minor, flags, fill, buffer, info, requestor_);
  }

  NtStatus Read(FileObject* fo, uint64_t offset, uint32_t length, std::string* out) {
    out->assign(length, '\0');
    uint64_t info = 0;
    NtStatus s = Send(
        fo, IrpMajor::Read, 0, 0,
        [&](IoStackLocation* sl) {
          sl->parameters.read.length = length;
          sl->parameters.read.byteOffset = offset;
        },
        out->data(), &info);
    out->resize(NtSuccess(s) ? info : 0);
    return s;
  }

  NtStatus Write(FileObject* fo, uint64_t offset, const std::string& data, uint32_t flags = 0,
                 uint64_t* written = nullptr) {
    std::string copy = data;
    return Send(
        fo, IrpMajor::Write, 0, 0,
        [&](IoStackLocation* sl) {
          sl->parameters.write.length = static_cast<uint32_t>(copy.size());
          sl->parameters.write.byteOffset = offset;
          sl->parameters.write.flags = flags;
        },
        copy.data(), written);
  }

  template <class T>
  NtStatus SetInfo(FileObject* fo, FileInformationClass cls, T value) {
    return Send(
        fo, IrpMajor::SetInformation, 0, 0,
        [&](IoStackLocation* sl) {
          sl->parameters.setFile.length = sizeof(T);
          sl->parameters.setFile.fileInformationClass = cls;
        },
        &value);
  }

  template <class T>
  NtStatus QueryInfo(FileObject* fo, FileInformationClass cls, T* out,
                     uint32_t length = sizeof(T)) {
    return Send(
        fo, IrpMajor::QueryInformation, 0, 0,
        [&](IoStackLocation* sl) {
          sl->parameters.queryFile.length = length;
          sl->parameters.queryFile.fileInformationClass = cls;
        },
        out);
  }

  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  Requestor requestor_{};  // root, no pid: no supplementary groups
};

}  // namespace irpfs::test_volume

// A mirror volume over a fresh temporary directory, driven by real IRPs
// (IoAllocateIrp + IoCallDriverSynchronous through the class driver), with helpers that
// keep the tests short and a view of the host directory to check what really happened.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "core/io_manager.h"
#include "drivers/mirror/mirror.h"
#include "drivers/mirror/mirror_driver.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::mirror::testing {

struct CreateArgs {
  std::string name;
  uint32_t access = access::kGenericRead;
  CreateDisposition disposition = CreateDisposition::Open;
  uint32_t options = 0;
  uint32_t mode = 0;
  uint32_t openFlags = 0;
  std::string symlinkTarget;
};

struct Opened {
  NtStatus status = NtStatus::Unsuccessful;
  FileObject* fo = nullptr;  // one handle open on success
};

using FillStack = std::function<void(IoStackLocation*)>;

inline std::string ReadHostFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteHostFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

class MirrorTest : public ::testing::Test {
 public:
  void SetUp() override {
    char pattern[] = "/tmp/irpfs-mirror-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    source_ = base_ + "/src";
    outside_ = base_ + "/outside";
    ASSERT_EQ(mkdir(source_.c_str(), 0777), 0);
    ASSERT_EQ(mkdir(outside_.c_str(), 0777), 0);
    chmod(base_.c_str(), 0755);
    chmod(source_.c_str(), 0777);
    ASSERT_EQ(IoCreateDriver("mirror", MirrorDriverEntry, "", &driver_), NtStatus::Success);
    ASSERT_EQ(MirrorCreateVolume(driver_, "source=" + source_, {.name = "mirror-test"}, &volume_),
              NtStatus::Success);
    mirror_ = static_cast<MirrorFs*>(fsclass::FsGetMiniFileSystem(volume_));
    ASSERT_NE(mirror_, nullptr);
  }

  void TearDown() override {
    if (volume_ != nullptr) {
      // Every test closes what it opened: then the mirror holds no node but the root.
      EXPECT_EQ(mirror_->LiveNodes(), 0u);
      fsclass::FsDeleteVolume(volume_);
    }
    if (driver_ != nullptr) IoUnloadDriver(driver_);
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }

  std::string Host(const std::string& relative) const { return source_ + "/" + relative; }

  NtStatus Send(FileObject* fo, IrpMajor major, uint8_t minor, uint8_t flags, const FillStack& fill,
                void* buffer = nullptr, uint64_t* info = nullptr) {
    Irp* irp = IoAllocateIrp(volume_->stackSize);
    irp->requestor = requestor_;
    irp->bufferMethod = BufferMethod::Neither;
    irp->userBuffer = buffer;
    IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
    sl->majorFunction = major;
    sl->minorFunction = minor;
    sl->flags = flags;
    sl->fileObject = fo;
    if (fill) fill(sl);
    NtStatus s = IoCallDriverSynchronous(volume_, irp);
    if (info) *info = irp->ioStatus.information;
    IoFreeIrp(irp);
    return s;
  }

  Opened Create(const CreateArgs& a) {
    Opened r;
    FileObject* fo = IoCreateFileObject(volume_);
    fo->fileName = a.name;
    r.status = Send(fo, IrpMajor::Create, 0, 0, [&](IoStackLocation* sl) {
      CreateParameters& p = sl->parameters.create;
      p.desiredAccess = access::MapGeneric(a.access);
      p.shareAccess = share::kAll;
      p.disposition = a.disposition;
      p.options = a.options;
      p.mode = a.mode;
      p.umask = 0;
      p.openFlags = a.openFlags;
      p.symlinkTarget = a.symlinkTarget;
    });
    if (NtSuccess(r.status)) {
      ObOpenHandle(fo);
      r.fo = fo;
    }
    ObDereferenceObject(fo);
    return r;
  }
  FileObject* MustOpen(const CreateArgs& a) {
    Opened r = Create(a);
    EXPECT_EQ(r.status, NtStatus::Success) << a.name;
    return r.fo;
  }
  FileObject* OpenRW(const std::string& name,
                     CreateDisposition disposition = CreateDisposition::OpenIf) {
    return MustOpen({.name = name,
                     .access = access::kGenericRead | access::kGenericWrite | access::kDelete,
                     .disposition = disposition});
  }
  static void Close(FileObject* fo) {
    if (fo) ObCloseHandle(fo);
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
  std::string ReadAll(FileObject* fo) {
    std::string out;
    EXPECT_EQ(Read(fo, 0, 1 << 16, &out), NtStatus::Success);
    return out;
  }

  NtStatus Write(FileObject* fo, uint64_t offset, const std::string& data, uint32_t flags = 0) {
    std::string copy = data;
    return Send(
        fo, IrpMajor::Write, 0, 0,
        [&](IoStackLocation* sl) {
          sl->parameters.write.length = static_cast<uint32_t>(copy.size());
          sl->parameters.write.byteOffset = offset;
          sl->parameters.write.flags = flags;
        },
        copy.data());
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
  FileStat Stat(FileObject* fo) {
    FileStat st;
    EXPECT_EQ(QueryInfo(fo, FileInformationClass::FileStatInformation, &st), NtStatus::Success);
    return st;
  }

  NtStatus Rename(FileObject* fo, const std::string& to, uint32_t flags = 0) {
    FileRenameInfo info;
    info.flags = flags;
    info.fileName = to;
    return SetInfo(fo, FileInformationClass::FileRenameInformationEx, info);
  }

  std::string base_, source_, outside_;
  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  MirrorFs* mirror_ = nullptr;
  Requestor requestor_{};  // root, no pid: no supplementary groups
};

}  // namespace irpfs::mirror::testing

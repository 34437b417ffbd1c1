// A memfs volume under a VolumeStack, with helpers that send real IRPs through the stack
// (every one via VolumeStack, as a transport must) and small test filters.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/filter_device.h"
#include "core/io_manager.h"
#include "core/volume_stack.h"
#include "drivers/memfs/memfs_driver.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::testing {

using FillLocation = std::function<void(IoStackLocation*)>;

class StackEnv {
 public:
  explicit StackEnv(VolumeStack::Options options = {}, std::string_view memfsOptions = "") {
    EXPECT_EQ(IoCreateDriver("memfs", memfs::MemfsDriverEntry, "capacity=16M", &memfs_),
              NtStatus::Success);
    EXPECT_EQ(memfs::MemfsCreateVolume(memfs_, memfsOptions, {.name = "memfs0"}, &volume_),
              NtStatus::Success);
    stack_ = std::make_unique<VolumeStack>(volume_, options);
  }
  ~StackEnv() {
    stack_.reset();
    fsclass::FsDeleteVolume(volume_);
    for (auto it = drivers_.rbegin(); it != drivers_.rend(); ++it) IoUnloadDriver(*it);
    IoUnloadDriver(memfs_);
  }

  VolumeStack& stack() { return *stack_; }
  DeviceObject* volume() { return volume_; }
  DriverObject* memfsDriver() { return memfs_; }

  DriverObject* Load(std::string_view name, DriverEntryRoutine entry,
                     std::string_view parameters = "") {
    DriverObject* driver = nullptr;
    EXPECT_EQ(IoCreateDriver(name, entry, parameters, &driver), NtStatus::Success) << name;
    if (driver != nullptr) drivers_.push_back(driver);
    return driver;
  }

  NtStatus Send(FileObject* fo, IrpMajor major, const FillLocation& fill, void* buffer = nullptr,
                uint64_t* info = nullptr) {
    Irp irp;
    IoInitializeIrp(&irp, 1);  // VolumeStack sizes it
    irp.requestor = {100, 1000, 1000};
    irp.originalFileObject = fo;
    irp.flags = irp_flag::kSynchronousApi;
    irp.bufferMethod = BufferMethod::Neither;
    irp.userBuffer = buffer;
    IoStackLocation* location = IoGetNextIrpStackLocation(&irp);
    location->majorFunction = major;
    location->fileObject = fo;
    if (fill) fill(location);
    NtStatus status = stack_->CallSynchronous(&irp);
    if (info != nullptr) *info = irp.ioStatus.information;
    return status;
  }

  // Opens (or creates) `path`; on success *out has one handle.
  NtStatus Open(std::string_view path, uint32_t desiredAccess, CreateDisposition disposition,
                FileObject** out, uint32_t options = 0) {
    *out = nullptr;
    FileObject* fo = IoCreateFileObject(volume_);
    fo->fileName = std::string(path);
    fo->opener = {100, 1000, 1000};
    NtStatus status = Send(fo, IrpMajor::Create, [&](IoStackLocation* location) {
      CreateParameters& p = location->parameters.create;
      p.desiredAccess = access::MapGeneric(desiredAccess);
      p.shareAccess = share::kAll;
      p.disposition = disposition;
      p.options = options;
      p.mode = 0644;
    });
    if (!NtSuccess(status)) {
      stack_->Dereference(fo);  // never opened: no CLOSE is owed
      return status;
    }
    fo->flags |= fo_flag::kOpened;
    ObOpenHandle(fo);
    stack_->Dereference(fo);  // the creation reference
    *out = fo;
    return status;
  }
  FileObject* MustOpen(std::string_view path,
                       uint32_t desiredAccess = access::kGenericRead | access::kGenericWrite,
                       CreateDisposition disposition = CreateDisposition::OpenIf) {
    FileObject* fo = nullptr;
    EXPECT_EQ(Open(path, desiredAccess, disposition, &fo), NtStatus::Success) << path;
    return fo;
  }
  void Close(FileObject* fo) { stack_->CloseHandle(fo); }

  NtStatus Write(FileObject* fo, uint64_t offset, std::string_view data,
                 uint64_t* written = nullptr) {
    std::string copy(data);
    return Send(
        fo, IrpMajor::Write,
        [&](IoStackLocation* location) {
          location->parameters.write.length = static_cast<uint32_t>(copy.size());
          location->parameters.write.byteOffset = offset;
        },
        copy.data(), written);
  }
  NtStatus Read(FileObject* fo, uint64_t offset, uint32_t length, std::string* data) {
    data->assign(length, '\0');
    uint64_t info = 0;
    NtStatus status = Send(
        fo, IrpMajor::Read,
        [&](IoStackLocation* location) {
          location->parameters.read.length = length;
          location->parameters.read.byteOffset = offset;
        },
        data->data(), &info);
    data->resize(NtSuccess(status) ? info : 0);
    return status;
  }
  // The whole file (up to 1 MiB), opened read-only for the occasion.
  std::string Contents(std::string_view path) {
    FileObject* fo = nullptr;
    EXPECT_EQ(Open(path, access::kGenericRead, CreateDisposition::Open, &fo), NtStatus::Success);
    if (fo == nullptr) return "<missing>";
    std::string data;
    EXPECT_EQ(Read(fo, 0, 1 << 20, &data), NtStatus::Success);
    Close(fo);
    return data;
  }
  void MakeFile(std::string_view path, std::string_view data) {
    FileObject* fo = MustOpen(path, access::kGenericRead | access::kGenericWrite,
                              CreateDisposition::OverwriteIf);
    ASSERT_NE(fo, nullptr);
    EXPECT_EQ(Write(fo, 0, data), NtStatus::Success);
    Close(fo);
  }

 private:
  DriverObject* memfs_ = nullptr;
  DeviceObject* volume_ = nullptr;
  std::unique_ptr<VolumeStack> stack_;
  std::vector<DriverObject*> drivers_;
};

// ---- Test filters.

// A probe filter: records the altitude of every device it passes an IRP through (in a
// log shared by all probe drivers), then passes the IRP down unchanged.
struct ProbeLog {
  std::mutex mutex;
  std::vector<uint32_t> altitudes;
  void Add(uint32_t altitude) {
    std::lock_guard lock(mutex);
    altitudes.push_back(altitude);
  }
  std::vector<uint32_t> Take() {
    std::lock_guard lock(mutex);
    std::vector<uint32_t> out;
    out.swap(altitudes);
    return out;
  }
};
ProbeLog& Probes();
NtStatus ProbeDriverEntry(DriverObject* driver, std::string_view parameters);

// Upper-cases READ data on its way up (a post-operation hook that changes data).
NtStatus UpperDriverEntry(DriverObject* driver, std::string_view parameters);

}  // namespace irpfs::testing

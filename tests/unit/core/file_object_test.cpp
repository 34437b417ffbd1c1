// Handles and references of file objects: when IRP_MJ_CLEANUP and IRP_MJ_CLOSE are sent.
#include "core/file_object.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "core/io_manager.h"
#include "test_stack.h"

namespace irpfs {
namespace {

using Entries = std::vector<std::string>;

// A file system that journals every CLEANUP and CLOSE it gets, naming the file.
struct CountingFs {
  test::Journal journal;
  int cleanups = 0;
  int closes = 0;
  pid_t lastPid = 0;
  int lastStackCount = 0;
};

NtStatus CountingDispatch(DeviceObject* device, Irp* irp) {
  auto* fs = device->Extension<CountingFs>();
  IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  FileObject* file = location->fileObject;
  if (location->majorFunction == IrpMajor::Read) {
    // What a driver does in the middle of I/O (checking kWriteThrough, say): read the
    // flags word while another thread may be closing the last handle. Nothing else is
    // touched, so the flags are the only thing the two threads share.
    uint64_t seen = file->flags & fo_flag::kCleanupComplete;
    return IoCompleteWith(irp, NtStatus::Success, seen);
  }
  fs->lastPid = irp->requestor.pid;
  fs->lastStackCount = irp->stackCount;
  if (location->majorFunction == IrpMajor::Cleanup) {
    ++fs->cleanups;
    fs->journal.Add("cleanup " + file->fileName);
  } else if (location->majorFunction == IrpMajor::Close) {
    ++fs->closes;
    fs->journal.Add("close " + file->fileName +
                    ((file->flags & fo_flag::kCleanupComplete) ? " after-cleanup" : ""));
  }
  return IoCompleteWith(irp, NtStatus::Success);
}

NtStatus CountingEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(CountingDispatch);
  return NtStatus::Success;
}

class FileObjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("countfs", CountingEntry, "", &driver_), NtStatus::Success);
    ASSERT_EQ(IoCreateDevice(driver_, DeviceType::DiskFileSystem, "vol", 0, &volume_),
              NtStatus::Success);
    fs_ = &volume_->CreateExtension<CountingFs>();
  }
  void TearDown() override { IoUnloadDriver(driver_); }

  // An object as a successful create leaves it: opened, with one handle, the creation
  // reference already traded for the handle's.
  FileObject* OpenFile(const std::string& name) {
    FileObject* file = IoCreateFileObject(volume_);
    file->fileName = name;
    file->opener.pid = 4242;
    file->flags |= fo_flag::kOpened;
    ObOpenHandle(file);
    ObDereferenceObject(file);
    return file;
  }

  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  CountingFs* fs_ = nullptr;
};

TEST_F(FileObjectTest, NewObjectHasOneReferenceAndNoHandle) {
  FileObject* file = IoCreateFileObject(volume_);
  EXPECT_EQ(file->pointerCount.load(), 1);
  EXPECT_EQ(file->handleCount.load(), 0);
  EXPECT_EQ(file->deviceObject, volume_);
  EXPECT_EQ(IoGetRelatedDeviceObject(file), volume_);
  ObDereferenceObject(file);
  EXPECT_EQ(fs_->closes, 0) << "never opened: no CLOSE is owed";
}

TEST_F(FileObjectTest, LastHandleSendsCleanupThenLastReferenceSendsClose) {
  FileObject* file = OpenFile("a");
  ObOpenHandle(file);  // DuplicateHandle
  EXPECT_EQ(file->handleCount.load(), 2);
  EXPECT_EQ(file->pointerCount.load(), 2);

  ObCloseHandle(file);
  EXPECT_EQ(fs_->cleanups, 0) << "another handle still names the object";
  EXPECT_EQ(fs_->closes, 0);
  ObCloseHandle(file);
  EXPECT_EQ(fs_->cleanups, 1);
  EXPECT_EQ(fs_->closes, 1);
  EXPECT_EQ(fs_->journal.Entries(), (Entries{"cleanup a", "close a after-cleanup"}));
  EXPECT_EQ(fs_->lastPid, 4242) << "CLEANUP and CLOSE carry the opener";
}

TEST_F(FileObjectTest, ReferenceHeldByInFlightIoDelaysClose) {
  FileObject* file = OpenFile("b");
  ObReferenceObject(file);  // an IRP in flight holds the object
  ObCloseHandle(file);
  EXPECT_EQ(fs_->cleanups, 1);
  EXPECT_EQ(fs_->closes, 0) << "the in-flight IRP still references the object";
  EXPECT_NE(file->flags & fo_flag::kCleanupComplete, 0u);
  ObDereferenceObject(file);  // the IRP completes
  EXPECT_EQ(fs_->closes, 1);
  EXPECT_EQ(fs_->journal.Entries(), (Entries{"cleanup b", "close b after-cleanup"}));
}

// Under TSan this is the test that fails when the flags word is a plain field: CLEANUP's
// kCleanupComplete is written by the closing thread while a READ on another thread (which
// holds a reference, as an IRP in flight does) reads the same word.
TEST_F(FileObjectTest, CleanupFlagRacesSafelyWithIoOnAnotherThread) {
  FileObject* file = OpenFile("r");
  ObReferenceObject(file);  // the reader's IRPs keep the object alive past the last handle
  std::atomic<bool> reading{false};
  bool sawCleanup = false;
  std::thread reader([&] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      Irp* irp = IoAllocateIrp(IoGetRelatedDeviceObject(file)->stackSize);
      IoStackLocation* location = IoGetNextIrpStackLocation(irp);
      location->majorFunction = IrpMajor::Read;
      location->fileObject = file;
      IoCallDriverSynchronous(IoGetRelatedDeviceObject(file), irp);
      bool cleaned = irp->ioStatus.information != 0;
      IoFreeIrp(irp);
      reading.store(true, std::memory_order_relaxed);
      if (cleaned) {
        sawCleanup = true;
        return;
      }
    }
  });
  while (!reading.load(std::memory_order_relaxed)) std::this_thread::yield();
  ObCloseHandle(file);
  reader.join();
  EXPECT_TRUE(sawCleanup) << "the reader never saw kCleanupComplete within 10 s";
  EXPECT_EQ(fs_->closes, 0) << "the reader's reference still holds the object";
  ObDereferenceObject(file);
  EXPECT_EQ(fs_->journal.Entries(), (Entries{"cleanup r", "close r after-cleanup"}));
}

TEST_F(FileObjectTest, UnopenedObjectGetsNeitherCleanupNorClose) {
  FileObject* file = IoCreateFileObject(volume_);
  ObOpenHandle(file);
  ObCloseHandle(file);
  ObDereferenceObject(file);
  EXPECT_EQ(fs_->cleanups, 0);
  EXPECT_EQ(fs_->closes, 0);
}

TEST_F(FileObjectTest, RelatedObjectIsClosedAfterTheObjectNamingIt) {
  FileObject* parent = OpenFile("dir");
  FileObject* child = IoCreateFileObject(volume_);
  child->fileName = "dir/child";
  child->relatedFileObject = parent;
  ObReferenceObject(parent);
  child->flags |= fo_flag::kOpened;
  ObOpenHandle(child);
  ObDereferenceObject(child);

  ObCloseHandle(parent);
  EXPECT_EQ(fs_->journal.Entries(), (Entries{"cleanup dir"}))
      << "the child's reference keeps the parent alive";
  ObCloseHandle(child);
  EXPECT_EQ(fs_->journal.Entries(),
            (Entries{"cleanup dir", "cleanup dir/child", "close dir/child after-cleanup",
                     "close dir after-cleanup"}));
}

TEST_F(FileObjectTest, LifetimeIrpsEnterAtTheTopOfTheStack) {
  DriverObject* filterDriver = nullptr;
  ASSERT_EQ(IoCreateDriver("filterdrv", test::FilterDriverEntry, "", &filterDriver),
            NtStatus::Success);
  DeviceObject* filter = nullptr;
  ASSERT_EQ(IoCreateDevice(filterDriver, DeviceType::Filter, "flt", 0, &filter), NtStatus::Success);
  auto& layer = filter->CreateExtension<test::Layer>();
  layer.name = "flt";
  layer.journal = &fs_->journal;
  layer.lower = IoAttachDeviceToDeviceStack(filter, volume_);

  FileObject* file = OpenFile("c");
  EXPECT_EQ(IoGetRelatedDeviceObject(file), filter);
  ObCloseHandle(file);
  EXPECT_EQ(fs_->lastStackCount, 2);
  EXPECT_EQ(fs_->journal.Entries(),
            (Entries{"dispatch flt@1", "cleanup c", "complete flt device=flt", "dispatch flt@1",
                     "close c after-cleanup", "complete flt device=flt"}));
  IoDetachDevice(volume_);
  IoUnloadDriver(filterDriver);
}

}  // namespace
}  // namespace irpfs

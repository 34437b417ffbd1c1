// memfs behind the class driver: real IRPs through IoCallDriverSynchronous.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/io_manager.h"
#include "drivers/memfs/memfs.h"
#include "drivers/memfs/memfs_driver.h"
#include "fsclass/fs_class_driver.h"
#include "support/volume_test.h"

namespace irpfs::memfs {
namespace {

class MemfsIrpTest : public test_volume::VolumeTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("memfs", MemfsDriverEntry, "capacity=1M", &driver_),
              NtStatus::Success);
    ASSERT_EQ(MemfsCreateVolume(driver_, "inodes=100", {}, &volume_), NtStatus::Success);
    fs_ = dynamic_cast<MemFs*>(fsclass::FsGetMiniFileSystem(volume_));
    ASSERT_NE(fs_, nullptr);
    // IRPs come from uid/gid 1000, a caller that is not root.
    requestor_ = Requestor{.pid = 0, .uid = 1000, .gid = 1000};
  }
  void TearDown() override {
    fsclass::FsDeleteVolume(volume_);
    IoUnloadDriver(driver_);
  }

  // Opens `path` (absolute) for reading, writing and deleting; on success the file object
  // has one handle.
  NtStatus Open(const std::string& path, CreateDisposition disposition, uint32_t options,
                FileObject** out) {
    test_volume::Opened opened =
        Create({.name = path,
                .access = access::kGenericRead | access::kGenericWrite | access::kDelete,
                .disposition = disposition,
                .options = options});
    if (NtSuccess(opened.status)) *out = opened.fo;
    return opened.status;
  }
  FileObject* MustOpen(const std::string& path, CreateDisposition disposition,
                       uint32_t options = 0) {
    FileObject* fo = nullptr;
    EXPECT_EQ(Open(path, disposition, options, &fo), NtStatus::Success) << path;
    return fo;
  }

  std::string Read(FileObject* fo, uint64_t offset, uint32_t length) {
    std::string out;
    EXPECT_EQ(VolumeTest::Read(fo, offset, length, &out), NtStatus::Success);
    return out;
  }
  FileStat Stat(FileObject* fo) {
    FileStat st;
    EXPECT_EQ(QueryInfo(fo, FileInformationClass::FileStatInformation, &st), NtStatus::Success);
    return st;
  }
  std::vector<std::string> List(FileObject* dir) {
    std::vector<std::string> names;
    alignas(8) char buffer[4096];
    for (uint8_t flags = sl::kRestartScan;; flags = 0) {
      uint64_t info = 0;
      NtStatus s = Send(
          dir, IrpMajor::DirectoryControl, minor::kQueryDirectory, flags,
          [](IoStackLocation* sl) {
            sl->parameters.queryDirectory.length = sizeof buffer;
            sl->parameters.queryDirectory.fileInformationClass =
                FileInformationClass::FileFullDirectoryInformation;
          },
          buffer, &info);
      if (s == NtStatus::NoMoreFiles) break;
      EXPECT_EQ(s, NtStatus::Success);
      if (!NtSuccess(s)) break;
      for (size_t at = 0;;) {
        auto* entry = reinterpret_cast<const DirEntryHeader*>(buffer + at);
        names.emplace_back(DirEntryName(entry));
        if (entry->nextEntryOffset == 0) break;
        at += entry->nextEntryOffset;
      }
    }
    return names;
  }

  MemFs* fs_ = nullptr;
};

TEST(MemfsDriverTest, BadOptionsAreInvalidParameter) {
  DriverObject* driver = nullptr;
  EXPECT_EQ(IoCreateDriver("memfs", MemfsDriverEntry, "capacity=lots", &driver),
            NtStatus::InvalidParameter);
  ASSERT_EQ(IoCreateDriver("memfs", MemfsDriverEntry, "", &driver), NtStatus::Success);
  DeviceObject* volume = nullptr;
  EXPECT_EQ(MemfsCreateVolume(driver, "inodes=0", {}, &volume), NtStatus::InvalidParameter);
  EXPECT_EQ(volume, nullptr);
  IoUnloadDriver(driver);
}

TEST_F(MemfsIrpTest, OptionsReachTheVolume) {
  EXPECT_EQ(fs_->capacity().totalBytes(), 1u << 20);
  EXPECT_EQ(fs_->capacity().totalInodes(), 100u);
  EXPECT_EQ(volume_->name(), "memfs0");
  FsAttributeInfo attributes;
  uint64_t info = 0;
  ASSERT_EQ(Send(
                nullptr, IrpMajor::QueryVolumeInformation, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.queryVolume.length = sizeof(FsAttributeInfo);
                  sl->parameters.queryVolume.fsInformationClass =
                      FsInformationClass::FileFsAttributeInformation;
                },
                &attributes, &info),
            NtStatus::Success);
  EXPECT_STREQ(attributes.fileSystemName, "memfs");
}

TEST_F(MemfsIrpTest, CreateWriteReadThroughIrps) {
  FileObject* fo = MustOpen("/hello.txt", CreateDisposition::Create);
  ASSERT_NE(fo, nullptr);
  ASSERT_EQ(Write(fo, 0, "hello, irp"), NtStatus::Success);
  EXPECT_EQ(Read(fo, 7, 100), "irp");
  FileStat st = Stat(fo);
  EXPECT_EQ(st.size, 10u);
  EXPECT_EQ(st.uid, 1000u);
  EXPECT_TRUE(S_ISREG(st.mode));
  Close(fo);

  FileObject* again = MustOpen("/hello.txt", CreateDisposition::Open);
  EXPECT_EQ(Read(again, 0, 100), "hello, irp");
  Close(again);
}

TEST_F(MemfsIrpTest, DirectoriesListThroughIrps) {
  Close(MustOpen("/dir", CreateDisposition::Create, create_option::kDirectoryFile));
  Close(MustOpen("/dir/a", CreateDisposition::Create));
  Close(MustOpen("/dir/b", CreateDisposition::Create));
  FileObject* dir = MustOpen("/dir", CreateDisposition::Open, create_option::kDirectoryFile);
  EXPECT_EQ(List(dir), (std::vector<std::string>{".", "..", "a", "b"}));
  Close(dir);
}

TEST_F(MemfsIrpTest, DiskFullThroughIrps) {
  FileObject* fo = MustOpen("/big", CreateDisposition::Create);
  ASSERT_EQ(Write(fo, 0, std::string(1 << 19, 'x')), NtStatus::Success);
  EXPECT_EQ(Write(fo, 1 << 19, std::string((1 << 19) + 1, 'y')), NtStatus::DiskFull);
  EXPECT_EQ(Stat(fo).size, 1u << 19);
  Close(fo);
}

TEST_F(MemfsIrpTest, RenameAndDeleteThroughIrps) {
  FileObject* fo = MustOpen("/old", CreateDisposition::Create);
  ASSERT_EQ(Write(fo, 0, "data"), NtStatus::Success);
  FileRenameInfo rename;
  rename.fileName = "/new";
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FileRenameInformation, rename), NtStatus::Success);
  FileObject* missing = nullptr;
  EXPECT_EQ(Open("/old", CreateDisposition::Open, 0, &missing), NtStatus::ObjectNameNotFound);

  uint64_t inodes = fs_->capacity().usedInodes();
  FileDispositionInfo disposition;
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformation, disposition),
            NtStatus::Success);
  Close(fo);  // last handle: the name goes, then the node with the last reference
  EXPECT_EQ(Open("/new", CreateDisposition::Open, 0, &missing), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(fs_->capacity().usedInodes(), inodes - 1);
}

TEST_F(MemfsIrpTest, XattrsThroughIrps) {
  FileObject* fo = MustOpen("/f", CreateDisposition::Create);
  std::string value = "blue";
  auto createColor = [&] {
    return Send(
        fo, IrpMajor::SetEa, 0, 0,
        [&](IoStackLocation* sl) {
          sl->parameters.setEa.name = "user.color";
          sl->parameters.setEa.length = static_cast<uint32_t>(value.size());
          sl->parameters.setEa.flags = ea_flag::kCreate;
        },
        value.data());
  };
  ASSERT_EQ(createColor(), NtStatus::Success);
  EXPECT_EQ(createColor(), NtStatus::ObjectNameCollision);
  char buffer[16];
  uint64_t info = 0;
  ASSERT_EQ(Send(
                fo, IrpMajor::QueryEa, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.queryEa.name = "user.color";
                  sl->parameters.queryEa.length = sizeof buffer;
                },
                buffer, &info),
            NtStatus::Success);
  EXPECT_EQ(std::string(buffer, info), "blue");
  Close(fo);
}

}  // namespace
}  // namespace irpfs::memfs

// examples/hello driven by real IRPs: the driver's own DriverEntry makes the volume.
#include <gtest/gtest.h>

#include <cstring>

#include "core/io_manager.h"
#include "fsclass_harness.h"
#include "hello_fs.h"

namespace irpfs::fsclass::testing {
namespace {

class HelloTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("hello", hello::HelloDriverEntry, "", &driver_), NtStatus::Success);
    ASSERT_EQ(driver_->Devices().size(), 1u);
    volume_ = driver_->Devices().front();
  }
  void TearDown() override { IoUnloadDriver(driver_); }

  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
};

TEST_F(HelloTest, ReadsHelloTxt) {
  Opened f = CreateOn(volume_, {.name = "/hello.txt"});
  ASSERT_EQ(f.status, NtStatus::Success);
  EXPECT_EQ(f.info, static_cast<uint64_t>(CreateAction::Opened));
  char buffer[64] = {};
  uint64_t info = 0;
  NtStatus s = SendIrp(
      volume_, f.fo, IrpMajor::Read, 0, 0,
      [](IoStackLocation* sl) {
        sl->parameters.read.length = 64;
        sl->parameters.read.byteOffset = 0;
      },
      buffer, &info);
  EXPECT_EQ(s, NtStatus::Success);
  EXPECT_EQ(std::string(buffer, info), "Hello from irpfs\n");
  // Past the end: success, nothing.
  s = SendIrp(
      volume_, f.fo, IrpMajor::Read, 0, 0,
      [](IoStackLocation* sl) {
        sl->parameters.read.length = 64;
        sl->parameters.read.byteOffset = 100;
      },
      buffer, &info);
  EXPECT_EQ(s, NtStatus::Success);
  EXPECT_EQ(info, 0u);
  ObCloseHandle(f.fo);
}

TEST_F(HelloTest, MissingFileIsNotFound) {
  EXPECT_EQ(CreateOn(volume_, {.name = "/nope.txt"}).status, NtStatus::ObjectNameNotFound);
}

TEST_F(HelloTest, ListsRoot) {
  Opened root = CreateOn(volume_, {.name = "/"});
  ASSERT_EQ(root.status, NtStatus::Success);
  alignas(8) std::byte buffer[1024];
  uint64_t info = 0;
  auto query = [&] {
    return SendIrp(
        volume_, root.fo, IrpMajor::DirectoryControl, minor::kQueryDirectory, 0,
        [](IoStackLocation* sl) {
          sl->parameters.queryDirectory.length = sizeof buffer;
          sl->parameters.queryDirectory.fileInformationClass =
              FileInformationClass::FileFullDirectoryInformation;
        },
        buffer, &info);
  };
  ASSERT_EQ(query(), NtStatus::Success);
  std::vector<std::string> names;
  std::vector<uint64_t> sizes;
  for (auto* e = reinterpret_cast<DirEntryHeader*>(buffer);;
       e = reinterpret_cast<DirEntryHeader*>(reinterpret_cast<std::byte*>(e) +
                                             e->nextEntryOffset)) {
    names.emplace_back(DirEntryName(e));
    sizes.push_back(e->stat.size);
    if (e->nextEntryOffset == 0) break;
  }
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "hello.txt"}));
  EXPECT_EQ(sizes[2], 17u);
  EXPECT_EQ(query(), NtStatus::NoMoreFiles);
  ObCloseHandle(root.fo);
}

TEST_F(HelloTest, WritesFail) {
  EXPECT_EQ(CreateOn(volume_, {.name = "/hello.txt", .access = access::kGenericWrite}).status,
            NtStatus::MediaWriteProtected);
  EXPECT_EQ(
      CreateOn(volume_, {.name = "/new.txt", .disposition = CreateDisposition::Create}).status,
      NtStatus::MediaWriteProtected);
  Opened f = CreateOn(volume_, {.name = "/hello.txt"});
  ASSERT_EQ(f.status, NtStatus::Success);
  char data[] = "x";
  NtStatus s = SendIrp(
      volume_, f.fo, IrpMajor::Write, 0, 0,
      [](IoStackLocation* sl) { sl->parameters.write.length = 1; }, data);
  EXPECT_EQ(s, NtStatus::AccessDenied);
  ObCloseHandle(f.fo);
}

TEST_F(HelloTest, VolumeReportsReadOnly) {
  FsAttributeInfo attributes;
  uint64_t info = 0;
  NtStatus s = SendIrp(
      volume_, nullptr, IrpMajor::QueryVolumeInformation, 0, 0,
      [](IoStackLocation* sl) {
        sl->parameters.queryVolume.length = sizeof(FsAttributeInfo);
        sl->parameters.queryVolume.fsInformationClass =
            FsInformationClass::FileFsAttributeInformation;
      },
      &attributes, &info);
  EXPECT_EQ(s, NtStatus::Success);
  EXPECT_EQ(info, sizeof(FsAttributeInfo));
  EXPECT_TRUE(attributes.attributes & fs_attribute::kReadOnlyVolume);
  EXPECT_STREQ(attributes.fileSystemName, "irpfs");
}

}  // namespace
}  // namespace irpfs::fsclass::testing

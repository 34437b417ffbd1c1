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
#include <memory>
#include <sstream>
#include <string>

#include "core/io_manager.h"
#include "drivers/mirror/mirror.h"
#include "drivers/mirror/mirror_driver.h"
#include "fsclass/fs_class_driver.h"
#include "support/volume_test.h"

namespace irpfs::mirror::testing {

using test_volume::CreateArgs;
using test_volume::FillStack;
using test_volume::Opened;

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

class MirrorTest : public test_volume::VolumeTest {
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
    ASSERT_EQ(MirrorCreateVolume(driver_, "source=" + source_ + MoreOptions(),
                                 {.name = "mirror-test"}, &volume_),
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

  // Mirror options after the source (",key=value..."), for fixtures that need some.
  virtual std::string MoreOptions() const { return ""; }

  std::string Host(const std::string& relative) const { return source_ + "/" + relative; }

  FileObject* OpenRW(const std::string& name,
                     CreateDisposition disposition = CreateDisposition::OpenIf) {
    return MustOpen({.name = name,
                     .access = access::kGenericRead | access::kGenericWrite | access::kDelete,
                     .disposition = disposition});
  }
  std::string ReadAll(FileObject* fo) {
    std::string out;
    EXPECT_EQ(Read(fo, 0, 1 << 16, &out), NtStatus::Success);
    return out;
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
  MirrorFs* mirror_ = nullptr;
};

}  // namespace irpfs::mirror::testing

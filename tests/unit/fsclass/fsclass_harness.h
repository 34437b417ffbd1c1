// A volume of the class driver over TestFs (or any mini); the IRP helpers are the shared
// ones of support/volume_test.h.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/io_manager.h"
#include "fsclass/fs_class_driver.h"
#include "support/volume_test.h"
#include "test_fs.h"

namespace irpfs::fsclass::testing {

using test_volume::CreateArgs;
using test_volume::CreateOn;
using test_volume::FillStack;
using test_volume::Opened;
using test_volume::SendIrp;

class FsClassTest : public test_volume::VolumeTest {
 protected:
  virtual VolumeOptions Options() { return VolumeOptions{.name = "fsclass-test"}; }

  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("fsclass", FsClassDriverEntry, "", &driver_), NtStatus::Success);
    fs_ = std::make_shared<TestFs>();
    ASSERT_EQ(FsCreateVolume(driver_, fs_, Options(), &volume_), NtStatus::Success);
  }

  void TearDown() override {
    // Every test closes what it opened: the class driver must then hold no node and no open.
    EXPECT_EQ(fs_->nodeRefs.load(), 0);
    EXPECT_EQ(fs_->openCount.load(), 0);
    FsDeleteVolume(volume_);
    IoUnloadDriver(driver_);
  }

  FileObject* MakeFile(const std::string& name, const std::string& content = "") {
    FileObject* fo = MustOpen({.name = name,
                               .access = access::kGenericRead | access::kGenericWrite,
                               .disposition = CreateDisposition::Create});
    if (fo && !content.empty()) Write(fo, 0, content);
    return fo;
  }
  void MakeDir(const std::string& name) {
    Close(MustOpen({.name = name,
                    .disposition = CreateDisposition::Create,
                    .options = create_option::kDirectoryFile}));
  }

  std::shared_ptr<TestFs> fs_;
};

}  // namespace irpfs::fsclass::testing

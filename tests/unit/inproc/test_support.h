// A memfs volume mounted through inproc::Volume, a Client on it, and helpers to look at
// the volume's content directly through the mini file system (not through the API under
// test), so that "nothing changed" checks do not trust what they check.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"
#include "transport/inproc/client.h"
#include "transport/inproc/volume.h"

namespace irpfs::inproc::testing {

// Path -> "dir" for a directory or "file:" + contents for a file.
using VolumeContent = std::map<std::string, std::string>;

NtStatus MemfsDriverEntry(DriverObject* driver, std::string_view parameters);

class MemfsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Override to mount with other class-driver options.
  virtual fsclass::VolumeOptions Options() const;

  // Everything on the volume, read through memfs itself.
  VolumeContent Content() const;
  bool Exists(std::string_view path) const;
  // Creates (or replaces) a file with `data` through the client; fails the test on error.
  void MakeFile(std::string_view path, std::string_view data);
  // The file's contents through the client (opened for read, sharing everything).
  std::string ReadAll(std::string_view path);

  std::shared_ptr<memfs::MemFs> fs_;
  std::unique_ptr<Volume> volume_;
  std::unique_ptr<Client> client_;
};

// Asserts a Win32-style failure: the thread's last NtStatus and the Win32 code it maps to.
#define EXPECT_LAST_STATUS(status)                                              \
  do {                                                                          \
    EXPECT_EQ(::irpfs::StatusName(::irpfs::inproc::GetLastNtStatus()),          \
              ::irpfs::StatusName(status));                                     \
    EXPECT_EQ(::irpfs::inproc::GetLastError(), ::irpfs::StatusToWin32(status)); \
  } while (0)

}  // namespace irpfs::inproc::testing

// Options and the source check the mount command uses.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/io_manager.h"
#include "drivers/mirror/mirror_driver.h"
#include "drivers/mirror/mirror_options.h"

namespace irpfs::mirror {
namespace {

TEST(MirrorOptionsTest, ParsesSourceAndLabel) {
  MirrorOptions o;
  ASSERT_EQ(ParseMirrorOptions("source=/srv/data,label=Data", &o), NtStatus::Success);
  EXPECT_EQ(o.source, "/srv/data");
  EXPECT_EQ(o.label, "Data");
  MirrorOptions bare;
  ASSERT_EQ(ParseMirrorOptions("/srv/x", &bare), NtStatus::Success);
  EXPECT_EQ(bare.source, "/srv/x");
  EXPECT_EQ(ParseMirrorOptions("colour=red", &o), NtStatus::InvalidParameter);
  EXPECT_EQ(ParseMirrorOptions("label=" + std::string(64, 'x'), &o), NtStatus::InvalidParameter);
  EXPECT_EQ(o.source, "/srv/data");  // unchanged by a failed parse
}

TEST(MirrorOptionsTest, DirectoryReadAheadIsOnUnlessTurnedOff) {
  MirrorOptions o;
  EXPECT_TRUE(o.dirReadAhead);
  ASSERT_EQ(ParseMirrorOptions("/srv/x,dir_readahead=off", &o), NtStatus::Success);
  EXPECT_FALSE(o.dirReadAhead);
  ASSERT_EQ(ParseMirrorOptions("dir_readahead=on", &o), NtStatus::Success);
  EXPECT_TRUE(o.dirReadAhead);
  EXPECT_EQ(ParseMirrorOptions("dir_readahead=1", &o), NtStatus::InvalidParameter);
}

class MirrorSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/irpfs-mirror-src-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    ASSERT_EQ(mkdir((base_ + "/src").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((base_ + "/src/inner").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((base_ + "/mnt").c_str(), 0755), 0);
    FILE* f = fopen((base_ + "/file").c_str(), "w");
    fclose(f);
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  std::string base_;
  std::string message_;
};

TEST_F(MirrorSourceTest, AcceptsADirectoryBesideTheMountPoint) {
  EXPECT_EQ(ValidateMirrorSource(base_ + "/src", base_ + "/mnt", &message_), NtStatus::Success);
}

TEST_F(MirrorSourceTest, RefusesWhatCannotBeMirrored) {
  EXPECT_EQ(ValidateMirrorSource(base_ + "/none", base_ + "/mnt", &message_),
            NtStatus::ObjectPathNotFound);
  EXPECT_NE(message_.find("No such file"), std::string::npos) << message_;
  EXPECT_EQ(ValidateMirrorSource(base_ + "/file", base_ + "/mnt", &message_),
            NtStatus::NotADirectory);
  EXPECT_NE(message_.find("not a directory"), std::string::npos) << message_;
  EXPECT_EQ(ValidateMirrorSource(base_ + "/mnt", base_ + "/mnt/", &message_),
            NtStatus::InvalidParameter);
  EXPECT_NE(message_.find("is the mount point"), std::string::npos) << message_;
  EXPECT_EQ(ValidateMirrorSource(base_ + "/src", base_ + "/src/inner", &message_),
            NtStatus::InvalidParameter);
  EXPECT_NE(message_.find("contains the mount point"), std::string::npos) << message_;
  // Through a symlink or a not-yet-existing mount point, the real paths decide.
  ASSERT_EQ(symlink((base_ + "/src").c_str(), (base_ + "/alias").c_str()), 0);
  EXPECT_EQ(ValidateMirrorSource(base_ + "/alias", base_ + "/src/inner/new", &message_),
            NtStatus::InvalidParameter);
  EXPECT_EQ(ValidateMirrorSource("", base_ + "/mnt", &message_), NtStatus::InvalidParameter);
  EXPECT_EQ(message_.find('\n'), std::string::npos);  // one line
}

TEST_F(MirrorSourceTest, VolumeCreationFailsForAMissingSource) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("mirror", MirrorDriverEntry, "", &driver), NtStatus::Success);
  DeviceObject* volume = nullptr;
  EXPECT_EQ(MirrorCreateVolume(driver, "source=" + base_ + "/none", {}, &volume),
            NtStatus::ObjectPathNotFound);
  EXPECT_EQ(MirrorCreateVolume(driver, "bogus=1", {}, &volume), NtStatus::InvalidParameter);
  ASSERT_EQ(MirrorCreateVolume(driver, "source=" + base_ + "/src", {}, &volume), NtStatus::Success);
  fsclass::FsDeleteVolume(volume);
  IoUnloadDriver(driver);
}

// The kernel's descriptor table grows by doubling, with an RCU grace period per growth
// once threads share it; a mirror volume grows it at creation instead of in the request
// that opens the 256th host descriptor. /proc reports the table's size as FDSize.
TEST_F(MirrorSourceTest, VolumeCreationGrowsTheDescriptorTableUpFront) {
  auto fdTableSize = [] {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("FDSize:", 0) == 0) return std::stoul(line.substr(7));
    }
    return 0ul;
  };
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("mirror", MirrorDriverEntry, "", &driver), NtStatus::Success);
  DeviceObject* volume = nullptr;
  ASSERT_EQ(MirrorCreateVolume(driver, "source=" + base_ + "/src", {}, &volume), NtStatus::Success);
  // The volume raised the soft limit to the hard one, and the table covers it (up to
  // the 65536 descriptors the mirror reserves at most).
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  const unsigned long wanted = std::min<unsigned long>(limit.rlim_cur, 65536);
  EXPECT_GE(fdTableSize(), wanted);
  fsclass::FsDeleteVolume(volume);
  IoUnloadDriver(driver);
}

}  // namespace
}  // namespace irpfs::mirror

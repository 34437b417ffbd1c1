#include "control/runtime_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "control_test_util.h"

namespace irpfs::control {
namespace {

TEST(RuntimeDirTest, EscapesMountPointsUnambiguously) {
  EXPECT_EQ(EscapeMountPoint("/mnt/data"), "mnt-data");
  EXPECT_EQ(EscapeMountPoint("/mnt/data/"), "mnt-data");
  EXPECT_EQ(EscapeMountPoint("/mnt//data"), "mnt-data");
  EXPECT_EQ(EscapeMountPoint("/mnt/a-b"), "mnt-a\\x2db");
  EXPECT_NE(EscapeMountPoint("/mnt/a-b"), EscapeMountPoint("/mnt/a/b"));
  EXPECT_EQ(EscapeMountPoint("/home/me/.cache"), "home-me-.cache");
  EXPECT_EQ(EscapeMountPoint("/.hidden"), "\\x2ehidden");
  EXPECT_EQ(EscapeMountPoint("/mnt/with space"), "mnt-with\\x20space");
  EXPECT_EQ(EscapeMountPoint("/"), "-");
}

TEST(RuntimeDirTest, DirectoryFollowsTheCaller) {
  if (geteuid() == 0) {
    EXPECT_EQ(RuntimeDirectory(), "/run/irpfs");
    EXPECT_EQ(ControlSocketPathFor("/mnt/m"), "/run/irpfs/mnt-m.sock");
    return;
  }
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg == '/') {
    EXPECT_EQ(RuntimeDirectory(), std::string(xdg) + "/irpfs");
  } else {
    EXPECT_EQ(RuntimeDirectory(), "/tmp/irpfs-" + std::to_string(geteuid()));
  }
}

TEST(RuntimeDirTest, EnsurePrivateDirectoryCreatesMissingParents) {
  testing::TempDir dir;
  std::string nested = dir.path() + "/a/b/c";
  std::string error;
  ASSERT_EQ(EnsurePrivateDirectory(nested, &error), NtStatus::Success) << error;
  struct stat st {};
  ASSERT_EQ(stat(nested.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  // Existing: fine, and left as it is.
  ASSERT_EQ(chmod(nested.c_str(), 0750), 0);
  EXPECT_EQ(EnsurePrivateDirectory(nested, &error), NtStatus::Success);
  ASSERT_EQ(stat(nested.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  // A file in the way.
  std::string file = dir.path() + "/f";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  EXPECT_FALSE(NtSuccess(EnsurePrivateDirectory(file, &error)));
}

}  // namespace
}  // namespace irpfs::control

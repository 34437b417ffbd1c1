// Path normalization: the volume path an IRP_MJ_CREATE carries.
#include <gtest/gtest.h>

#include "transport/inproc/path.h"

namespace irpfs::inproc::detail {
namespace {

std::string Normalized(std::string_view in) {
  std::string out;
  NtStatus s = NormalizePath(in, &out);
  return NtSuccess(s) ? out : std::string(StatusName(s));
}

TEST(PathTest, Normalize) {
  EXPECT_EQ(Normalized("/"), "/");
  EXPECT_EQ(Normalized("\\"), "/");
  EXPECT_EQ(Normalized("a"), "/a");
  EXPECT_EQ(Normalized("/a/b"), "/a/b");
  EXPECT_EQ(Normalized("\\a\\b\\"), "/a/b");
  EXPECT_EQ(Normalized("//a///b//"), "/a/b");
  EXPECT_EQ(Normalized("/a/.b/..c"), "/a/.b/..c");
}

TEST(PathTest, Refused) {
  const std::string invalid(StatusName(NtStatus::ObjectNameInvalid));
  EXPECT_EQ(Normalized(""), invalid);
  EXPECT_EQ(Normalized("."), invalid);
  EXPECT_EQ(Normalized(".."), invalid);
  EXPECT_EQ(Normalized("/a/../b"), invalid);
  EXPECT_EQ(Normalized("/a/./b"), invalid);
  EXPECT_EQ(Normalized(std::string_view("/a\0b", 4)), invalid);
}

TEST(PathTest, SplitSearch) {
  std::string dir, pattern;
  ASSERT_EQ(SplitSearchPath("/d/*.txt", &dir, &pattern), NtStatus::Success);
  EXPECT_EQ(dir, "/d");
  EXPECT_EQ(pattern, "*.txt");
  ASSERT_EQ(SplitSearchPath("*.txt", &dir, &pattern), NtStatus::Success);
  EXPECT_EQ(dir, "/");
  EXPECT_EQ(pattern, "*.txt");
  ASSERT_EQ(SplitSearchPath("\\d\\", &dir, &pattern), NtStatus::Success);
  EXPECT_EQ(dir, "/d");
  EXPECT_EQ(pattern, "*");
  EXPECT_EQ(SplitSearchPath("", &dir, &pattern), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(SplitSearchPath("/../*", &dir, &pattern), NtStatus::ObjectNameInvalid);
}

}  // namespace
}  // namespace irpfs::inproc::detail

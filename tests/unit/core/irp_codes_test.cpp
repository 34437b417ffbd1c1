#include "core/irp_codes.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace irpfs {
namespace {

TEST(IrpCodes, MajorNames) {
  EXPECT_EQ(IrpMajorName(IrpMajor::Create), "IRP_MJ_CREATE");
  EXPECT_EQ(IrpMajorName(IrpMajor::Cleanup), "IRP_MJ_CLEANUP");
  EXPECT_EQ(IrpMajorName(IrpMajor::QueryVolumeInformation), "IRP_MJ_QUERY_VOLUME_INFORMATION");
  EXPECT_EQ(IrpMajorName(IrpMajor::Pnp), "IRP_MJ_PNP");
  EXPECT_EQ(IrpMajorName(static_cast<IrpMajor>(0x40)), "IRP_MJ_UNKNOWN");
}

TEST(IrpCodes, EveryMajorHasItsOwnName) {
  std::set<std::string> names;
  for (int major = 0; major < kIrpMajorCount; ++major) {
    std::string name(IrpMajorName(static_cast<IrpMajor>(major)));
    EXPECT_EQ(name.rfind("IRP_MJ_", 0), 0u) << name;
    EXPECT_NE(name, "IRP_MJ_UNKNOWN");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kIrpMajorCount));
}

TEST(IrpCodes, MinorNamesDependOnTheMajor) {
  EXPECT_EQ(IrpMinorName(IrpMajor::DirectoryControl, minor::kQueryDirectory),
            "IRP_MN_QUERY_DIRECTORY");
  EXPECT_EQ(IrpMinorName(IrpMajor::LockControl, minor::kLock), "IRP_MN_LOCK");
  EXPECT_EQ(IrpMinorName(IrpMajor::LockControl, minor::kQueryLock), "IRP_MN_QUERY_LOCK");
  EXPECT_EQ(IrpMinorName(IrpMajor::FlushBuffers, minor::kFlushDataOnly), "IRP_MN_FLUSH_DATA_ONLY");
  EXPECT_EQ(IrpMinorName(IrpMajor::FileSystemControl, minor::kMountVolume), "IRP_MN_MOUNT_VOLUME");
  EXPECT_EQ(IrpMinorName(IrpMajor::Read, 0), "");
  EXPECT_EQ(IrpMinorName(IrpMajor::DirectoryControl, 0x7f), "");
}

}  // namespace
}  // namespace irpfs

// ListingHistory: the second open of an unchanged directory asks for the kernel's
// listing cache; a change, or another directory taking the slot, starts over.
#include "transport/fuse/listing_history.h"

#include <gtest/gtest.h>

namespace irpfs::fuse {
namespace {

TEST(ListingHistoryTest, TheSecondOpenOfAnUnchangedDirectoryIsCached) {
  ListingHistory history;
  EXPECT_FALSE(history.Opened(7));
  EXPECT_TRUE(history.Opened(7));
  EXPECT_TRUE(history.Opened(7));
  history.Changed(7);
  EXPECT_FALSE(history.Opened(7));
  EXPECT_TRUE(history.Opened(7));
}

TEST(ListingHistoryTest, ChangesToOtherDirectoriesLeaveItAlone) {
  ListingHistory history;
  history.Opened(7);
  history.Changed(8);
  history.Changed(7 + 1024);  // the same slot, another directory
  EXPECT_TRUE(history.Opened(7));
}

TEST(ListingHistoryTest, DirectoriesSharingASlotOnlyForgetEachOther) {
  ListingHistory history;
  history.Opened(7);
  EXPECT_FALSE(history.Opened(7 + 1024)) << "never opened before";
  EXPECT_FALSE(history.Opened(7)) << "its slot was taken: counts as a first open";
  EXPECT_TRUE(history.Opened(7));
}

}  // namespace
}  // namespace irpfs::fuse

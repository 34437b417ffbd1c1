// ListingHistory: the second open of an unchanged directory asks for the kernel's
// listing cache; a change, a LOOKUP while the listing is kept, or another directory
// taking the slot, starts over.
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
  history.LookedUp(7 + 1024);
  EXPECT_TRUE(history.Opened(7));
}

TEST(ListingHistoryTest, DirectoriesSharingASlotOnlyForgetEachOther) {
  ListingHistory history;
  history.Opened(7);
  EXPECT_FALSE(history.Opened(7 + 1024)) << "never opened before";
  EXPECT_FALSE(history.Opened(7)) << "its slot was taken: counts as a first open";
  EXPECT_TRUE(history.Opened(7));
}

// A LOOKUP after a kept listing: the caller wants attributes (ls -l) that only a
// READDIRPLUS from the server refreshes, so the caching stops until the next change.
TEST(ListingHistoryTest, ALookupWhileTheListingIsKeptStopsCachingUntilAChange) {
  ListingHistory history;
  history.Opened(7);
  history.LookedUp(7);  // before any cached open: path walks, a stat phase
  EXPECT_TRUE(history.Opened(7));
  history.LookedUp(7);
  EXPECT_FALSE(history.Opened(7));
  EXPECT_FALSE(history.Opened(7)) << "sticky";
  history.Changed(7);
  EXPECT_FALSE(history.Opened(7));
  EXPECT_TRUE(history.Opened(7));
}

}  // namespace
}  // namespace irpfs::fuse

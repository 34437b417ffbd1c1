// ThreadLookaside: freed storage comes back on the same thread, objects are built and
// destroyed every time, and other threads keep their own caches.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/io_manager.h"
#include "core/lookaside.h"

namespace irpfs {
namespace {

struct Counted {
  static inline int live = 0;
  int value;
  explicit Counted(int v) : value(v) { ++live; }
  ~Counted() { --live; }
};

using CountedLookaside = ThreadLookaside<Counted, 2>;

TEST(Lookaside, ConstructsAndDestroysEveryObject) {
  Counted* a = CountedLookaside::New(7);
  EXPECT_EQ(a->value, 7);
  EXPECT_EQ(Counted::live, 1);
  CountedLookaside::Delete(a);
  EXPECT_EQ(Counted::live, 0);
  Counted* b = CountedLookaside::New(9);
  EXPECT_EQ(b->value, 9);
  EXPECT_EQ(Counted::live, 1);
  CountedLookaside::Delete(b);
  CountedLookaside::Delete(nullptr);
  EXPECT_EQ(Counted::live, 0);
}

#ifndef IRPFS_LOOKASIDE_OFF
TEST(Lookaside, ReusesThisThreadsStorageUpToItsDepth) {
  Counted* a = CountedLookaside::New(1);
  Counted* b = CountedLookaside::New(2);
  Counted* c = CountedLookaside::New(3);
  CountedLookaside::Delete(a);
  CountedLookaside::Delete(b);
  CountedLookaside::Delete(c);  // beyond the depth of 2: really freed
  Counted* again = CountedLookaside::New(4);
  EXPECT_EQ(again, b) << "the last storage kept comes back first";
  Counted* other = nullptr;
  std::thread([&] { other = CountedLookaside::New(5); }).join();
  EXPECT_NE(other, a) << "another thread does not take this thread's storage";
  CountedLookaside::Delete(other);  // lands in this thread's cache
  CountedLookaside::Delete(again);
  EXPECT_EQ(Counted::live, 0);
}

TEST(Lookaside, IrpsComeBackInitializedAfterReuse) {
  Irp* first = IoAllocateIrp(3);
  first->flags = 0xff;
  first->ioStatus.information = 42;
  IoFreeIrp(first);
  Irp* second = IoAllocateIrp(2);
  EXPECT_EQ(second, first);
  EXPECT_EQ(second->flags, 0u);
  EXPECT_EQ(second->ioStatus.information, 0u);
  EXPECT_EQ(second->stackCount, 2);
  EXPECT_EQ(second->currentLocation, 2);
  IoFreeIrp(second);
}
#endif

TEST(Lookaside, ManyThreadsAllocateAndFreeAcrossEachOther) {
  std::vector<Counted*> made(64);
  std::thread maker([&] {
    for (size_t i = 0; i < made.size(); ++i) made[i] = CountedLookaside::New(static_cast<int>(i));
  });
  maker.join();
  std::thread freer([&] {
    for (Counted* c : made) CountedLookaside::Delete(c);
  });
  freer.join();
  EXPECT_EQ(Counted::live, 0);
}

}  // namespace
}  // namespace irpfs

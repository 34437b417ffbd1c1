// LOOKUP through IRP_MJ_QUERY_OPEN: a node the dispatcher already holds is answered from
// one QUERY_OPEN (no CREATE, CLEANUP or CLOSE); a node it does not hold is opened after
// it; a stack that refuses QUERY_OPEN is opened for every lookup, with the same answers;
// with negative entries on, a missing name (and only that) is an entry with node id 0.
#include <array>
#include <atomic>
#include <string>

#include "core/io_manager.h"
#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

struct CountingExtension {
  DeviceObject* lower = nullptr;
  std::array<std::atomic<int>, kIrpMajorCount> irps{};
  std::atomic<bool> refuseQueryOpen{false};

  int Count(IrpMajor major) const { return irps[static_cast<size_t>(major)].load(); }
  void Reset() {
    for (auto& count : irps) count.store(0);
  }
};

NtStatus CountAndPass(DeviceObject* device, Irp* irp) {
  auto* ext = device->Extension<CountingExtension>();
  IrpMajor major = IoGetCurrentIrpStackLocation(irp)->majorFunction;
  ++ext->irps[static_cast<size_t>(major)];
  if (major == IrpMajor::QueryOpen && ext->refuseQueryOpen.load()) {
    return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  }
  IoSkipCurrentIrpStackLocation(irp);
  return IoCallDriver(ext->lower, irp);
}

NtStatus CountingEntry(DriverObject* driver, std::string_view) {
  for (DispatchRoutine& routine : driver->majorFunction) routine = &CountAndPass;
  return NtStatus::Success;
}

class QueryOpenTest : public DispatchTest {
 protected:
  void SetUp() override {
    DispatchTest::SetUp();
    ext_ = AttachFilter<CountingExtension>("counting", &CountingEntry);
    ASSERT_NE(ext_, nullptr);
  }
  void TearDown() override {
    DetachFilter();
    DispatchTest::TearDown();
  }

  CountingExtension* ext_ = nullptr;
};

TEST_F(QueryOpenTest, AKnownNodeIsAnsweredWithoutAnOpen) {
  uint64_t file = 0, fh = 0;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "twelve bytes").error, 0);
  ext_->Reset();
  fuse_entry_out looked = EntryOf(Lookup(kRootId, "f"));
  EXPECT_EQ(looked.nodeid, file);
  EXPECT_EQ(looked.attr.size, 12u);
  EXPECT_TRUE(S_ISREG(looked.attr.mode));
  EXPECT_EQ(ext_->Count(IrpMajor::QueryOpen), 1);
  EXPECT_EQ(ext_->Count(IrpMajor::Create), 0);
  EXPECT_EQ(ext_->Count(IrpMajor::Cleanup), 0);
  EXPECT_EQ(ext_->Count(IrpMajor::Close), 0);
  // The lookup was counted: two FORGETs of one each leave the node, and its open, alone.
  Forget(file, 1);
  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_EQ(EntryOf(Lookup(kRootId, "f")).nodeid, file);
}

TEST_F(QueryOpenTest, ANewNodeIsOpenedAfterTheQuery) {
  uint64_t dir = EntryOf(Mkdir(kRootId, "d")).nodeid;
  uint64_t file = 0, fh = 0;
  MustCreate(dir, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  Forget(file, 1);  // the dispatcher lets go of the node
  ext_->Reset();
  fuse_entry_out looked = EntryOf(Lookup(dir, "f"));
  EXPECT_NE(looked.nodeid, 0u);
  EXPECT_EQ(ext_->Count(IrpMajor::QueryOpen), 1);
  EXPECT_EQ(ext_->Count(IrpMajor::Create), 1);
  // Now known: the next lookup is one QUERY_OPEN again.
  ext_->Reset();
  EXPECT_EQ(EntryOf(Lookup(dir, "f")).nodeid, looked.nodeid);
  EXPECT_EQ(ext_->Count(IrpMajor::QueryOpen), 1);
  EXPECT_EQ(ext_->Count(IrpMajor::Create), 0);
}

TEST_F(QueryOpenTest, ErrorsAreTheOpensErrors) {
  uint64_t file = 0, fh = 0;
  MustCreate(kRootId, "f", &file, &fh);
  uint64_t dir = EntryOf(Mkdir(kRootId, "d")).nodeid;
  auto errors = [&] {
    return std::array<int, 3>{Lookup(kRootId, "missing").error, Lookup(file, "under-a-file").error,
                              Lookup(dir, std::string(300, 'n')).error};
  };
  std::array<int, 3> queried = errors();
  EXPECT_EQ(queried[0], ENOENT);
  EXPECT_NE(queried[1], 0);
  EXPECT_EQ(queried[2], ENAMETOOLONG);
  ext_->refuseQueryOpen = true;
  EXPECT_EQ(Lookup(kRootId, "f").error, 0);  // tries once and learns
  EXPECT_EQ(errors(), queried) << "the open path answers the same";
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(QueryOpenTest, AStackThatRefusesItIsOpenedInstead) {
  uint64_t file = 0, fh = 0;
  MustCreate(kRootId, "f", &file, &fh);
  ext_->refuseQueryOpen = true;
  ext_->Reset();
  EXPECT_EQ(EntryOf(Lookup(kRootId, "f")).nodeid, file);
  EXPECT_EQ(ext_->Count(IrpMajor::QueryOpen), 1);
  EXPECT_EQ(ext_->Count(IrpMajor::Create), 1);
  // Remembered: no QUERY_OPEN is tried again.
  ext_->Reset();
  EXPECT_EQ(EntryOf(Lookup(kRootId, "f")).nodeid, file);
  EXPECT_EQ(ext_->Count(IrpMajor::QueryOpen), 0);
  EXPECT_EQ(ext_->Count(IrpMajor::Create), 1);
  EXPECT_EQ(Lookup(kRootId, "missing").error, ENOENT);
  EXPECT_EQ(Release(file, fh).error, 0);
}

// The kernel keeps a zero-nodeid entry as a negative dentry for entry_valid; other errors
// stay errors (a negative dentry would turn them into ENOENT).
TEST_F(QueryOpenTest, AMissingNameIsANegativeEntryWhenAsked) {
  dispatcher_.reset();
  options_.negativeTimeout = 1.5;
  ASSERT_EQ(DispatcherImpl::Create(volume_, options_, &dispatcher_), NtStatus::Success);
  uint64_t file = 0, fh = 0;
  MustCreate(kRootId, "f", &file, &fh);
  for (bool refused : {false, true}) {
    ext_->refuseQueryOpen = refused;
    Answer missing = Lookup(kRootId, "missing");
    ASSERT_EQ(missing.error, 0) << "query open refused: " << refused;
    fuse_entry_out negative = EntryOf(missing);
    EXPECT_EQ(negative.nodeid, 0u);
    EXPECT_EQ(negative.entry_valid, 1u);
    EXPECT_EQ(negative.entry_valid_nsec, 500000000u);
    EXPECT_EQ(negative.attr_valid, 0u);
    EXPECT_NE(Lookup(file, "under-a-file").error, 0);
    EXPECT_EQ(Lookup(kRootId, std::string(300, 'n')).error, ENAMETOOLONG);
    EXPECT_EQ(EntryOf(Lookup(kRootId, "f")).nodeid, file);
  }
  EXPECT_EQ(Release(file, fh).error, 0);
}

}  // namespace
}  // namespace irpfs::fuse::testing

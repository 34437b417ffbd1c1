// FUSE passthrough in the dispatcher (dispatcher_backing.h): OPEN and CREATE ask the stack
// for a backing descriptor, register it once per node through the transport, answer with
// FOPEN_PASSTHROUGH and the id, and close the id at the last RELEASE. memfs has no host
// files, so a test filter on top of the stack answers the query with a descriptor of its
// own while `offer` is set, and refuses it otherwise; a fake transport hands out ids.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "core/filter_device.h"
#include "core/io_manager.h"
#include "dispatch_harness.h"
#include "transport/fuse/transport.h"

namespace irpfs::fuse::testing {
namespace {

std::atomic<bool> offer{true};
std::atomic<int> offeredFd{-1};
std::atomic<int> queries{0};

struct OfferDevice {};

NtStatus OfferDispatch(DeviceObject* device, Irp* irp) {
  if (!FltIsBackingQuery(irp)) return FltPassDown(device, irp);
  ++queries;
  if (!offer) return IoCompleteWith(irp, NtStatus::NotSupported);
  auto* out = static_cast<FileBackingDescriptorInfo*>(IoGetIrpBuffer(irp));
  *out = FileBackingDescriptorInfo{offeredFd.load(), 0};
  return IoCompleteWith(irp, NtStatus::Success, sizeof *out);
}
NtStatus OfferAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  return FltAddFilterDevice<OfferDevice>(driver, physicalDevice, nullptr);
}
NtStatus OfferDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(OfferDispatch);
  driver->addDevice = OfferAddDevice;
  return NtStatus::Success;
}

class FakeBackingTransport final : public FuseTransport {
 public:
  int SessionFd() const override { return -1; }
  int OpenWorkerFd() override { return -ENOSYS; }
  int OpenBacking(int fd) override {
    std::lock_guard lock(mutex);
    if (failNext) {
      failNext = false;
      return -EPERM;
    }
    opened.push_back(fd);
    return nextId++;
  }
  int CloseBacking(int id) override {
    std::lock_guard lock(mutex);
    closed.push_back(id);
    return 0;
  }
  std::mutex mutex;
  bool failNext = false;
  int nextId = 7;
  std::vector<int> opened;
  std::vector<int> closed;
};

class PassthroughTest : public DispatchTest {
 protected:
  void SetUp() override {
    DispatchTest::SetUp();
    offer = true;
    queries = 0;
    offeredFd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_EQ(IoCreateDriver("offer", OfferDriverEntry, "", &offerDriver_), NtStatus::Success);
    ASSERT_EQ(dispatcher().stack().Attach(offerDriver_, "", 300000), NtStatus::Success);
    ConnectionInfo info;
    info.flags = init_flag::kPassthrough;
    info.backingFiles = &transport_;
    dispatcher().Init(info);
  }
  void TearDown() override {
    DispatchTest::TearDown();  // the dispatcher's stack goes with it
    IoUnloadDriver(offerDriver_);
    close(offeredFd);
  }
  fuse_open_out OpenOut(uint64_t nodeid, uint32_t flags) {
    Answer answer = Open(nodeid, flags);
    EXPECT_EQ(answer.error, 0);
    return answer.As<fuse_open_out>();
  }

  FakeBackingTransport transport_;
  DriverObject* offerDriver_ = nullptr;
};

TEST_F(PassthroughTest, CreateAndOpensShareOneBackingIdPerNode) {
  uint64_t file, fh;
  Answer created = CreateFile(kRootId, "f", O_RDWR | O_CREAT);
  ASSERT_EQ(created.error, 0);
  file = created.As<fuse_entry_out>().nodeid;
  fuse_open_out createOpen{};
  std::memcpy(&createOpen, created.payload.data() + sizeof(fuse_entry_out), sizeof createOpen);
  fh = createOpen.fh;
  EXPECT_EQ(createOpen.open_flags, fopen::kPassthrough);
  EXPECT_EQ(createOpen.backing_id, 7);

  fuse_open_out second = OpenOut(file, O_RDONLY);
  EXPECT_EQ(second.open_flags, fopen::kPassthrough);
  EXPECT_EQ(second.backing_id, 7);  // the node's id, not a new registration
  {
    std::lock_guard lock(transport_.mutex);
    EXPECT_EQ(transport_.opened, std::vector<int>{offeredFd.load()});
  }
  BackingCounters counters = dispatcher().backingCounters();
  EXPECT_TRUE(counters.enabled);
  EXPECT_EQ(counters.liveBackingIds, 1u);
  EXPECT_EQ(counters.livePassthroughOpens, 2u);

  EXPECT_EQ(Release(file, second.fh).error, 0);
  EXPECT_TRUE(transport_.closed.empty());  // one open left
  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_EQ(transport_.closed, std::vector<int>{7});
  EXPECT_EQ(dispatcher().backingCounters().liveBackingIds, 0u);
  // The next open registers afresh.
  fuse_open_out again = OpenOut(file, O_RDONLY);
  EXPECT_EQ(again.backing_id, 8);
  EXPECT_EQ(Release(file, again.fh).error, 0);
}

TEST_F(PassthroughTest, ARefusedQueryGivesAnOrdinaryOpen) {
  offer = false;
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  fuse_open_out out = OpenOut(file, O_RDONLY);
  EXPECT_EQ(out.open_flags & fopen::kPassthrough, 0u);
  EXPECT_EQ(out.backing_id, 0);
  EXPECT_EQ(queries.load(), 2);  // CREATE and OPEN both asked
  // The node has cached opens now: the kernel would refuse a passthrough open of it.
  offer = true;
  fuse_open_out third = OpenOut(file, O_RDONLY);
  EXPECT_EQ(third.open_flags & fopen::kPassthrough, 0u);
  EXPECT_TRUE(transport_.opened.empty());
  BackingCounters counters = dispatcher().backingCounters();
  EXPECT_EQ(counters.serverOpens, 3u);
  EXPECT_EQ(counters.passthroughOpens, 0u);
  EXPECT_EQ(Release(file, third.fh).error, 0);
  EXPECT_EQ(Release(file, out.fh).error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
  // All closed: passthrough again.
  fuse_open_out fourth = OpenOut(file, O_RDONLY);
  EXPECT_EQ(fourth.open_flags, fopen::kPassthrough);
  EXPECT_EQ(Release(file, fourth.fh).error, 0);
}

TEST_F(PassthroughTest, OpensOfANodeWithPassthroughOpensInheritItsBackingId) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  offer = false;  // as if a data-touching filter was attached since
  fuse_open_out out = OpenOut(file, O_RDONLY);
  EXPECT_EQ(out.open_flags, fopen::kPassthrough);
  EXPECT_EQ(out.backing_id, 7);
  EXPECT_EQ(dispatcher().backingCounters().inheritedOpens, 1u);
  EXPECT_EQ(Release(file, out.fh).error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
  fuse_open_out later = OpenOut(file, O_RDONLY);
  EXPECT_EQ(later.open_flags & fopen::kPassthrough, 0u);
  EXPECT_EQ(Release(file, later.fh).error, 0);
}

TEST_F(PassthroughTest, AFailedRegistrationDoesNotFailTheOpen) {
  uint64_t file, fh;
  offer = false;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  offer = true;
  transport_.failNext = true;
  fuse_open_out out = OpenOut(file, O_RDWR);
  EXPECT_EQ(out.open_flags & fopen::kPassthrough, 0u);
  EXPECT_EQ(dispatcher().backingCounters().registerFailures, 1u);
  EXPECT_EQ(Release(file, out.fh).error, 0);
}

TEST_F(PassthroughTest, DirectoriesAreNotAsked) {
  Answer dir = Mkdir(kRootId, "d");
  ASSERT_EQ(dir.error, 0);
  Answer opened = Opendir(dir.As<fuse_entry_out>().nodeid);
  ASSERT_EQ(opened.error, 0);
  EXPECT_EQ(opened.As<fuse_open_out>().open_flags & fopen::kPassthrough, 0u);
  EXPECT_EQ(queries.load(), 0);
  EXPECT_EQ(Releasedir(dir.As<fuse_entry_out>().nodeid, opened.As<fuse_open_out>().fh).error, 0);
}

TEST_F(DispatchTest, WithoutPassthroughNothingIsAsked) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_FALSE(dispatcher().backingCounters().enabled);
  EXPECT_EQ(dispatcher().backingCounters().serverOpens, 0u);
  EXPECT_EQ(Release(file, fh).error, 0);
}

}  // namespace
}  // namespace irpfs::fuse::testing

// Drives DispatcherImpl the way the channel does, over a real memfs volume, and reads its
// answers back as the kernel would: each Reply comes from a real RequestTable and is
// written to one end of a SOCK_SEQPACKET pair, one message per reply.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/io_manager.h"
#include "transport/fuse/buffer_pool.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/fuse_abi.h"
#include "transport/fuse/request_table.h"

namespace irpfs::fuse::testing {

// One reply as the kernel reads it.
struct Answer {
  bool received = false;
  uint64_t unique = 0;
  int error = 0;  // positive errno, 0 for success
  std::vector<std::byte> payload;

  template <class T>
  T As() const {
    T value{};
    EXPECT_GE(payload.size(), sizeof(T)) << "reply too short for the struct";
    std::memcpy(&value, payload.data(), std::min(payload.size(), sizeof(T)));
    return value;
  }
  std::string Text() const {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
  }
};

// What a directory listing carried, one record each.
struct Listed {
  std::string name;
  uint64_t ino = 0;
  uint64_t off = 0;
  uint32_t type = 0;
  uint64_t nodeid = 0;  // readdirplus only
};

class DispatchTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  DispatcherImpl& dispatcher() { return *dispatcher_; }
  RequestTable& requests() { return *requests_; }

  // A fresh request context (a new unique) for `opcode` on `nodeid`.
  RequestContext Ctx(Opcode opcode, uint64_t nodeid);
  // The Reply the channel would hand the dispatcher for `ctx`.
  Reply NewReply(const RequestContext& ctx);
  // The next reply written; fails the test if none comes within `timeoutMs`.
  Answer Receive(int timeoutMs = 5000);
  // True if a reply is waiting (or arrives within timeoutMs).
  bool ReplyWaiting(int timeoutMs);

  // ---- One call, one answer.
  Answer Lookup(uint64_t parent, std::string_view name);
  Answer Mkdir(uint64_t parent, std::string_view name, uint32_t mode = 0755);
  Answer Mknod(uint64_t parent, std::string_view name, uint32_t mode);
  Answer Symlink(uint64_t parent, std::string_view name, std::string_view target);
  Answer CreateFile(uint64_t parent, std::string_view name, uint32_t flags, uint32_t mode = 0644);
  Answer Open(uint64_t nodeid, uint32_t flags);
  Answer Opendir(uint64_t nodeid);
  Answer Write(uint64_t nodeid, uint64_t fh, uint64_t offset, std::string_view data,
               uint32_t flags = 0);
  Answer Read(uint64_t nodeid, uint64_t fh, uint64_t offset, uint32_t size);
  Answer Getattr(uint64_t nodeid, uint64_t fh = 0);
  Answer Setattr(uint64_t nodeid, const fuse_setattr_in& in);
  Answer Unlink(uint64_t parent, std::string_view name);
  Answer Rmdir(uint64_t parent, std::string_view name);
  Answer Rename2(uint64_t parent, std::string_view name, uint64_t newParent,
                 std::string_view newName, uint32_t flags);
  Answer Link(uint64_t oldNode, uint64_t newParent, std::string_view newName);
  Answer Release(uint64_t nodeid, uint64_t fh);
  Answer Releasedir(uint64_t nodeid, uint64_t fh);
  Answer Readdir(uint64_t nodeid, uint64_t fh, uint64_t offset, uint32_t size, bool plus);
  void Forget(uint64_t nodeid, uint64_t nlookup);

  // ---- Composites.
  // Entry of a lookup/create that must succeed.
  fuse_entry_out EntryOf(const Answer& answer);
  // CREATE that must succeed: nodeid and fh.
  void MustCreate(uint64_t parent, std::string_view name, uint64_t* nodeid, uint64_t* fh,
                  uint32_t flags = O_RDWR | O_CREAT);
  uint64_t MustOpen(uint64_t nodeid, uint32_t flags);
  // Parses a READDIR / READDIRPLUS payload.
  static std::vector<Listed> ParseDirents(const Answer& answer, bool plus);
  // Lists a whole directory, `size` bytes per request, following the offsets.
  std::vector<Listed> ListAll(uint64_t nodeid, uint32_t size, bool plus);

  // A filter device of a new driver `name` (DriverEntry `entry`) with a fresh Extension,
  // attached above the volume; Extension::lower is the device below it. nullptr (and a
  // test failure) when something fails. DetachFilter undoes it before TearDown.
  template <class Extension>
  Extension* AttachFilter(std::string_view name, DriverEntryRoutine entry) {
    if (IoCreateDriver(name, entry, "", &filterDriver_) != NtStatus::Success ||
        IoCreateDevice(filterDriver_, DeviceType::Filter, std::string(name) + "0", 0, &filter_) !=
            NtStatus::Success) {
      ADD_FAILURE() << "cannot make the " << name << " filter";
      return nullptr;
    }
    auto* extension = &filter_->CreateExtension<Extension>();
    extension->lower = IoAttachDeviceToDeviceStack(filter_, volume_);
    if (extension->lower == nullptr) ADD_FAILURE() << "cannot attach the " << name << " filter";
    return extension->lower != nullptr ? extension : nullptr;
  }
  void DetachFilter();

  DispatcherOptions options_;
  DriverObject* filterDriver_ = nullptr;  // AttachFilter's
  DeviceObject* filter_ = nullptr;
  bool readOnlyVolume_ = false;  // set before SetUp runs
  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  std::unique_ptr<DispatcherImpl> dispatcher_;
  std::unique_ptr<BufferPool> pool_;
  std::unique_ptr<RequestTable> requests_;
  int fds_[2] = {-1, -1};  // [0]: replies are written here; [1]: the test reads them
  uint64_t nextUnique_ = 2;
  std::vector<std::byte> receiveBuffer_;  // one reply at a time, reused
};

}  // namespace irpfs::fuse::testing

#include "dispatch_harness.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/io_manager.h"
#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::fuse::testing {

namespace {

NtStatus MemfsEntry(DriverObject* driver, std::string_view parameters) {
  return fsclass::FsClassDriverEntry(driver, parameters);
}

std::span<const std::byte> Bytes(std::string_view text) {
  return std::as_bytes(std::span(text));
}

}  // namespace

void DispatchTest::SetUp() {
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds_), 0);
  // Every reply of these tests fits in one message of this size.
  receiveBuffer_.resize(1 << 20);
  int size = 2 << 20;
  setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  setsockopt(fds_[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  pool_ = std::make_unique<BufferPool>(1 << 20);
  requests_ = std::make_unique<RequestTable>(*pool_);
  ASSERT_EQ(IoCreateDriver("memfs", &MemfsEntry, "", &driver_), NtStatus::Success);
  fsclass::VolumeOptions volumeOptions;
  volumeOptions.name = "memfs0";
  volumeOptions.readOnly = readOnlyVolume_;
  ASSERT_EQ(
      fsclass::FsCreateVolume(driver_, std::make_shared<memfs::MemFs>(), volumeOptions, &volume_),
      NtStatus::Success);
  ASSERT_EQ(DispatcherImpl::Create(volume_, options_, &dispatcher_), NtStatus::Success);
}

void DispatchTest::DetachFilter() {
  if (filter_ == nullptr) return;
  dispatcher_.reset();  // no IRP may be in flight through the filter
  IoDetachDevice(volume_);
  IoDeleteDevice(filter_);
  IoUnloadDriver(filterDriver_);
  filter_ = nullptr;
  filterDriver_ = nullptr;
}

void DispatchTest::TearDown() {
  DetachFilter();  // a fixture that attached one and did not detach it
  dispatcher_.reset();
  if (volume_ != nullptr) fsclass::FsDeleteVolume(volume_);
  if (driver_ != nullptr) IoUnloadDriver(driver_);
  EXPECT_EQ(requests_->InFlightCount(), 0u);
  requests_.reset();
  pool_.reset();
  for (int fd : fds_) {
    if (fd >= 0) close(fd);
  }
}

RequestContext DispatchTest::Ctx(Opcode opcode, uint64_t nodeid) {
  RequestContext ctx;
  ctx.unique = nextUnique_;
  nextUnique_ += 2;
  ctx.nodeid = nodeid;
  ctx.uid = getuid();
  ctx.gid = getgid();
  ctx.pid = static_cast<uint32_t>(getpid());
  ctx.opcode = opcode;
  return ctx;
}

Reply DispatchTest::NewReply(const RequestContext& ctx) {
  return requests_->Begin(ctx, fds_[0], nullptr, 0);
}

bool DispatchTest::ReplyWaiting(int timeoutMs) {
  pollfd p{fds_[1], POLLIN, 0};
  return poll(&p, 1, timeoutMs) == 1;
}

Answer DispatchTest::Receive(int timeoutMs) {
  Answer answer;
  if (!ReplyWaiting(timeoutMs)) {
    ADD_FAILURE() << "no reply within " << timeoutMs << " ms";
    return answer;
  }
  std::vector<std::byte>& message = receiveBuffer_;
  ssize_t n = recv(fds_[1], message.data(), message.size(), 0);
  if (n < static_cast<ssize_t>(sizeof(fuse_out_header))) {
    ADD_FAILURE() << "short reply message: " << n;
    return answer;
  }
  fuse_out_header header;
  std::memcpy(&header, message.data(), sizeof header);
  EXPECT_EQ(header.len, static_cast<uint32_t>(n));
  answer.received = true;
  answer.unique = header.unique;
  answer.error = -header.error;
  answer.payload.assign(message.begin() + sizeof header, message.begin() + n);
  return answer;
}

Answer DispatchTest::Lookup(uint64_t parent, std::string_view name) {
  RequestContext ctx = Ctx(Opcode::kLookup, parent);
  dispatcher_->Lookup(ctx, name, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Mkdir(uint64_t parent, std::string_view name, uint32_t mode) {
  RequestContext ctx = Ctx(Opcode::kMkdir, parent);
  fuse_mkdir_in in{mode, 022};
  dispatcher_->Mkdir(ctx, in, name, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Mknod(uint64_t parent, std::string_view name, uint32_t mode) {
  RequestContext ctx = Ctx(Opcode::kMknod, parent);
  fuse_mknod_in in{mode, 0, 022, 0};
  dispatcher_->Mknod(ctx, in, name, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Symlink(uint64_t parent, std::string_view name, std::string_view target) {
  RequestContext ctx = Ctx(Opcode::kSymlink, parent);
  dispatcher_->Symlink(ctx, name, target, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::CreateFile(uint64_t parent, std::string_view name, uint32_t flags,
                                uint32_t mode) {
  RequestContext ctx = Ctx(Opcode::kCreate, parent);
  fuse_create_in in{flags, S_IFREG | mode, 022, 0};
  dispatcher_->Create(ctx, in, name, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Open(uint64_t nodeid, uint32_t flags) {
  RequestContext ctx = Ctx(Opcode::kOpen, nodeid);
  fuse_open_in in{flags, 0};
  dispatcher_->Open(ctx, in, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Opendir(uint64_t nodeid) {
  RequestContext ctx = Ctx(Opcode::kOpendir, nodeid);
  fuse_open_in in{O_RDONLY | O_DIRECTORY, 0};
  dispatcher_->Opendir(ctx, in, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Write(uint64_t nodeid, uint64_t fh, uint64_t offset, std::string_view data,
                           uint32_t flags) {
  RequestContext ctx = Ctx(Opcode::kWrite, nodeid);
  fuse_write_in in{};
  in.fh = fh;
  in.offset = offset;
  in.size = static_cast<uint32_t>(data.size());
  in.flags = flags;
  dispatcher_->Write(ctx, in, Bytes(data), NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Read(uint64_t nodeid, uint64_t fh, uint64_t offset, uint32_t size) {
  RequestContext ctx = Ctx(Opcode::kRead, nodeid);
  fuse_read_in in{};
  in.fh = fh;
  in.offset = offset;
  in.size = size;
  dispatcher_->Read(ctx, in, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Getattr(uint64_t nodeid, uint64_t fh) {
  RequestContext ctx = Ctx(Opcode::kGetattr, nodeid);
  fuse_getattr_in in{};
  if (fh != 0) {
    in.getattr_flags = kGetattrFh;
    in.fh = fh;
  }
  dispatcher_->Getattr(ctx, in, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Setattr(uint64_t nodeid, const fuse_setattr_in& in) {
  RequestContext ctx = Ctx(Opcode::kSetattr, nodeid);
  dispatcher_->Setattr(ctx, in, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Unlink(uint64_t parent, std::string_view name) {
  RequestContext ctx = Ctx(Opcode::kUnlink, parent);
  dispatcher_->Unlink(ctx, name, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Rmdir(uint64_t parent, std::string_view name) {
  RequestContext ctx = Ctx(Opcode::kRmdir, parent);
  dispatcher_->Rmdir(ctx, name, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Rename2(uint64_t parent, std::string_view name, uint64_t newParent,
                             std::string_view newName, uint32_t flags) {
  RequestContext ctx = Ctx(Opcode::kRename2, parent);
  fuse_rename2_in in{newParent, flags, 0};
  dispatcher_->Rename2(ctx, in, name, newName, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Link(uint64_t oldNode, uint64_t newParent, std::string_view newName) {
  RequestContext ctx = Ctx(Opcode::kLink, newParent);
  fuse_link_in in{oldNode};
  dispatcher_->Link(ctx, in, newName, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Release(uint64_t nodeid, uint64_t fh) {
  RequestContext ctx = Ctx(Opcode::kRelease, nodeid);
  fuse_release_in in{};
  in.fh = fh;
  dispatcher_->Release(ctx, in, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Releasedir(uint64_t nodeid, uint64_t fh) {
  RequestContext ctx = Ctx(Opcode::kReleasedir, nodeid);
  fuse_release_in in{};
  in.fh = fh;
  dispatcher_->Releasedir(ctx, in, NewReply(ctx));
  return Receive();
}

Answer DispatchTest::Readdir(uint64_t nodeid, uint64_t fh, uint64_t offset, uint32_t size,
                             bool plus) {
  RequestContext ctx = Ctx(plus ? Opcode::kReaddirplus : Opcode::kReaddir, nodeid);
  fuse_read_in in{};
  in.fh = fh;
  in.offset = offset;
  in.size = size;
  if (plus) {
    dispatcher_->Readdirplus(ctx, in, NewReply(ctx));
  } else {
    dispatcher_->Readdir(ctx, in, NewReply(ctx));
  }
  return Receive();
}

void DispatchTest::Forget(uint64_t nodeid, uint64_t nlookup) {
  dispatcher_->Forget(Ctx(Opcode::kForget, nodeid), nlookup);
}

fuse_entry_out DispatchTest::EntryOf(const Answer& answer) {
  EXPECT_TRUE(answer.received);
  EXPECT_EQ(answer.error, 0) << strerror(answer.error);
  EXPECT_EQ(answer.payload.size(), sizeof(fuse_entry_out));
  return answer.As<fuse_entry_out>();
}

void DispatchTest::MustCreate(uint64_t parent, std::string_view name, uint64_t* nodeid,
                              uint64_t* fh, uint32_t flags) {
  Answer answer = CreateFile(parent, name, flags);
  ASSERT_EQ(answer.error, 0) << name << ": " << strerror(answer.error);
  ASSERT_EQ(answer.payload.size(), sizeof(fuse_entry_out) + sizeof(fuse_open_out));
  fuse_entry_out entry;
  fuse_open_out open;
  std::memcpy(&entry, answer.payload.data(), sizeof entry);
  std::memcpy(&open, answer.payload.data() + sizeof entry, sizeof open);
  *nodeid = entry.nodeid;
  *fh = open.fh;
}

uint64_t DispatchTest::MustOpen(uint64_t nodeid, uint32_t flags) {
  Answer answer = Open(nodeid, flags);
  EXPECT_EQ(answer.error, 0) << strerror(answer.error);
  EXPECT_EQ(answer.payload.size(), sizeof(fuse_open_out));
  return answer.As<fuse_open_out>().fh;
}

std::vector<Listed> DispatchTest::ParseDirents(const Answer& answer, bool plus) {
  std::vector<Listed> out;
  size_t at = 0;
  const std::vector<std::byte>& p = answer.payload;
  while (at < p.size()) {
    Listed item;
    fuse_dirent dirent;
    size_t header = plus ? sizeof(fuse_direntplus) : sizeof(fuse_dirent);
    if (at + header > p.size()) {
      ADD_FAILURE() << "truncated dirent at " << at;
      break;
    }
    if (plus) {
      fuse_direntplus record;
      std::memcpy(&record, p.data() + at, sizeof record);
      dirent = record.dirent;
      item.nodeid = record.entry_out.nodeid;
    } else {
      std::memcpy(&dirent, p.data() + at, sizeof dirent);
    }
    item.name.assign(reinterpret_cast<const char*>(p.data() + at + header), dirent.namelen);
    item.ino = dirent.ino;
    item.off = dirent.off;
    item.type = dirent.type;
    out.push_back(item);
    at += plus ? DirentplusSize(dirent.namelen) : DirentSize(dirent.namelen);
  }
  return out;
}

std::vector<Listed> DispatchTest::ListAll(uint64_t nodeid, uint32_t size, bool plus) {
  std::vector<Listed> all;
  Answer opened = Opendir(nodeid);
  EXPECT_EQ(opened.error, 0);
  uint64_t fh = opened.As<fuse_open_out>().fh;
  uint64_t offset = 0;
  for (int round = 0; round < 10000; ++round) {
    Answer answer = Readdir(nodeid, fh, offset, size, plus);
    EXPECT_EQ(answer.error, 0) << strerror(answer.error);
    EXPECT_LE(answer.payload.size(), size);
    if (answer.error != 0 || answer.payload.empty()) break;
    std::vector<Listed> part = ParseDirents(answer, plus);
    if (part.empty()) break;
    offset = part.back().off;
    all.insert(all.end(), part.begin(), part.end());
  }
  EXPECT_EQ(Releasedir(nodeid, fh).error, 0);
  return all;
}

}  // namespace irpfs::fuse::testing

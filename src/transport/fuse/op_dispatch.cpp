#include "transport/fuse/op_dispatch.h"

#include <array>
#include <cerrno>
#include <utility>

namespace irpfs::fuse {
namespace {

using Handler = void (*)(FuseDispatcher&, const DecodedRequest&, Reply&&);

struct HandlerRow {
  Opcode opcode;
  Handler handler;
};

// Names and arguments are the decoder's (decoder.cpp kRows); the two tables are indexed
// by the same opcode.
constexpr HandlerRow kRows[] = {
    {Opcode::kLookup, [](FuseDispatcher& d, const DecodedRequest& r,
                         Reply&& p) { d.Lookup(r.ctx, r.name, std::move(p)); }},
    {Opcode::kGetattr, [](FuseDispatcher& d, const DecodedRequest& r,
                          Reply&& p) { d.Getattr(r.ctx, r.args.getattr, std::move(p)); }},
    {Opcode::kSetattr, [](FuseDispatcher& d, const DecodedRequest& r,
                          Reply&& p) { d.Setattr(r.ctx, r.args.setattr, std::move(p)); }},
    {Opcode::kReadlink, [](FuseDispatcher& d, const DecodedRequest& r,
                           Reply&& p) { d.Readlink(r.ctx, std::move(p)); }},
    {Opcode::kSymlink, [](FuseDispatcher& d, const DecodedRequest& r,
                          Reply&& p) { d.Symlink(r.ctx, r.name, r.name2, std::move(p)); }},
    {Opcode::kMknod, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Mknod(r.ctx, r.args.mknod, r.name, std::move(p)); }},
    {Opcode::kMkdir, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Mkdir(r.ctx, r.args.mkdir, r.name, std::move(p)); }},
    {Opcode::kUnlink, [](FuseDispatcher& d, const DecodedRequest& r,
                         Reply&& p) { d.Unlink(r.ctx, r.name, std::move(p)); }},
    {Opcode::kRmdir, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Rmdir(r.ctx, r.name, std::move(p)); }},
    {Opcode::kRename,
     [](FuseDispatcher& d, const DecodedRequest& r, Reply&& p) {
       d.Rename(r.ctx, r.args.rename, r.name, r.name2, std::move(p));
     }},
    {Opcode::kLink, [](FuseDispatcher& d, const DecodedRequest& r,
                       Reply&& p) { d.Link(r.ctx, r.args.link, r.name, std::move(p)); }},
    {Opcode::kOpen, [](FuseDispatcher& d, const DecodedRequest& r,
                       Reply&& p) { d.Open(r.ctx, r.args.open, std::move(p)); }},
    {Opcode::kRead, [](FuseDispatcher& d, const DecodedRequest& r,
                       Reply&& p) { d.Read(r.ctx, r.args.read, std::move(p)); }},
    {Opcode::kWrite, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Write(r.ctx, r.args.write, r.payload, std::move(p)); }},
    {Opcode::kStatfs,
     [](FuseDispatcher& d, const DecodedRequest& r, Reply&& p) { d.Statfs(r.ctx, std::move(p)); }},
    {Opcode::kRelease, [](FuseDispatcher& d, const DecodedRequest& r,
                          Reply&& p) { d.Release(r.ctx, r.args.release, std::move(p)); }},
    {Opcode::kFsync, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Fsync(r.ctx, r.args.fsync, std::move(p)); }},
    {Opcode::kSetxattr,
     [](FuseDispatcher& d, const DecodedRequest& r, Reply&& p) {
       d.Setxattr(r.ctx, r.args.setxattr, r.name, r.payload, std::move(p));
     }},
    {Opcode::kGetxattr,
     [](FuseDispatcher& d, const DecodedRequest& r, Reply&& p) {
       d.Getxattr(r.ctx, r.args.getxattr, r.name, std::move(p));
     }},
    {Opcode::kListxattr, [](FuseDispatcher& d, const DecodedRequest& r,
                            Reply&& p) { d.Listxattr(r.ctx, r.args.getxattr, std::move(p)); }},
    {Opcode::kRemovexattr, [](FuseDispatcher& d, const DecodedRequest& r,
                              Reply&& p) { d.Removexattr(r.ctx, r.name, std::move(p)); }},
    {Opcode::kFlush, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Flush(r.ctx, r.args.flush, std::move(p)); }},
    {Opcode::kOpendir, [](FuseDispatcher& d, const DecodedRequest& r,
                          Reply&& p) { d.Opendir(r.ctx, r.args.open, std::move(p)); }},
    {Opcode::kReaddir, [](FuseDispatcher& d, const DecodedRequest& r,
                          Reply&& p) { d.Readdir(r.ctx, r.args.read, std::move(p)); }},
    {Opcode::kReleasedir, [](FuseDispatcher& d, const DecodedRequest& r,
                             Reply&& p) { d.Releasedir(r.ctx, r.args.release, std::move(p)); }},
    {Opcode::kFsyncdir, [](FuseDispatcher& d, const DecodedRequest& r,
                           Reply&& p) { d.Fsyncdir(r.ctx, r.args.fsync, std::move(p)); }},
    {Opcode::kGetlk, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Getlk(r.ctx, r.args.lk, std::move(p)); }},
    {Opcode::kSetlk, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Setlk(r.ctx, r.args.lk, std::move(p)); }},
    {Opcode::kSetlkw, [](FuseDispatcher& d, const DecodedRequest& r,
                         Reply&& p) { d.Setlkw(r.ctx, r.args.lk, std::move(p)); }},
    {Opcode::kAccess, [](FuseDispatcher& d, const DecodedRequest& r,
                         Reply&& p) { d.Access(r.ctx, r.args.access, std::move(p)); }},
    {Opcode::kCreate, [](FuseDispatcher& d, const DecodedRequest& r,
                         Reply&& p) { d.Create(r.ctx, r.args.create, r.name, std::move(p)); }},
    {Opcode::kDestroy,
     [](FuseDispatcher& d, const DecodedRequest& r, Reply&& p) { d.Destroy(r.ctx, std::move(p)); }},
    {Opcode::kIoctl, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Ioctl(r.ctx, r.args.ioctl, r.payload, std::move(p)); }},
    {Opcode::kPoll, [](FuseDispatcher& d, const DecodedRequest& r,
                       Reply&& p) { d.Poll(r.ctx, r.args.poll, std::move(p)); }},
    {Opcode::kFallocate, [](FuseDispatcher& d, const DecodedRequest& r,
                            Reply&& p) { d.Fallocate(r.ctx, r.args.fallocate, std::move(p)); }},
    {Opcode::kReaddirplus, [](FuseDispatcher& d, const DecodedRequest& r,
                              Reply&& p) { d.Readdirplus(r.ctx, r.args.read, std::move(p)); }},
    {Opcode::kRename2,
     [](FuseDispatcher& d, const DecodedRequest& r, Reply&& p) {
       d.Rename2(r.ctx, r.args.rename2, r.name, r.name2, std::move(p));
     }},
    {Opcode::kLseek, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Lseek(r.ctx, r.args.lseek, std::move(p)); }},
    {Opcode::kCopyFileRange,
     [](FuseDispatcher& d, const DecodedRequest& r,
        Reply&& p) { d.CopyFileRange(r.ctx, r.args.copyFileRange, std::move(p)); }},
    {Opcode::kCopyFileRange64,
     [](FuseDispatcher& d, const DecodedRequest& r,
        Reply&& p) { d.CopyFileRange64(r.ctx, r.args.copyFileRange, std::move(p)); }},
    {Opcode::kTmpfile, [](FuseDispatcher& d, const DecodedRequest& r,
                          Reply&& p) { d.Tmpfile(r.ctx, r.args.create, r.name, std::move(p)); }},
    {Opcode::kStatx, [](FuseDispatcher& d, const DecodedRequest& r,
                        Reply&& p) { d.Statx(r.ctx, r.args.statx, std::move(p)); }},
};

constexpr std::array<Handler, kOpcodeTableSize> BuildHandlers() {
  std::array<Handler, kOpcodeTableSize> table{};
  for (const HandlerRow& row : kRows) table[static_cast<uint32_t>(row.opcode)] = row.handler;
  return table;
}
constexpr std::array<Handler, kOpcodeTableSize> kHandlers = BuildHandlers();

}  // namespace

bool HasHandler(uint32_t opcode) {
  return opcode < kHandlers.size() && kHandlers[opcode] != nullptr;
}

uint32_t ReplyLimit(const DecodedRequest& request) {
  switch (static_cast<Opcode>(request.opcode)) {
    case Opcode::kRead:
    case Opcode::kReaddir:
    case Opcode::kReaddirplus:
      return request.args.read.size;
    case Opcode::kGetxattr:
    case Opcode::kListxattr:
      return request.args.getxattr.size;  // 0: a size query, answered by XattrSize
    default:
      return 0;
  }
}

void DispatchRequest(FuseDispatcher& dispatcher, const DecodedRequest& request, Reply reply) {
  if (!HasHandler(request.opcode)) return reply.Error(ENOSYS);
  kHandlers[request.opcode](dispatcher, request, std::move(reply));
}

void DispatchForget(FuseDispatcher& dispatcher, const DecodedRequest& request) {
  if (request.opcode == static_cast<uint32_t>(Opcode::kForget)) {
    dispatcher.Forget(request.ctx, request.args.forget.nlookup);
  } else if (request.opcode == static_cast<uint32_t>(Opcode::kBatchForget)) {
    dispatcher.BatchForget(request.ctx, request.forgets);
  }
}

}  // namespace irpfs::fuse

// FuseDispatcher: the typed FUSE operations the channel calls.
//
// The channel (channel.h) reads raw requests, decodes them once with bounds checks
// (decoder.h) and calls exactly one method below per request. A dispatcher never sees a
// raw FUSE byte; the channel never knows what a file system is.
//
// Arguments
// - `ctx` is the request header (unique, nodeid, uid, gid, pid). For name operations
//   ctx.nodeid is the parent directory.
// - Fixed argument structs are the kernel's, by const reference, already size-checked.
//   For kernels that send a shorter (older) struct, the channel zero-extends it.
// - Names are std::string_view without the terminating NUL, guaranteed free of NUL
//   bytes and non-empty (except where noted); the byte after the view is the NUL, so
//   name.data() is also a C string.
// - Byte payloads (write data, xattr values, ioctl input) are spans into the receive
//   buffer; names too. They are valid until the method returns, or until the Reply
//   completes if Reply::PinInput() was called (reply.h).
// - `ctx` and the argument structs live on the worker's stack: valid until the method
//   returns, whatever PinInput says. Copy them (they are small) to keep them longer.
//
// Threads
// - Every worker thread calls the dispatcher for the requests it reads, so methods run
//   concurrently and must be thread-safe. Requests on the same node may arrive in any
//   order the kernel allows (the kernel serializes what POSIX requires, e.g. it never
//   sends two directory-modifying ops on one directory without FUSE_PARALLEL_DIROPS for
//   lookups/readdir only).
// - Init() runs once, before any other method, on the thread that negotiated INIT.
// - A method may answer its Reply before returning, or move the Reply away and answer
//   from any thread later (the NT STATUS_PENDING path).
// - Forget and BatchForget have no reply (the kernel expects none).
//
// Defaults: every operation answers ENOSYS (the kernel then stops sending some of them,
// e.g. FLUSH, ACCESS, FSYNC); Forget/BatchForget do nothing; Destroy answers Empty().
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "transport/fuse/fuse_abi.h"
#include "transport/fuse/reply.h"

namespace irpfs::fuse {

class FuseTransport;
class Invalidator;

// What INIT settled, for the dispatcher to size its replies and pick its behaviour.
struct ConnectionInfo {
  uint32_t protoMajor = 0;
  uint32_t protoMinor = 0;   // min(kernel's minor, kKernelMinorVersion)
  uint64_t kernelFlags = 0;  // init_flag:: bits the kernel offered
  uint64_t flags = 0;        // init_flag:: bits both sides agreed on
  uint32_t maxWrite = 0;     // largest WRITE payload the kernel will send
  uint32_t maxRead = 0;      // largest READ/READDIR size the kernel will ask for
  uint32_t maxReadahead = 0;
  uint16_t maxPages = 0;
  uint32_t timeGran = 1;  // nanoseconds; 1 = full precision timestamps
  // With FUSE_PASSTHROUGH agreed: where to register backing files (the channel's
  // transport, which outlives the dispatcher's requests). Null otherwise. The channel
  // offers FUSE_PASSTHROUGH only when asked to (ChannelOptions) and the process may
  // register backing files.
  FuseTransport* backingFiles = nullptr;
  // The session's notifications (invalidator.h); lives as long as the channel.
  Invalidator* invalidator = nullptr;
  bool Has(uint64_t flag) const { return (flags & flag) != 0; }
  bool KernelOffers(uint64_t flag) const { return (kernelFlags & flag) != 0; }
};

class FuseDispatcher {
 public:
  virtual ~FuseDispatcher() = default;

  // Once, after INIT, before any request.
  virtual void Init(const ConnectionInfo& info) {}

  // ---- Names.
  virtual void Lookup(const RequestContext& ctx, std::string_view name, Reply reply);
  // The kernel drops `nlookup` references to ctx.nodeid. No reply.
  virtual void Forget(const RequestContext& ctx, uint64_t nlookup) {}
  // Several forgets in one message (ctx.nodeid is meaningless). No reply.
  virtual void BatchForget(const RequestContext& ctx, std::span<const fuse_forget_one> items) {}

  // ---- Attributes.
  virtual void Getattr(const RequestContext& ctx, const fuse_getattr_in& in, Reply reply);
  virtual void Setattr(const RequestContext& ctx, const fuse_setattr_in& in, Reply reply);
  virtual void Statx(const RequestContext& ctx, const fuse_statx_in& in, Reply reply);
  virtual void Access(const RequestContext& ctx, const fuse_access_in& in, Reply reply);
  virtual void Statfs(const RequestContext& ctx, Reply reply);

  // ---- Creating and removing names. Reply: Entry (Create/Tmpfile: Create; Unlink,
  // Rmdir, Rename*: Empty).
  virtual void Readlink(const RequestContext& ctx, Reply reply);  // Data / Buffer
  // `name` is the new link in ctx.nodeid; `target` is its content (may contain '/').
  virtual void Symlink(const RequestContext& ctx, std::string_view name, std::string_view target,
                       Reply reply);
  virtual void Mknod(const RequestContext& ctx, const fuse_mknod_in& in, std::string_view name,
                     Reply reply);
  virtual void Mkdir(const RequestContext& ctx, const fuse_mkdir_in& in, std::string_view name,
                     Reply reply);
  virtual void Unlink(const RequestContext& ctx, std::string_view name, Reply reply);
  virtual void Rmdir(const RequestContext& ctx, std::string_view name, Reply reply);
  // ctx.nodeid/oldName -> in.newdir/newName.
  virtual void Rename(const RequestContext& ctx, const fuse_rename_in& in, std::string_view oldName,
                      std::string_view newName, Reply reply);
  // As Rename, with RENAME_NOREPLACE / RENAME_EXCHANGE / RENAME_WHITEOUT in in.flags.
  virtual void Rename2(const RequestContext& ctx, const fuse_rename2_in& in,
                       std::string_view oldName, std::string_view newName, Reply reply);
  // New name `newName` in ctx.nodeid for in.oldnodeid.
  virtual void Link(const RequestContext& ctx, const fuse_link_in& in, std::string_view newName,
                    Reply reply);
  virtual void Create(const RequestContext& ctx, const fuse_create_in& in, std::string_view name,
                      Reply reply);
  // O_TMPFILE in directory ctx.nodeid; `name` is what the kernel sends (usually "/").
  virtual void Tmpfile(const RequestContext& ctx, const fuse_create_in& in, std::string_view name,
                       Reply reply);

  // ---- Files. Open/Opendir reply Open; Read replies Data/Buffer (at most in.size
  // bytes; fewer means end of file); Write replies Write.
  virtual void Open(const RequestContext& ctx, const fuse_open_in& in, Reply reply);
  virtual void Read(const RequestContext& ctx, const fuse_read_in& in, Reply reply);
  // data.size() == in.size, checked by the decoder.
  virtual void Write(const RequestContext& ctx, const fuse_write_in& in,
                     std::span<const std::byte> data, Reply reply);
  virtual void Flush(const RequestContext& ctx, const fuse_flush_in& in, Reply reply);
  virtual void Release(const RequestContext& ctx, const fuse_release_in& in, Reply reply);
  virtual void Fsync(const RequestContext& ctx, const fuse_fsync_in& in, Reply reply);
  virtual void Fallocate(const RequestContext& ctx, const fuse_fallocate_in& in, Reply reply);
  // Replies Write(bytes copied). ctx.nodeid/in.fh_in is the source, in.nodeid_out/fh_out
  // the destination.
  virtual void CopyFileRange(const RequestContext& ctx, const fuse_copy_file_range_in& in,
                             Reply reply);
  // COPY_FILE_RANGE_64 (7.45): the same without the 4 GiB cap, replies CopyRange64. A
  // kernel that gets ENOSYS here falls back to COPY_FILE_RANGE.
  virtual void CopyFileRange64(const RequestContext& ctx, const fuse_copy_file_range_in& in,
                               Reply reply);
  virtual void Lseek(const RequestContext& ctx, const fuse_lseek_in& in, Reply reply);

  // ---- Directories. Readdir/Readdirplus fill AcquireBuffer(in.size) with
  // DirentWriter (dirent_writer.h) and answer Buffer(used); 0 bytes = end.
  virtual void Opendir(const RequestContext& ctx, const fuse_open_in& in, Reply reply);
  virtual void Readdir(const RequestContext& ctx, const fuse_read_in& in, Reply reply);
  virtual void Readdirplus(const RequestContext& ctx, const fuse_read_in& in, Reply reply);
  virtual void Releasedir(const RequestContext& ctx, const fuse_release_in& in, Reply reply);
  virtual void Fsyncdir(const RequestContext& ctx, const fuse_fsync_in& in, Reply reply);

  // ---- Extended attributes. With in.size == 0 reply XattrSize(needed); else
  // Data/Buffer (ERANGE if it does not fit).
  // `value` may be empty; in is zero-extended from the 8-byte compat form.
  virtual void Setxattr(const RequestContext& ctx, const fuse_setxattr_in& in,
                        std::string_view name, std::span<const std::byte> value, Reply reply);
  virtual void Getxattr(const RequestContext& ctx, const fuse_getxattr_in& in,
                        std::string_view name, Reply reply);
  // Reply: NUL-separated names.
  virtual void Listxattr(const RequestContext& ctx, const fuse_getxattr_in& in, Reply reply);
  virtual void Removexattr(const RequestContext& ctx, std::string_view name, Reply reply);

  // ---- Locks. Getlk replies Lock (type F_UNLCK if none conflicts); Setlk/Setlkw Empty.
  // in.lk_flags & kLkFlock marks flock(2) locks.
  virtual void Getlk(const RequestContext& ctx, const fuse_lk_in& in, Reply reply);
  virtual void Setlk(const RequestContext& ctx, const fuse_lk_in& in, Reply reply);
  // May block until the lock is granted: pend the Reply and use SetCancelHook, the
  // kernel interrupts it when the waiter gets a signal.
  virtual void Setlkw(const RequestContext& ctx, const fuse_lk_in& in, Reply reply);

  // ---- Others.
  // `in_data` has in.in_size bytes. Reply Ioctl(result, out) with out <= in.out_size.
  virtual void Ioctl(const RequestContext& ctx, const fuse_ioctl_in& in,
                     std::span<const std::byte> inData, Reply reply);
  virtual void Poll(const RequestContext& ctx, const fuse_poll_in& in, Reply reply);
  // Unmount: the last request. Answer once everything is flushed.
  virtual void Destroy(const RequestContext& ctx, Reply reply);
};

}  // namespace irpfs::fuse

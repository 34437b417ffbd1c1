// Reply: the one-shot answer to one FUSE request.
//
// Ownership and threads
// - A Reply is a move-only handle (one pointer) to the channel's in-flight record of a
//   request. The dispatcher receives it by value and may move it anywhere: keep it on the
//   stack and answer before returning, or move it into an IRP context and answer later
//   from any thread.
// - Exactly one completion method (Error, Empty, Entry, ... , Buffer) may be called, once.
//   A second completion is a bug: it aborts in debug builds and is logged and ignored in
//   release builds (NDEBUG). Two threads racing to complete the same handle are also
//   caught: the first one wins, the other is the "second completion".
// - A Reply destroyed without a completion answers EIO (and logs), so the kernel never
//   waits forever on a request a dispatcher lost.
// - Completion writes the reply with one writev(2) on the /dev/fuse fd of the worker that
//   received the request, from the completing thread; the kernel accepts a reply on any
//   fd of the session, so this needs no hand-off to the worker. Completion never
//   allocates; it takes the in-flight table's short mutex once to unlink the record.
// - After the session ended (FuseMount::Unmount), completions are still accepted but not
//   written anywhere, so a dispatcher may answer what it holds while it shuts down.
//
// Input buffers (names, write payloads, ioctl input) are borrowed from the worker's
// receive buffer and valid only until the dispatcher method returns, unless PinInput()
// is called: then the channel gives the worker a fresh receive buffer and keeps this one
// until the Reply is completed.
//
// Output buffers: AcquireBuffer(n) lends a buffer of at least n bytes from the channel's
// pool (no allocation once the pool is warm). The dispatcher fills it (readdir entries,
// read data, xattr values, link targets) and answers with Buffer(used). The buffer goes
// back to the pool when the Reply completes.
//
// Cancellation (FUSE_INTERRUPT)
// - SetCancelHook(fn, ctx) registers fn(ctx), run at most once, when the kernel
//   interrupts this request. If the interrupt came first (even before the request reached
//   the dispatcher), fn runs immediately, on the calling thread, inside SetCancelHook.
//   Otherwise it runs on the worker thread that reads the FUSE_INTERRUPT.
// - The hook only asks: it typically calls IoCancelIrp. Whoever completes the request
//   answers it (EINTR for a cancelled one, or the real result if the work had already
//   finished: never report an error while the work goes on).
// - After a completion method or ClearCancelHook() has returned, the hook is not running
//   and will never run, so ctx may be freed. The hook may complete the Reply itself.
// - Lock order: the hook runs with no channel lock held. Do not call SetCancelHook while
//   holding a lock the hook takes (it may run inline).
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "transport/fuse/fuse_abi.h"

namespace irpfs::fuse {

namespace detail {
struct InFlight;  // channel-private, see request_table.h
}

// Who sent the request and what it is about. Copied from fuse_in_header.
struct RequestContext {
  uint64_t unique = 0;
  uint64_t nodeid = 0;  // the node the operation applies to (the parent for name ops)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t pid = 0;  // thread group of the caller; 0 for kernel-internal requests
  Opcode opcode = Opcode::kLookup;
};

using CancelHook = void (*)(void* ctx);

class Reply {
 public:
  // Largest iovec count accepted by DataVector().
  static constexpr size_t kMaxDataIovecs = 32;

  Reply() = default;  // an empty handle: completing it is a bug (see above)
  Reply(Reply&& other) noexcept;
  Reply& operator=(Reply&& other) noexcept;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply();

  // True while the handle still owes an answer.
  bool Pending() const { return record_.load(std::memory_order_acquire) != nullptr; }
  // The request's header fields; valid while Pending().
  const RequestContext& Context() const;
  // Set once the kernel sent FUSE_INTERRUPT for this request.
  bool Interrupted() const;

  // ---- Cancellation.
  void SetCancelHook(CancelHook fn, void* ctx);
  void ClearCancelHook();

  // ---- Buffers.
  // Keeps the request's input (names, payload) valid until completion. Cheap; call it
  // before moving the Reply off the dispatching thread if the input is still needed.
  void PinInput();
  // A reply buffer of at least `size` bytes, owned by this request until completion.
  // Calling it again returns the same buffer if it is big enough, else a bigger one
  // (contents not kept). Returns an empty span only when out of memory.
  std::span<std::byte> AcquireBuffer(size_t size);

  // ---- Completions. Each sends the reply and releases the handle.
  void Error(int err);  // positive errno; 0 is the same as Empty()
  void Empty();         // success without a payload (unlink, release, flush, setattr-less ops)
  void Entry(const fuse_entry_out& entry);  // lookup, mknod, mkdir, symlink, link
  void Attr(const fuse_attr_out& attr);     // getattr, setattr
  void Statx(const fuse_statx_out& statx);
  void Open(const fuse_open_out& open);                                 // open, opendir
  void Create(const fuse_entry_out& entry, const fuse_open_out& open);  // create, tmpfile
  void Write(uint32_t size);                    // write, copy_file_range (bytes written)
  void CopyRange64(uint64_t size);              // copy_file_range_64 (bytes copied)
  void Data(std::span<const std::byte> data);   // read, readlink, getxattr/listxattr values
  void DataVector(std::span<const iovec> iov);  // at most kMaxDataIovecs pieces
  void Buffer(size_t used);  // the first `used` bytes of the AcquireBuffer() buffer
  void Statfs(const fuse_kstatfs& st);
  void XattrSize(uint32_t size);          // getxattr/listxattr with size 0 asked
  void Lock(const fuse_file_lock& lock);  // getlk
  void Lseek(uint64_t offset);
  void Ioctl(int32_t result, std::span<const std::byte> out);
  void Poll(uint32_t revents);

 private:
  friend struct detail::InFlight;
  friend class RequestTable;
  explicit Reply(detail::InFlight* record) : record_(record) {}

  // Takes the record for completing; nullptr (and the double-completion report) if this
  // handle was already completed or is empty.
  detail::InFlight* Take(const char* what);
  void Send(int err, const iovec* payload, int count);

  std::atomic<detail::InFlight*> record_{nullptr};
};

}  // namespace irpfs::fuse

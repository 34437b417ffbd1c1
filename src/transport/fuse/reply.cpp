#include "transport/fuse/reply.h"

#include <cerrno>
#include <cstdlib>

#include "transport/fuse/frame.h"
#include "transport/fuse/log.h"
#include "transport/fuse/request_table.h"

namespace irpfs::fuse {

using detail::InFlight;

namespace {

iovec Piece(const void* data, size_t size) {
  return iovec{const_cast<void*>(data), size};
}

void ReportMisuse(const char* what) {
  FuseLog(LogLevel::kError, "reply misuse: %s on a reply that was already completed or empty",
          what);
#ifndef NDEBUG
  std::abort();
#endif
}

}  // namespace

Reply::Reply(Reply&& other) noexcept
    : record_(other.record_.exchange(nullptr, std::memory_order_acq_rel)) {}

Reply& Reply::operator=(Reply&& other) noexcept {
  if (this != &other) {
    if (Pending()) Error(EIO);
    record_.store(other.record_.exchange(nullptr, std::memory_order_acq_rel),
                  std::memory_order_release);
  }
  return *this;
}

Reply::~Reply() {
  if (!Pending()) return;
  InFlight* record = record_.load(std::memory_order_acquire);
  FuseLog(LogLevel::kError, "request %llu (opcode %u) dropped without a reply; answering EIO",
          static_cast<unsigned long long>(record->ctx.unique),
          static_cast<unsigned>(record->ctx.opcode));
  Error(EIO);
}

const RequestContext& Reply::Context() const {
  return record_.load(std::memory_order_acquire)->ctx;
}

bool Reply::Interrupted() const {
  InFlight* record = record_.load(std::memory_order_acquire);
  if (record == nullptr) return false;
  std::lock_guard lock(record->mu);
  return record->interrupted;
}

void Reply::SetCancelHook(CancelHook fn, void* ctx) {
  InFlight* record = record_.load(std::memory_order_acquire);
  if (record == nullptr) return ReportMisuse("SetCancelHook");
  {
    std::lock_guard lock(record->mu);
    if (record->completing || record->hookFired) return;
    record->hook = fn;
    record->hookCtx = ctx;
    if (!record->interrupted || fn == nullptr) return;
    record->hookFired = true;
    record->hookRunning = true;
    record->hookThread = std::this_thread::get_id();
  }
  // Interrupted before the hook existed: run it now, as libfuse does.
  record->table->RunHook(record, fn, ctx);
}

void Reply::ClearCancelHook() {
  InFlight* record = record_.load(std::memory_order_acquire);
  if (record == nullptr) return;
  std::unique_lock lock(record->mu);
  record->hook = nullptr;
  record->hookCtx = nullptr;
  if (record->hookRunning && record->hookThread != std::this_thread::get_id()) {
    record->hookDone.wait(lock, [record] { return !record->hookRunning; });
  }
}

void Reply::PinInput() {
  InFlight* record = record_.load(std::memory_order_acquire);
  if (record == nullptr) return ReportMisuse("PinInput");
  // No lock: like `out`, the pin is the handle holder's until Finish.
  if (record->inputPinned || record->input == nullptr) return;
  record->input->refs.fetch_add(1, std::memory_order_acq_rel);
  record->input->pinned.store(true, std::memory_order_release);
  record->inputPinned = true;
}

std::span<std::byte> Reply::AcquireBuffer(size_t size) {
  InFlight* record = record_.load(std::memory_order_acquire);
  if (record == nullptr) {
    ReportMisuse("AcquireBuffer");
    return {};
  }
  // No lock: `out` belongs to whoever holds the handle (the interrupt path never touches
  // it) until Finish, which runs after the completion took the handle.
  if (record->out != nullptr && record->out->capacity >= size) {
    return {record->out->data, record->out->capacity};
  }
  BufferPool& pool = record->table->pool();
  if (record->out != nullptr) pool.ReleaseOut(record->out);
  record->out = pool.AcquireOut(size);
  if (record->out == nullptr) return {};
  return {record->out->data, record->out->capacity};
}

InFlight* Reply::Take(const char* what) {
  InFlight* record = record_.exchange(nullptr, std::memory_order_acq_rel);
  if (record == nullptr) ReportMisuse(what);
  return record;
}

void Reply::Send(int err, const iovec* payload, int count) {
  InFlight* record = Take("completion");
  if (record == nullptr) return;

  size_t bytes = 0;
  for (int i = 0; i < count; ++i) bytes += payload[i].iov_len;
  if (err == 0 && record->outLimit != 0 && bytes > record->outLimit) {
    FuseLog(LogLevel::kError, "reply of %zu bytes to request %llu exceeds its %u-byte limit", bytes,
            static_cast<unsigned long long>(record->ctx.unique), record->outLimit);
    err = EIO;
    count = 0;
  }

  bool deferred = false;
  int result = 0;
  {
    std::unique_lock lock(record->mu);
    record->completing = true;
    record->hook = nullptr;
    if (record->hookRunning) {
      if (record->hookThread == std::this_thread::get_id()) {
        record->finishDeferred = true;  // the hook's runner finishes the record
        deferred = true;
      } else {
        record->hookDone.wait(lock, [record] { return !record->hookRunning; });
      }
    }
    // Written under the record's mutex: RequestTable::Detach takes it to retire the fd,
    // so the fd cannot be closed (and reused) in the middle of this write.
    if (record->sink != nullptr) {
      result = record->sink->Send(record->sinkToken, record->ctx.unique, -err, payload, count);
    } else if (record->replyFd >= 0) {
      result = WriteFrame(record->replyFd, record->ctx.unique, -err, payload, count);
    }
  }
  if (result != 0 && result != -ENOENT) {
    FuseLog(LogLevel::kWarning, "writing the reply to request %llu failed: errno %d",
            static_cast<unsigned long long>(record->ctx.unique), -result);
  }
  if (!deferred) record->table->Finish(record);
}

void Reply::Error(int err) {
  if (err < 0 || err > 4095) err = EIO;
  Send(err, nullptr, 0);
}

void Reply::Empty() {
  Send(0, nullptr, 0);
}

void Reply::Entry(const fuse_entry_out& entry) {
  iovec piece = Piece(&entry, sizeof entry);
  Send(0, &piece, 1);
}

void Reply::Attr(const fuse_attr_out& attr) {
  iovec piece = Piece(&attr, sizeof attr);
  Send(0, &piece, 1);
}

void Reply::Statx(const fuse_statx_out& statx) {
  iovec piece = Piece(&statx, sizeof statx);
  Send(0, &piece, 1);
}

void Reply::Open(const fuse_open_out& open) {
  iovec piece = Piece(&open, sizeof open);
  Send(0, &piece, 1);
}

void Reply::Create(const fuse_entry_out& entry, const fuse_open_out& open) {
  iovec pieces[2] = {Piece(&entry, sizeof entry), Piece(&open, sizeof open)};
  Send(0, pieces, 2);
}

void Reply::Write(uint32_t size) {
  fuse_write_out out{size, 0};
  iovec piece = Piece(&out, sizeof out);
  Send(0, &piece, 1);
}

void Reply::CopyRange64(uint64_t size) {
  fuse_copy_file_range_out out{size};
  iovec piece = Piece(&out, sizeof out);
  Send(0, &piece, 1);
}

void Reply::Data(std::span<const std::byte> data) {
  iovec piece = Piece(data.data(), data.size());
  Send(0, &piece, data.empty() ? 0 : 1);
}

void Reply::DataVector(std::span<const iovec> iov) {
  if (iov.size() > kMaxDataIovecs) {
    FuseLog(LogLevel::kError, "Reply::DataVector with %zu pieces (max %zu)", iov.size(),
            kMaxDataIovecs);
    return Error(EIO);
  }
  Send(0, iov.data(), static_cast<int>(iov.size()));
}

void Reply::Buffer(size_t used) {
  InFlight* record = record_.load(std::memory_order_acquire);
  if (record == nullptr) return ReportMisuse("Buffer");
  OutBuffer* out = record->out;  // the handle's own (see AcquireBuffer)
  if (used == 0) return Send(0, nullptr, 0);
  if (out == nullptr || used > out->capacity) {
    FuseLog(LogLevel::kError, "Reply::Buffer(%zu) without a buffer that large", used);
    return Error(EIO);
  }
  // The buffer stays with the record until Finish, after the write.
  iovec piece = Piece(out->data, used);
  Send(0, &piece, 1);
}

void Reply::Statfs(const fuse_kstatfs& st) {
  fuse_statfs_out out{st};
  iovec piece = Piece(&out, sizeof out);
  Send(0, &piece, 1);
}

void Reply::XattrSize(uint32_t size) {
  fuse_getxattr_out out{size, 0};
  iovec piece = Piece(&out, sizeof out);
  Send(0, &piece, 1);
}

void Reply::Lock(const fuse_file_lock& lock) {
  fuse_lk_out out{lock};
  iovec piece = Piece(&out, sizeof out);
  Send(0, &piece, 1);
}

void Reply::Lseek(uint64_t offset) {
  fuse_lseek_out out{offset};
  iovec piece = Piece(&out, sizeof out);
  Send(0, &piece, 1);
}

void Reply::Ioctl(int32_t result, std::span<const std::byte> out) {
  fuse_ioctl_out header{result, 0, 0, 0};
  iovec pieces[2] = {Piece(&header, sizeof header), Piece(out.data(), out.size())};
  Send(0, pieces, out.empty() ? 1 : 2);
}

void Reply::Poll(uint32_t revents) {
  fuse_poll_out out{revents, 0};
  iovec piece = Piece(&out, sizeof out);
  Send(0, &piece, 1);
}

}  // namespace irpfs::fuse

#include "transport/fuse/uring_queue.h"

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "transport/fuse/log.h"
#include "transport/fuse/worker_slice.h"

namespace irpfs::fuse {
namespace {

// Room in front of the payload for fuse_in_header and the largest fixed struct, so a
// request can be handed on as one contiguous message.
constexpr size_t kGap = 256;
static_assert(kGap >= sizeof(fuse_in_header) + kUringOpInOutSize);
constexpr size_t kAlignment = 4096;

// user_data of the eventfd read; entries are pointers, never this value.
constexpr uint64_t kWakeTag = 1;

thread_local UringQueue* tCurrentQueue = nullptr;

bool EndsSession(int err) {
  return err == ENOTCONN || err == ENODEV || err == ECONNABORTED || err == ECANCELED;
}

void PinToCpu(unsigned cpu) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  pthread_setaffinity_np(pthread_self(), sizeof one, &one);
}

}  // namespace

struct UringQueue::Entry {
  UringQueue* queue = nullptr;
  fuse_uring_req_header header{};
  iovec iov[2]{};
  std::byte* block = nullptr;  // kGap bytes, then the payload
  std::byte* payload = nullptr;
  uint64_t commitId = 0;
  Entry* nextHandoff = nullptr;
};

unsigned UringQueue::PossibleCpuCount() {
  // "0-3" or "0,2-5": the kernel sizes its queue array by the highest possible CPU.
  FILE* file = std::fopen("/sys/devices/system/cpu/possible", "re");
  unsigned highest = 0;
  bool any = false;
  if (file != nullptr) {
    char text[256] = {};
    if (std::fgets(text, sizeof text, file) != nullptr) {
      unsigned value = 0;
      bool inNumber = false;
      for (const char* p = text;; ++p) {
        if (*p >= '0' && *p <= '9') {
          value = value * 10 + static_cast<unsigned>(*p - '0');
          inNumber = true;
          continue;
        }
        if (inNumber) {
          highest = std::max(highest, value);
          any = true;
        }
        value = 0;
        inNumber = false;
        if (*p == '\0') break;
      }
    }
    std::fclose(file);
  }
  if (!any) return std::max(1u, std::thread::hardware_concurrency());
  return highest + 1;
}

bool UringQueue::CanCreateRing(std::string* why) {
  io_uring ring{};
  int result = io_uring_queue_init(2, &ring, IORING_SETUP_SQE128);
  if (result < 0) {
    *why = std::string("cannot create an io_uring: ") + std::strerror(-result);
    return false;
  }
  io_uring_queue_exit(&ring);
  return true;
}

void UringQueue::AbandonOnKernel(int devFd) {
  io_uring ring{};
  if (io_uring_queue_init(2, &ring, IORING_SETUP_SQE128) < 0) return;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (sqe != nullptr) {
    static fuse_uring_req_header header;
    static std::byte payload[8];
    iovec iov[2] = {{&header, sizeof header}, {payload, sizeof payload}};
    std::memset(sqe, 0, 2 * sizeof(io_uring_sqe));
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = devFd;
    sqe->cmd_op = static_cast<uint32_t>(UringCmd::kRegister);
    sqe->addr = reinterpret_cast<uintptr_t>(iov);
    sqe->len = 2;
    fuse_uring_cmd_req req{};
    req.qid = UINT16_MAX;
    std::memcpy(sqe->cmd, &req, sizeof req);
    io_uring_cqe* cqe = nullptr;
    if (io_uring_submit_and_wait(&ring, 1) >= 0 && io_uring_peek_cqe(&ring, &cqe) == 0) {
      io_uring_cqe_seen(&ring, cqe);
    }
  }
  io_uring_queue_exit(&ring);
}

UringQueue::UringQueue(const UringQueueOptions& options, RingRequestHandler handler, void* ctx)
    : options_(options), handler_(handler), handlerCtx_(ctx) {}

UringQueue::~UringQueue() {
  Stop();
  Join();
  for (Entry* entry : entries_) {
    std::free(entry->block);
    delete entry;
  }
  if (wakeFd_ >= 0) close(wakeFd_);
}

int UringQueue::Start(void (*onExit)(void*), void* exitCtx) {
  // Made here, before the thread, so Stop() and Send() never race with its creation.
  wakeFd_ = eventfd(0, EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    int err = errno;
    error_ = std::string("eventfd: ") + std::strerror(err);
    return -err;
  }
  thread_ = std::thread([this, onExit, exitCtx] { Run(onExit, exitCtx); });
  std::unique_lock lock(startMu_);
  startCv_.wait(lock, [this] { return startKnown_; });
  return startResult_;
}

void UringQueue::Stop() {
  stop_.store(true, std::memory_order_release);
  if (wakeFd_ >= 0) {
    uint64_t one = 1;
    ssize_t ignored = write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }
}

void UringQueue::Join() {
  if (thread_.joinable()) thread_.join();
}

void UringQueue::ReportStart(int result) {
  std::lock_guard lock(startMu_);
  startResult_ = result;
  startKnown_ = true;
  startCv_.notify_all();
}

void UringQueue::Run(void (*onExit)(void*), void* exitCtx) {
  if (options_.pinToCpu) PinToCpu(options_.qid);
  TakeWorkerSlice(options_.workerSlice);
  tCurrentQueue = this;
  int result = Setup();
  ReportStart(result);
  if (result == 0) Loop();
  // Closing the ring cancels what is still registered; the kernel writes into our
  // buffers only from this thread's task work, so they may be freed once it is gone.
  if (ringReady_) io_uring_queue_exit(&ring_);
  ringReady_ = false;
  tCurrentQueue = nullptr;
  if (onExit != nullptr) onExit(exitCtx);
}

int UringQueue::Setup() {
  const unsigned sqSize = options_.depth + 2;
  io_uring_params params{};
  params.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER |
                 IORING_SETUP_DEFER_TASKRUN;
  params.cq_entries = 2 * sqSize;
  int result = io_uring_queue_init_params(sqSize, &ring_, &params);
  if (result == -EINVAL) {
    // Older kernels lack SINGLE_ISSUER/DEFER_TASKRUN; both are only optimizations.
    params = {};
    params.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
    params.cq_entries = 2 * sqSize;
    result = io_uring_queue_init_params(sqSize, &ring_, &params);
  }
  if (result < 0) {
    error_ = std::string("io_uring_queue_init: ") + std::strerror(-result);
    return result;
  }
  ringReady_ = true;

  entries_.reserve(options_.depth);
  commits_.reserve(options_.depth);
  for (unsigned i = 0; i < options_.depth; ++i) {
    auto* entry = new (std::nothrow) Entry;
    void* block = nullptr;
    size_t size = (kGap + options_.payloadSize + kAlignment - 1) / kAlignment * kAlignment;
    if (entry == nullptr || posix_memalign(&block, kAlignment, size) != 0) {
      delete entry;
      error_ = "out of memory for ring entries";
      return -ENOMEM;
    }
    entry->queue = this;
    entry->block = static_cast<std::byte*>(block);
    entry->payload = entry->block + kGap;
    entry->iov[0] = {&entry->header, sizeof entry->header};
    entry->iov[1] = {entry->payload, options_.payloadSize};
    entries_.push_back(entry);
  }

  ArmWake();
  for (Entry* entry : entries_) SubmitEntry(entry, UringCmd::kRegister);
  result = io_uring_submit(&ring_);
  if (result < 0) {
    error_ = std::string("submitting the ring registrations: ") + std::strerror(-result);
    return result;
  }
  // A refused registration completes at once; a good one completes only when a request
  // arrives. Look at what is there without consuming requests.
  io_uring_cqe* cqe = nullptr;
  while (io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe != nullptr) {
    if (cqe->user_data == kWakeTag || cqe->res >= 0) break;
    int err = -cqe->res;
    error_ = std::string("FUSE_IO_URING_CMD_REGISTER on queue ") + std::to_string(options_.qid) +
             ": " + std::strerror(err);
    return -err;
  }
  return 0;
}

io_uring_sqe* UringQueue::NextSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void UringQueue::ArmWake() {
  io_uring_sqe* sqe = NextSqe();
  if (sqe == nullptr) return;
  io_uring_prep_read(sqe, wakeFd_, &wakeValue_, sizeof wakeValue_, 0);
  sqe->user_data = kWakeTag;
}

void UringQueue::SubmitEntry(Entry* entry, UringCmd cmd) {
  io_uring_sqe* sqe = NextSqe();
  if (sqe == nullptr) {
    FuseLog(LogLevel::kError, "ring %u: no submission slot; an entry is lost", options_.qid);
    return;
  }
  std::memset(sqe, 0, 2 * sizeof(io_uring_sqe));  // SQE128
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->fd = options_.devFd;
  sqe->cmd_op = static_cast<uint32_t>(cmd);
  sqe->addr = reinterpret_cast<uintptr_t>(entry->iov);
  sqe->len = 2;
  fuse_uring_cmd_req req{};
  req.commit_id = cmd == UringCmd::kCommitAndFetch ? entry->commitId : 0;
  req.qid = static_cast<uint16_t>(options_.qid);
  std::memcpy(sqe->cmd, &req, sizeof req);
  sqe->user_data = reinterpret_cast<uintptr_t>(entry);
  ++inKernel_;
}

void UringQueue::PollBriefly() {
  if (io_uring_submit(&ring_) < 0) return;  // the sleeping submit reports the error
  const auto until = std::chrono::steady_clock::now() + options_.spinWindow;
  do {
    // With DEFER_TASKRUN a request's completion is posted only when this thread enters
    // the kernel to collect events.
    io_uring_get_events(&ring_);
    if (io_uring_cq_ready(&ring_) != 0) {
      polled_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    sched_yield();
  } while (std::chrono::steady_clock::now() < until);
}

void UringQueue::Loop() {
  unsigned seen = 0;
  for (;;) {
    TakeHandoffs();
    FlushCommits();
    if (stop_.load(std::memory_order_acquire)) return;
    if (sessionEnded_ && inKernel_ == 0) return;
    if (seen != 0 && options_.spinWindow.count() > 0) PollBriefly();
    int result = io_uring_submit_and_wait(&ring_, 1);
    if (result < 0 && result != -EINTR && result != -EAGAIN && result != -EBUSY) {
      FuseLog(LogLevel::kError, "ring %u: io_uring_enter failed: %s; queue stops", options_.qid,
              std::strerror(-result));
      return;
    }
    unsigned head = 0;
    seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      OnCompletion(cqe);
      ++seen;
    }
    io_uring_cq_advance(&ring_, seen);
  }
}

void UringQueue::OnCompletion(io_uring_cqe* cqe) {
  if (cqe->user_data == kWakeTag) {
    if (!stop_.load(std::memory_order_acquire)) ArmWake();
    return;
  }
  auto* entry = reinterpret_cast<Entry*>(static_cast<uintptr_t>(cqe->user_data));
  --inKernel_;
  if (cqe->res == 0) return OnRequest(entry);
  int err = -cqe->res;
  if (EndsSession(err)) {
    sessionEnded_ = true;
    return;
  }
  // The entry is out of rotation; the queue goes on with the others.
  FuseLog(LogLevel::kError, "ring %u: an entry failed: %s", options_.qid, std::strerror(err));
}

void UringQueue::OnRequest(Entry* entry) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  fuse_in_header in;
  std::memcpy(&in, entry->header.in_out, sizeof in);
  entry->commitId = entry->header.ring_ent_in_out.commit_id;
  const size_t payload = entry->header.ring_ent_in_out.payload_sz;
  if (payload > options_.payloadSize || in.len < sizeof in + payload ||
      in.len - sizeof in - payload > kUringOpInOutSize) {
    FuseLog(LogLevel::kError, "ring %u: request %llu with inconsistent sizes; answered EIO",
            options_.qid, static_cast<unsigned long long>(in.unique));
    Send(entry, in.unique, -EIO, nullptr, 0);
    return;
  }
  const size_t fixed = in.len - sizeof in - payload;
  std::byte* start = entry->payload - sizeof in - fixed;
  std::memcpy(start, &in, sizeof in);
  std::memcpy(start + sizeof in, entry->header.op_in, fixed);
  handler_(handlerCtx_, std::span<const std::byte>(start, in.len), this, entry);
}

int UringQueue::Send(void* token, uint64_t unique, int32_t error, const iovec* payload, int count) {
  auto* entry = static_cast<Entry*>(token);
  size_t total = 0;
  if (error == 0) {
    for (int i = 0; i < count; ++i) total += payload[i].iov_len;
    if (total > options_.payloadSize) {
      FuseLog(LogLevel::kError, "ring %u: a %zu-byte reply exceeds the ring payload", options_.qid,
              total);
      error = -EIO;
      total = 0;
    } else {
      std::byte* out = entry->payload;
      for (int i = 0; i < count; ++i) {
        if (payload[i].iov_len == 0) continue;
        std::memmove(out, payload[i].iov_base, payload[i].iov_len);
        out += payload[i].iov_len;
      }
    }
  }
  fuse_out_header header{static_cast<uint32_t>(sizeof(fuse_out_header) + total), error, unique};
  std::memcpy(entry->header.in_out, &header, sizeof header);
  entry->header.ring_ent_in_out.payload_sz = static_cast<uint32_t>(total);

  if (tCurrentQueue == this) {
    commits_.push_back(entry);  // capacity reserved: each entry is queued at most once
    return 0;
  }
  Entry* head = handoff_.load(std::memory_order_relaxed);
  do {
    entry->nextHandoff = head;
  } while (!handoff_.compare_exchange_weak(head, entry, std::memory_order_release,
                                           std::memory_order_relaxed));
  if (head == nullptr) {
    uint64_t one = 1;
    ssize_t ignored = write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }
  return 0;
}

void UringQueue::TakeHandoffs() {
  Entry* list = handoff_.exchange(nullptr, std::memory_order_acquire);
  for (; list != nullptr; list = list->nextHandoff) commits_.push_back(list);
}

void UringQueue::FlushCommits() {
  if (commits_.empty()) return;
  if (!sessionEnded_ && !stop_.load(std::memory_order_acquire)) {
    for (Entry* entry : commits_) SubmitEntry(entry, UringCmd::kCommitAndFetch);
  }
  commits_.clear();
}

}  // namespace irpfs::fuse

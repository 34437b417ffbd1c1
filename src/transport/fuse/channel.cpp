#include "transport/fuse/channel.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "transport/fuse/frame.h"
#include "transport/fuse/log.h"
#include "transport/fuse/notify_queue.h"
#include "transport/fuse/op_dispatch.h"

namespace irpfs::fuse {
namespace {

constexpr size_t kPageSize = 4096;
// Workers by default: one per CPU and kExtraDefaultWorkers more, never fewer than
// kMinDefaultWorkers. A worker whose request blocks in the driver (the mirror in a host
// system call, behind the host's inode lock) serves nothing meanwhile; with one worker
// per CPU on a small machine, 16 O_DIRECT writes in flight to a mirrored file were served
// two at a time (when first measured, 8 workers instead of 2 on 2 CPUs gave 30-40% more
// QD16 random writes; since the standby workers and the poller's hand-off, 2, 3 and 4
// are within a few percent of each other).
// More is not better: every worker asleep in read(2) is one the kernel may wake for a
// request another worker then takes, and the writers queue on the host inode's lock
// (QD16 random writes to the mirror on 2 CPUs, 24 alternating pairs each: 4 workers
// 1.033x the IOPS of 8, 3 workers 1.046x; reads even). libfuse's loop grows to 10.
constexpr unsigned kMinDefaultWorkers = 4;
constexpr unsigned kExtraDefaultWorkers = 2;

size_t ReceiveBufferSize(const ChannelOptions& options) {
  // The kernel refuses reads into buffers smaller than header + write_in + max_write.
  size_t needed = sizeof(fuse_in_header) + sizeof(fuse_write_in) + options.maxWrite;
  return std::max(kMinReadBuffer, needed + kPageSize);
}

uint64_t WantedFlags(const ChannelOptions& o) {
  using namespace init_flag;
  // DIRECT_IO_ALLOW_MMAP: O_DIRECT opens are answered with FOPEN_DIRECT_IO (for parallel
  // direct writes); without it the kernel would refuse MAP_SHARED on such an open.
  uint64_t want =
      kBigWrites | kMaxPages | kInitExt | kSetxattrExt | kHasIoctlDir | kDirectIoAllowMmap;
  if (o.asyncRead) want |= kAsyncRead | kAsyncDio;
  if (o.parallelDirops) want |= kParallelDirops;
  if (o.atomicOTrunc) want |= kAtomicOTrunc;
  if (o.readdirplus) want |= kDoReaddirplus;
  if (o.readdirplus && o.readdirplusAuto) want |= kReaddirplusAuto;
  if (o.writebackCache) want |= kWritebackCache;
  if (o.posixLocks) want |= kPosixLocks;
  if (o.flockLocks) want |= kFlockLocks;
  if (o.handleKillprivV2) want |= kHandleKillprivV2;
  if (o.autoInvalData) want |= kAutoInvalData;
  if (o.passthrough && !o.writebackCache) want |= kPassthrough;
  if (o.useUring) want |= kOverIoUring;
  return want;
}

// The pid a request came from (0 if it is too short to say).
uint32_t CallerPid(const RecvBuffer& buffer, ssize_t length) {
  if (length < static_cast<ssize_t>(sizeof(fuse_in_header))) return 0;
  fuse_in_header header;
  std::memcpy(&header, buffer.data, sizeof header);
  return header.pid;
}

// Reads one message, retrying what does not end the session. Returns bytes, 0 at the
// end of the session, -errno on other errors.
ssize_t ReadMessage(int fd, RecvBuffer* buffer) {
  for (;;) {
    ssize_t n = read(fd, buffer->data, buffer->size);
    if (n >= 0) return n;
    switch (errno) {
      case EINTR:
      case EAGAIN:
      case ENOENT:  // the request was interrupted and withdrawn while we read
        continue;
      case ENODEV:        // unmounted
      case ECONNABORTED:  // aborted, with FUSE_ABORT_ERROR
        return 0;
      default:
        return -errno;
    }
  }
}

// Pins the calling thread to the index-th CPU it is allowed to run on.
void PinToCpu(unsigned index) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  int count = CPU_COUNT(&allowed);
  if (count <= 0) return;
  int wanted = static_cast<int>(index % static_cast<unsigned>(count));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed) || wanted-- != 0) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    return;
  }
}

}  // namespace

FuseChannel::FuseChannel(FuseTransport& transport, FuseDispatcher& dispatcher,
                         ChannelOptions options)
    : transport_(transport),
      dispatcher_(dispatcher),
      options_(options),
      pool_(std::make_unique<BufferPool>(ReceiveBufferSize(options))),
      table_(std::make_unique<RequestTable>(*pool_)),
      poller_(PollWindowFor(options.spinWindow), options.spinOnlyWithASpareCpu) {}

FuseChannel::~FuseChannel() {
  Wait();
  notify_.reset();
  DetachReplies();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (table_->InFlightCount() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (size_t left = table_->InFlightCount(); left != 0) {
    FuseLog(LogLevel::kError,
            "channel destroyed while the dispatcher holds %zu unanswered replies; "
            "leaving their records behind",
            left);
    table_.release();
    pool_.release();
  }
}

void FuseChannel::DetachReplies() {
  table_->Detach();
}

Invalidator& FuseChannel::invalidator() {
  return *notify_;
}

uint64_t FuseChannel::RequestCount(Opcode opcode) const {
  uint32_t index = static_cast<uint32_t>(opcode);
  return index < counts_.size() ? counts_[index].load(std::memory_order_relaxed) : 0;
}

NtStatus FuseChannel::Start() {
  const int fd = transport_.SessionFd();
  RecvBuffer* buffer = pool_->AcquireRecv();
  if (buffer == nullptr) {
    error_ = "out of memory for the receive buffer";
    return NtStatus::InsufficientResources;
  }
  NtStatus status = NtStatus::Unsuccessful;
  for (;;) {
    ssize_t n = ReadMessage(fd, buffer);
    if (n <= 0) {
      error_ = n == 0 ? "the kernel closed the session before INIT"
                      : std::string("reading INIT failed: ") + std::strerror(static_cast<int>(-n));
      status = NtStatus::DeviceNotConnected;
      break;
    }
    DecodedRequest request;
    DecodeError decodeError = DecodeRequest(
        std::span<const std::byte>(buffer->data, static_cast<size_t>(n)), decodeOptions_, &request);
    if (decodeError != DecodeError::kNone ||
        request.opcode != static_cast<uint32_t>(Opcode::kInit)) {
      error_ = "the first message was not a valid INIT";
      if (decodeError != DecodeError::kShortHeader) {
        WriteFrame(fd, request.ctx.unique, -EIO, nullptr, 0);
      }
      status = NtStatus::InvalidDeviceState;
      break;
    }
    bool again = false;
    status = Negotiate(request, fd, &again);
    if (!again) break;
  }
  pool_->ReleaseRecv(buffer);
  if (!NtSuccess(status)) return status;

  unsigned threads = options_.threads;
  if (threads == 0) {
    threads =
        std::max(kMinDefaultWorkers, std::thread::hardware_concurrency() + kExtraDefaultWorkers);
  }
  started_ = true;
  if (options_.useUring) {
    if (!(info_.flags & init_flag::kOverIoUring)) {
      if (uringFallback_.empty())
        uringFallback_ =
            "the kernel did not offer FUSE_OVER_IO_URING "
            "(/sys/module/fuse/parameters/enable_uring is N?)";
    } else if (StartUring()) {
      threads = 1;  // FORGET and INTERRUPT still come through /dev/fuse
    }
    if (!uringFallback_.empty()) {
      FuseLog(LogLevel::kWarning, "io_uring not used: %s; serving /dev/fuse with %u workers",
              uringFallback_.c_str(), threads);
    }
  }
  std::vector<int> fds{fd};
  for (unsigned i = 1; i < threads; ++i) {
    int clone = transport_.OpenWorkerFd();
    if (clone < 0) {
      FuseLog(LogLevel::kWarning, "cloning the session fd failed (errno %d); sharing it", -clone);
      clone = fd;
    } else {
      ++clonedWorkers_;
    }
    fds.push_back(clone);
  }
  devWorkersRunning_.store(static_cast<int>(fds.size()), std::memory_order_release);
  running_.fetch_add(static_cast<int>(fds.size()), std::memory_order_acq_rel);
  // A descriptor read by one worker only may be polled; io_uring leaves /dev/fuse the
  // FORGETs and INTERRUPTs, which are not worth a CPU.
  const bool mayPoll =
      rings_.empty() && clonedWorkers_ + 1 == fds.size() && transport_.MayPollWorkerFds();
  if (mayPoll && poller_.enabled() && options_.standbyGate && fds.size() > 1) {
    gate_ = std::make_unique<StandbyGate>(queueProbe_);
  }
  for (unsigned i = 0; i < fds.size(); ++i) {
    workers_.emplace_back([this, fd = fds[i], i, mayPoll] { Worker(fd, i, mayPoll); });
  }
  return NtStatus::Success;
}

NtStatus FuseChannel::Negotiate(const DecodedRequest& request, int fd, bool* again) {
  const fuse_init_in& in = request.args.init;
  fuse_init_out out{};
  out.major = kKernelVersion;
  out.minor = kKernelMinorVersion;
  *again = false;
  if (in.major > kKernelVersion) {
    // Protocol rule: answer with our major only; the kernel sends INIT again.
    iovec piece{&out, sizeof out};
    WriteFrame(fd, request.ctx.unique, 0, &piece, 1);
    *again = true;
    return NtStatus::Success;
  }
  if (in.major < kKernelVersion || in.minor < kMinKernelMinorVersion) {
    error_ = "the kernel speaks FUSE " + std::to_string(in.major) + "." + std::to_string(in.minor) +
             ", irpfs needs 7." + std::to_string(kMinKernelMinorVersion) + " or newer";
    WriteFrame(fd, request.ctx.unique, -EPROTO, nullptr, 0);
    return NtStatus::NotSupported;
  }

  uint64_t offered = in.flags;
  if (in.flags & init_flag::kInitExt) offered |= static_cast<uint64_t>(in.flags2) << 32;
  uint64_t agreed = WantedFlags(options_) & offered;
  if (options_.passthrough) {
    // One line when the mount asked for passthrough and will not get it.
    const char* why = transport_.WhyNoBacking();
    if (!(offered & init_flag::kPassthrough)) why = "the kernel does not offer FUSE_PASSTHROUGH";
    if (options_.writebackCache) why = "it does not go with the writeback cache";
    if (*why != '\0') {
      agreed &= ~init_flag::kPassthrough;
      FuseLog(LogLevel::kWarning, "passthrough off: %s; the server does the I/O", why);
    }
  }
  if (!(agreed & init_flag::kInitExt)) agreed &= 0xFFFFFFFFull;
  if ((agreed & init_flag::kOverIoUring) && !UringQueue::CanCreateRing(&uringFallback_)) {
    agreed &= ~init_flag::kOverIoUring;
  }

  out.minor = std::min(in.minor, kKernelMinorVersion);
  out.max_readahead = in.max_readahead;
  out.flags = static_cast<uint32_t>(agreed);
  out.flags2 = static_cast<uint32_t>(agreed >> 32);
  out.max_background = options_.maxBackground;
  out.congestion_threshold = options_.congestionThreshold;
  out.max_write = options_.maxWrite;
  out.time_gran = options_.timeGranNs;
  out.max_pages = (agreed & init_flag::kMaxPages) ? options_.maxPages : 0;
  out.max_stack_depth = (agreed & init_flag::kPassthrough) ? 1 : 0;

  info_.protoMajor = kKernelVersion;
  info_.protoMinor = out.minor;
  info_.kernelFlags = offered;
  info_.flags = agreed;
  info_.maxWrite = out.max_write;
  info_.maxPages = out.max_pages != 0 ? out.max_pages : 32;
  info_.maxRead = static_cast<uint32_t>(info_.maxPages * kPageSize);
  info_.maxReadahead = out.max_readahead;
  info_.timeGran = out.time_gran;
  info_.backingFiles = (agreed & init_flag::kPassthrough) ? &transport_ : nullptr;
  // Made before Init so the dispatcher can keep a pointer: it lives as long as the channel.
  if (!notify_) notify_ = std::make_unique<NotifyQueue>(fd);
  info_.invalidator = notify_.get();
  decodeOptions_.setxattrExt = (agreed & init_flag::kSetxattrExt) != 0;

  dispatcher_.Init(info_);

  size_t size = out.minor < 23 ? kCompat22InitOutSize : sizeof out;
  iovec piece{&out, size};
  int result = WriteFrame(fd, request.ctx.unique, 0, &piece, 1);
  if (result != 0) {
    error_ = std::string("answering INIT failed: ") + std::strerror(-result);
    return NtStatus::DeviceNotConnected;
  }
  FuseLog(LogLevel::kInfo,
          "INIT: kernel 7.%u offers 0x%llx, agreed 0x%llx, max_write %u, max_pages %u", in.minor,
          static_cast<unsigned long long>(offered), static_cast<unsigned long long>(agreed),
          out.max_write, out.max_pages);
  return NtStatus::Success;
}

void FuseChannel::Wait() {
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  for (auto& ring : rings_) ring->Join();
}

bool FuseChannel::StartUring() {
  const unsigned count = UringQueue::PossibleCpuCount();
  UringQueueOptions queueOptions;
  queueOptions.devFd = transport_.SessionFd();
  queueOptions.depth = std::max(1u, options_.uringDepth);
  queueOptions.spinWindow = poller_.window();  // decided once, for both transports
  queueOptions.workerSlice = options_.workerSlice;
  // The kernel refuses payload buffers smaller than its max payload.
  queueOptions.payloadSize = std::max<size_t>(
      {kMinReadBuffer, info_.maxWrite, static_cast<size_t>(info_.maxPages) * kPageSize});
  for (unsigned qid = 0; qid < count; ++qid) {
    queueOptions.qid = qid;
    rings_.push_back(std::make_unique<UringQueue>(queueOptions, &OnRingRequest, this));
    running_.fetch_add(1, std::memory_order_acq_rel);
    if (rings_.back()->Start(&OnThreadExit, this) != 0) {
      uringFallback_ = rings_.back()->error();
      StopUring();
      // The kernel agreed to io_uring and holds requests until every queue registers;
      // if it did not refuse a registration itself, make it give up.
      UringQueue::AbandonOnKernel(transport_.SessionFd());
      return false;
    }
  }
  FuseLog(LogLevel::kInfo, "serving FUSE over io_uring: %u queues of %u entries", count,
          queueOptions.depth);
  return true;
}

void FuseChannel::StopUring() {
  for (auto& ring : rings_) ring->Stop();
  for (auto& ring : rings_) ring->Join();
  rings_.clear();
}

void FuseChannel::OnThreadExit(void* ctx) {
  static_cast<FuseChannel*>(ctx)->running_.fetch_sub(1, std::memory_order_acq_rel);
}

void FuseChannel::OnRingRequest(void* ctx, std::span<const std::byte> request, ReplySink* sink,
                                void* token) {
  Route route;
  route.sink = sink;
  route.token = token;
  static_cast<FuseChannel*>(ctx)->Handle(request, route);
}

uint64_t FuseChannel::PolledRequestCount() const {
  uint64_t total = poller_.hits();
  for (const auto& ring : rings_) total += ring->PolledCount();
  return total;
}

uint64_t FuseChannel::UringRequestCount() const {
  uint64_t total = 0;
  for (const auto& ring : rings_) total += ring->RequestCount();
  return total;
}

void FuseChannel::Worker(int fd, unsigned index, bool ownsFd) {
  if (options_.pinWorkers) PinToCpu(index);
  TakeWorkerSlice(options_.workerSlice);
  const int blockingFlags = ownsFd && poller_.enabled() ? fcntl(fd, F_GETFL) : -1;
  // Without polling, the busy count (a cache line all workers share) is not touched.
  const bool polling = blockingFlags >= 0;
  StandbyGate* gate = gate_.get();
  const bool lead = index == 0;
  SpinPoller::Turn turn;
  RecvBuffer* buffer = pool_->AcquireRecv();
  while (buffer != nullptr) {
    if (gate != nullptr && !lead && !gate->IsOpen()) {
      poller_.GiveUp(fd, blockingFlags, &turn);  // a parked worker must not hold the turn
      gate->AwaitOpen();
    }
    ssize_t n = -EAGAIN;
    bool waiting = false;
    if (polling && (gate == nullptr || !lead || gate->LeadMayPoll())) {
      n = poller_.Read(fd, blockingFlags, &turn, buffer, &waiting);
    }
    if (n == -EAGAIN) {
      poller_.GiveUp(fd, blockingFlags, &turn);
      if (gate != nullptr && !lead) gate->EnterRead();
      n = ReadMessage(fd, buffer);
      if (gate != nullptr && !lead) gate->LeaveRead();
    }
    if (n == 0) break;
    if (n < 0) {
      FuseLog(LogLevel::kError, "reading /dev/fuse failed: errno %d; worker stops",
              static_cast<int>(-n));
      break;
    }
    if (polling) {
      const int handling = poller_.BeginHandling();
      if (gate != nullptr) {
        const uint32_t caller = CallerPid(*buffer, n);
        gate->NoteHandling(handling, caller);
        if (lead) {
          gate->LeadBegins(waiting, caller);
        } else {
          gate->NoteStandbyRequest();
        }
      }
    }
    Handle(std::span<const std::byte>(buffer->data, static_cast<size_t>(n)),
           Route{fd, buffer, nullptr, nullptr});
    if (polling) {
      poller_.EndHandling();
      if (gate != nullptr) {
        if (lead) gate->LeadEnds();
        gate->AfterRequest();
      }
    }
    if (buffer->pinned.load(std::memory_order_acquire)) {
      // A request kept this buffer (Reply::PinInput). If it has already let go (answered
      // inline, as most writes are), the buffer is this worker's alone again.
      if (buffer->refs.load(std::memory_order_acquire) == 1) {
        buffer->pinned.store(false, std::memory_order_relaxed);
        continue;
      }
      // Otherwise read into another one.
      pool_->ReleaseRecv(buffer);
      buffer = pool_->AcquireRecv();
      if (buffer == nullptr) FuseLog(LogLevel::kError, "out of memory for a receive buffer");
    }
  }
  poller_.GiveUp(fd, blockingFlags, &turn);
  // Without the lead, the standbys serve (or meet the session's end) on their own.
  if (gate != nullptr && lead) gate->Shutdown();
  if (buffer != nullptr) pool_->ReleaseRecv(buffer);
  // /dev/fuse ended: the session is over, so the rings end too (entries a dispatcher
  // still holds would otherwise keep their threads waiting).
  if (devWorkersRunning_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    for (auto& ring : rings_) ring->Stop();
  }
  running_.fetch_sub(1, std::memory_order_acq_rel);
}

void FuseChannel::Answer(const Route& route, uint64_t unique, int err) {
  if (route.sink != nullptr) {
    route.sink->Send(route.token, unique, -err, nullptr, 0);
  } else {
    WriteFrame(route.fd, unique, -err, nullptr, 0);
  }
}

void FuseChannel::Handle(std::span<const std::byte> bytes, const Route& route) {
  const int fd = route.fd;
  DecodedRequest request;
  DecodeError error = DecodeRequest(bytes, decodeOptions_, &request);
  if (error != DecodeError::kNone) return AnswerMalformed(route, request, error);
  counts_[request.opcode].fetch_add(1, std::memory_order_relaxed);

  switch (static_cast<Opcode>(request.opcode)) {
    case Opcode::kInterrupt:
      if (route.sink != nullptr) return Answer(route, request.ctx.unique, EINVAL);
      return table_->Interrupt(request.args.interrupt.unique, request.ctx.unique, fd);
    case Opcode::kForget:
    case Opcode::kBatchForget:
      return DispatchForget(dispatcher_, request);
    case Opcode::kNotifyReply:
      return;  // we never ask for retrieves
    case Opcode::kInit:
      FuseLog(LogLevel::kWarning, "a second INIT; answered EINVAL");
      return Answer(route, request.ctx.unique, EINVAL);
    default:
      break;
  }
  if (!HasHandler(request.opcode)) {
    LogUnknownOnce(request.opcode);
    return Answer(route, request.ctx.unique, ENOSYS);
  }
  if (route.sink != nullptr) {
    DispatchRequest(dispatcher_, request,
                    table_->BeginOnSink(request.ctx, route.sink, route.token, ReplyLimit(request)));
  } else {
    DispatchRequest(dispatcher_, request,
                    table_->Begin(request.ctx, fd, route.buffer, ReplyLimit(request)));
  }
}

void FuseChannel::AnswerMalformed(const Route& route, const DecodedRequest& request,
                                  DecodeError error) {
  if (error == DecodeError::kShortHeader) {
    FuseLog(LogLevel::kError, "a message shorter than a FUSE header; ignored");
    return;
  }
  if (error == DecodeError::kUnknownOpcode) {
    LogUnknownOnce(request.opcode);
    return Answer(route, request.ctx.unique, ENOSYS);
  }
  const char* name = request.spec != nullptr ? request.spec->name.data() : "unknown";
  FuseLog(LogLevel::kError, "malformed %s request %llu: %s", name,
          static_cast<unsigned long long>(request.ctx.unique),
          std::string(DecodeErrorName(error)).c_str());
  // A ring entry must always be committed, even for a request that expects no reply.
  if (request.spec != nullptr && request.spec->noReply && route.sink == nullptr) return;
  Answer(route, request.ctx.unique, error == DecodeError::kLengthMismatch ? EIO : EINVAL);
}

void FuseChannel::LogUnknownOnce(uint32_t opcode) {
  {
    std::lock_guard lock(unknownMu_);
    if (std::find(unknownSeen_.begin(), unknownSeen_.end(), opcode) != unknownSeen_.end()) {
      return;
    }
    if (unknownSeen_.size() < 256) unknownSeen_.push_back(opcode);
  }
  FuseLog(LogLevel::kWarning, "opcode %u is not supported; answering ENOSYS", opcode);
}

}  // namespace irpfs::fuse

// bench_inproc: what one 4 KiB read costs inside the process, with no kernel in the way.
//
//   BM_IrpRead4K/memfs          a reused IRP (IoInitializeIrp on the benchmark's own
//                               storage) sent with IoCallDriverSynchronous to memfs
//   BM_IrpRead4K/trace_memfs    the same through the trace filter above memfs
//   BM_ReadFileAt4K/...         Client::ReadFileAt of the in-process Win32-like API
//
// Offsets rotate over the 1 MiB file in 4 KiB steps. Counters: items_per_second (IRPs),
// bytes_per_second, allocs_per_irp (heap allocations anywhere in the process per IRP; the
// goal is 0) and, with trace, trace_dropped (records the ring had no room for: must be 0,
// or the run measured the drop path instead of the recording one). With trace the loop
// drains the ring every kDrainEvery IRPs, as a live reader would; that cost is included.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "alloc_counter.h"
#include "core/io_manager.h"
#include "inproc_read_rig.h"

namespace irpfs::bench {
namespace {

constexpr uint32_t kReadSize = 4096;
constexpr uint64_t kOffsets = InprocReadRig::kFileSize / kReadSize;
constexpr int kDrainEvery = 256;

// Empties the trace ring into a buffer allocated once, outside the measured loop.
class TraceDrainer {
 public:
  explicit TraceDrainer(trace::TraceLog* log) : log_(log), buffer_(log ? 2 * kDrainEvery : 0) {}
  void Drain() {
    if (log_ == nullptr) return;
    while (log_->Drain(buffer_) == buffer_.size()) {
    }
  }

 private:
  trace::TraceLog* log_;
  std::vector<trace::TraceRecord> buffer_;
};

void ReportCounters(benchmark::State& state, uint64_t allocations, const InprocReadRig& rig) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * int64_t{kReadSize});
  state.counters["allocs_per_irp"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  if (rig.traceLog() != nullptr) {
    state.counters["trace_dropped"] = static_cast<double>(rig.traceLog()->dropped());
  }
  if (!MallocIsCounted()) state.SetLabel("operator new only (sanitizer build)");
}

void BM_IrpRead4K(benchmark::State& state, bool withTrace) {
  InprocReadRig rig(withTrace);
  if (!rig.error().empty()) {
    state.SkipWithError(rig.error().c_str());
    return;
  }
  DeviceObject* top = rig.top();
  FileObject* fileObject = rig.fileObject();
  alignas(64) static std::array<std::byte, kReadSize> buffer;
  Mdl mdl{buffer.data(), buffer.size()};
  const Requestor requestor{getpid(), getuid(), getgid()};
  TraceDrainer drainer(rig.traceLog());
  Irp irp;
  uint64_t i = 0;

  uint64_t allocationsBefore = HeapAllocationCount();
  for (auto _ : state) {
    IoInitializeIrp(&irp, top->stackSize);
    irp.requestor = requestor;
    irp.flags = irp_flag::kSynchronousApi | irp_flag::kInputOperation;
    irp.originalFileObject = fileObject;
    irp.bufferMethod = BufferMethod::Direct;
    irp.mdlAddress = &mdl;
    IoStackLocation* location = IoGetNextIrpStackLocation(&irp);
    location->majorFunction = IrpMajor::Read;
    location->fileObject = fileObject;
    location->parameters.read = {kReadSize, 0, (i % kOffsets) * kReadSize, 0};
    NtStatus status = IoCallDriverSynchronous(top, &irp);
    if (status != NtStatus::Success || irp.ioStatus.information != kReadSize) [[unlikely]] {
      state.SkipWithError("read failed or came back short");
      break;
    }
    benchmark::DoNotOptimize(buffer);
    if (++i % kDrainEvery == 0) drainer.Drain();
  }
  uint64_t allocations = HeapAllocationCount() - allocationsBefore;
  ReportCounters(state, allocations, rig);
}

void BM_ReadFileAt4K(benchmark::State& state, bool withTrace) {
  InprocReadRig rig(withTrace);
  if (!rig.error().empty()) {
    state.SkipWithError(rig.error().c_str());
    return;
  }
  alignas(64) static std::array<std::byte, kReadSize> buffer;
  TraceDrainer drainer(rig.traceLog());
  uint64_t i = 0;

  uint64_t allocationsBefore = HeapAllocationCount();
  for (auto _ : state) {
    uint32_t bytesRead = 0;
    bool ok = rig.client().ReadFileAt(rig.handle(), buffer.data(), kReadSize,
                                      (i % kOffsets) * kReadSize, &bytesRead);
    if (!ok || bytesRead != kReadSize) [[unlikely]] {
      state.SkipWithError("ReadFileAt failed or came back short");
      break;
    }
    benchmark::DoNotOptimize(buffer);
    if (++i % kDrainEvery == 0) drainer.Drain();
  }
  uint64_t allocations = HeapAllocationCount() - allocationsBefore;
  ReportCounters(state, allocations, rig);
}

// Proof that the counter counts: exactly one allocation per iteration, through each path.
void BM_AllocCounterCheck(benchmark::State& state, bool viaMalloc) {
  uint64_t allocationsBefore = HeapAllocationCount();
  for (auto _ : state) {
    if (viaMalloc) {
      void* block = std::malloc(64);
      benchmark::DoNotOptimize(block);
      std::free(block);
    } else {
      // A direct call: a new-expression whose result does not escape may be elided.
      void* block = ::operator new(64);
      benchmark::DoNotOptimize(block);
      ::operator delete(block);
    }
  }
  state.counters["allocs_per_iteration"] =
      benchmark::Counter(static_cast<double>(HeapAllocationCount() - allocationsBefore),
                         benchmark::Counter::kAvgIterations);
  if (viaMalloc && !MallocIsCounted()) state.SkipWithError("malloc is not counted here");
}

BENCHMARK_CAPTURE(BM_AllocCounterCheck, operator_new, false);
BENCHMARK_CAPTURE(BM_AllocCounterCheck, malloc, true);
BENCHMARK_CAPTURE(BM_IrpRead4K, memfs, false);
BENCHMARK_CAPTURE(BM_IrpRead4K, trace_memfs, true);
BENCHMARK_CAPTURE(BM_ReadFileAt4K, memfs, false);
BENCHMARK_CAPTURE(BM_ReadFileAt4K, trace_memfs, true);

}  // namespace
}  // namespace irpfs::bench

BENCHMARK_MAIN();

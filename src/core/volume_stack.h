// VolumeStack: the device stack of one volume, with filters ordered by altitude and
// attached or detached while the volume is in use.
//
// Shape (top to bottom):
//   filters attached through Attach, highest altitude on top   (upper filters)
//   the base: the device given to the constructor and whatever was already attached
//   above it then (the file system's volume device, or a PDO with its FDO)
// A filter with the same altitude as one already in the stack goes above it. Lower
// filters (between a PDO and its FDO) are not modelled: the FDO of an irpfs file system
// answers IRPs itself rather than passing them to a PDO.
//
// Live change. Every IRP sent into the stack is covered by a rundown reference (NT's
// EX_RUNDOWN_REF / IoAcquireRemoveLock idea): Attach and Detach first stop new references
// (callers of Acquire wait), then wait until every reference taken before has been
// released, change the stack, and let the waiters go. So an IRP never sees the stack
// change under it, nothing fails, and file objects opened before a change keep working
// (the top is looked up per IRP). A reference must be held until the IRP it covers is
// complete for its originator, pended IRPs included: release it in (or after) the
// originator completion.
//
// How a transport sends an IRP:
//   synchronous:   stack.CallSynchronous(irp)                      (acquire, send, wait, release)
//   asynchronous:  RundownReference ref = stack.Acquire();
//                  stack.Call(ref, irp);          // originator completion set beforehand
//                  ... keep `ref` in the request's own state; destroy/Release() it in the
//                  originator completion, after the last use of the IRP's results.
//   handle close:  stack.CloseHandle(fileObject)  / stack.Dereference(fileObject)
//                  (the CLEANUP and CLOSE IRPs the I/O manager sends from ObCloseHandle
//                  and ObDereferenceObject need a reference too)
// Call sizes the IRP for the stack as it is now: initialize it with any stack size and
// fill the location IoGetNextIrpStackLocation returns; Call moves it to the top's slot.
//
// Rules (a broken one deadlocks until the drain timeout, and the change then fails with
// STATUS_DEVICE_BUSY): a thread must not Acquire while it already holds a reference on
// the same stack, and must not Attach or Detach while holding one. In particular, drop
// the IRP's reference before dropping the last file object reference it held
// (ObDereferenceObject may send IRP_MJ_CLOSE), or use Dereference() after releasing.
// An IRP that stays pended longer than the drain timeout (a lock wait, a change
// notification) makes Attach and Detach fail with STATUS_DEVICE_BUSY and nothing changed.
//
// Threads: every method may be called from any thread. Attach and Detach are serialized.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/file_object.h"
#include "core/irp.h"
#include "core/status.h"

namespace irpfs {

// What a filter's AddDevice routine reads while VolumeStack::Attach runs it on the same
// thread (an NT filter reads its per-device parameters from the registry instead).
struct AttachContext {
  std::string_view options;  // the filter's option string, as given to Attach
  uint32_t altitude = 0;
  std::string* error = nullptr;  // AddDevice explains a STATUS_INVALID_PARAMETER here
};
// nullptr when the calling thread is not inside VolumeStack::Attach.
const AttachContext* IoGetAttachContext();

// Suggested altitudes of the shipped filters (higher = nearer the caller). trace sits on
// top so that it sees what every other filter does; faults sits right on the file system
// so that stats and trace see the injected errors and delays.
namespace altitude {
inline constexpr uint32_t kTrace = 385000;
inline constexpr uint32_t kStats = 370000;
inline constexpr uint32_t kReadonly = 260000;
inline constexpr uint32_t kFaults = 140000;
// The altitude for a driver named like one of the above, else kDefault.
inline constexpr uint32_t kDefault = 300000;
uint32_t ForDriver(std::string_view driverName);
}  // namespace altitude

class VolumeStack;

// One unit of rundown protection on a VolumeStack. Movable; releases when destroyed.
class RundownReference {
 public:
  RundownReference() = default;
  RundownReference(RundownReference&& other) noexcept;
  RundownReference& operator=(RundownReference&& other) noexcept;
  RundownReference(const RundownReference&) = delete;
  RundownReference& operator=(const RundownReference&) = delete;
  ~RundownReference() { Release(); }

  explicit operator bool() const { return stack_ != nullptr; }
  void Release();

 private:
  friend class VolumeStack;
  explicit RundownReference(VolumeStack* stack) : stack_(stack) {}
  VolumeStack* stack_ = nullptr;
};

// One device of a stack, for `irpfs devstack`.
struct StackEntry {
  std::string driverName;
  std::string deviceName;
  uint32_t altitude = 0;
  uint32_t flags = 0;  // do_flag:: bits
  DeviceType type = DeviceType::Unknown;
  int stackSize = 0;
  bool filter = false;  // attached through VolumeStack::Attach
};

class VolumeStack {
 public:
  struct Options {
    // How long Attach and Detach wait for IRPs in flight before giving up.
    std::chrono::milliseconds drainTimeout{10000};
  };

  explicit VolumeStack(DeviceObject* base) : VolumeStack(base, Options{}) {}
  VolumeStack(DeviceObject* base, Options options);
  VolumeStack(const VolumeStack&) = delete;
  VolumeStack& operator=(const VolumeStack&) = delete;
  // Detaches and deletes the filters attached through this object. No IRP may be in flight.
  ~VolumeStack();

  DeviceObject* base() const { return base_; }

  // ---- Sending IRPs.

  // Blocks while the stack is changing.
  RundownReference Acquire();
  // The top of the stack; stays the top while `ref` is held.
  DeviceObject* Top(const RundownReference& ref) const;
  // Sizes a fresh IRP (never sent yet) for the current stack and sends it to the top.
  // `ref` must be held until the IRP completes for its originator.
  NtStatus Call(const RundownReference& ref, Irp* irp);
  // Acquire + Call + wait for completion (also when pended) + release.
  NtStatus CallSynchronous(Irp* irp);
  // ObCloseHandle / ObDereferenceObject under a reference, for the CLEANUP and CLOSE IRPs
  // they may send.
  void CloseHandle(FileObject* fileObject);
  void Dereference(FileObject* fileObject);

  // ---- Changing the stack.

  // Runs filterDriver->addDevice with IoGetAttachContext() giving `options` and
  // `altitude`, and with the stack cut at the altitude's place so that the driver's usual
  // "attach to the top" lands there; then puts the filters above back on top of it.
  // *filter (optional) receives the new device. Fails with the driver's status,
  // STATUS_INVALID_DEVICE_REQUEST when the driver has no AddDevice,
  // STATUS_INSUFFICIENT_RESOURCES when the stack would be too deep, or
  // STATUS_DEVICE_BUSY when IRPs did not drain in time; on failure nothing changed.
  NtStatus Attach(DriverObject* filterDriver, std::string_view options, uint32_t altitude,
                  DeviceObject** filter = nullptr, std::string* error = nullptr);
  // Detaches and deletes a filter attached through Attach, named by its device name or
  // by its driver's name (the topmost such filter). STATUS_OBJECT_NAME_NOT_FOUND when no
  // filter matches, STATUS_DEVICE_BUSY when IRPs did not drain in time.
  NtStatus Detach(std::string_view name);
  NtStatus Detach(DeviceObject* filter);

  // ---- Looking at it.

  // Top to bottom. Waits for a change in progress (so at most the drain timeout).
  std::vector<StackEntry> Describe() const;
  // The topmost filter attached through Attach whose device or driver is `name`.
  DeviceObject* FindFilter(std::string_view name) const;
  // find(base()) under a rundown reference, so that no attach or detach changes the devices
  // it walks meanwhile: how callers look up a filter's shared state (counters, trace log).
  template <typename Find>
  auto FindOnStack(Find&& find) {
    RundownReference ref = Acquire();
    return find(base_);
  }

  // Successful attaches and detaches so far, for tests and diagnostics.
  uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }

 private:
  friend class RundownReference;
  static constexpr uint64_t kChanging = uint64_t{1} << 63;

  void ReleaseReference();
  // Serializes with other changers, stops new references and waits for the old ones.
  // False (and nothing held) on timeout.
  bool BeginChange();
  void EndChange(bool changed);
  NtStatus DetachLocked(DeviceObject* filter);
  DeviceObject* FindFilterUnlocked(std::string_view name) const;
  // A copy of filters_, taken before the I/O manager's stack lock (filtersMutex_ is not
  // taken under it).
  std::vector<DeviceObject*> FiltersSnapshot() const;

  DeviceObject* base_;
  DeviceObject* floor_;  // the top of the base chain: filters go above it
  Options options_;

  // Low bits: references held. kChanging: a change is waiting or under way.
  std::atomic<uint64_t> rundown_{0};
  std::atomic<uint64_t> generation_{0};
  // Lock order: changeMutex_ before waitMutex_; both before the I/O manager's stack lock.
  // Held by Attach / Detach for the whole change, and by Describe / FindFilter (so never
  // call those from an AddDevice routine).
  mutable std::mutex changeMutex_;
  std::mutex waitMutex_;             // for the two condition variables only
  std::condition_variable drained_;  // the last reference went while kChanging
  std::condition_variable resumed_;  // kChanging cleared
  mutable std::mutex filtersMutex_;
  std::vector<DeviceObject*> filters_;  // guarded by filtersMutex_; attach order
};

}  // namespace irpfs

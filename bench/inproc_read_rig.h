// The stack the in-process read benchmarks run against: a memfs volume on the class
// driver, optionally with the trace filter attached above it, and a 1 MiB file opened two
// ways: through the inproc Client (a handle) and as a bare file object for hand-built IRPs.
#pragma once

#include <memory>
#include <string>

#include "core/device.h"
#include "core/file_object.h"
#include "core/io_manager.h"
#include "drivers/filters/trace/trace_log.h"
#include "transport/inproc/client.h"

namespace irpfs::bench {

class InprocReadRig {
 public:
  static constexpr uint64_t kFileSize = uint64_t{1} << 20;

  // On failure error() says what went wrong and the rig must not be used.
  explicit InprocReadRig(bool withTrace);
  InprocReadRig(const InprocReadRig&) = delete;
  InprocReadRig& operator=(const InprocReadRig&) = delete;
  ~InprocReadRig();

  const std::string& error() const { return error_; }
  // Where IRPs enter: the trace filter, or memfs's volume without it.
  DeviceObject* top() const { return IoGetAttachedDevice(volume_); }
  // Opened for read with a handle count of its own; I/O goes to top().
  FileObject* fileObject() const { return fileObject_; }
  inproc::Client& client() { return *client_; }
  inproc::Handle handle() const { return handle_; }
  // nullptr without trace.
  trace::TraceLog* traceLog() const { return traceLog_.get(); }

 private:
  bool Fail(std::string what);
  bool SetUp(bool withTrace);
  bool OpenFileObject();

  std::string error_;
  DriverObject* memfsDriver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  DriverObject* traceDriver_ = nullptr;
  DeviceObject* traceFilter_ = nullptr;
  std::shared_ptr<trace::TraceLog> traceLog_;
  std::unique_ptr<inproc::Client> client_;
  inproc::Handle handle_ = inproc::kInvalidHandleValue;
  FileObject* fileObject_ = nullptr;
};

}  // namespace irpfs::bench

// filetest's in-process target: a fresh memfs volume with a trace filter on top, driven
// through the Win32-like client, so each step prints its result and the IRPs it made.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/io_manager.h"
#include "core/volume_stack.h"
#include "drivers/filters/trace/trace_filter.h"
#include "drivers/filters/trace/trace_format.h"
#include "tools/driver_registry.h"
#include "tools/filetest.h"
#include "transport/inproc/client.h"
#include "transport/inproc/last_error.h"

namespace irpfs::tools {
namespace {

using inproc::Handle;
using inproc::kInvalidHandleValue;

uint64_t Number(const std::string& text) {
  return std::strtoull(text.c_str(), nullptr, 0);
}

class InprocTarget final : public FileTestTarget {
 public:
  InprocTarget(const FileTestRequest& request) : request_(request) {}
  ~InprocTarget() override {
    client_.reset();
    stack_.reset();
    if (traceDriver_ != nullptr) IoUnloadDriver(traceDriver_);
    if (info_ != nullptr) info_->destroy(driver_, volume_);
  }

  bool Build(std::string* error) {
    info_ = tools::FindDriver("memfs");
    if (info_ == nullptr || !NtSuccess(info_->build(DriverRequest{}, &driver_, &volume_, error))) {
      return false;
    }
    stack_ = std::make_unique<VolumeStack>(volume_);
    NtStatus status =
        IoCreateDriver("trace", trace::TraceDriverEntry, "capacity=4096", &traceDriver_);
    if (NtSuccess(status)) status = stack_->Attach(traceDriver_, "", altitude::kTrace);
    if (!NtSuccess(status)) {
      *error = "cannot attach the trace filter: " + std::string(StatusName(status));
      return false;
    }
    client_ = std::make_unique<inproc::Client>(volume_);
    return true;
  }

  void Describe(const FileTestRequest& request) override {
    std::printf("target   in-process memfs volume (NT semantics), trace filter on top\n");
    std::printf("CreateFile(\"%s\", access=%s (0x%x), share=%s, disposition=%s, flags=%s)\n",
                request.path.c_str(), AccessText(request.access).c_str(), request.access,
                ShareText(request.share).c_str(), DispositionText(request.disposition).c_str(),
                FlagsText(request.flags).c_str());
    std::printf("> open\n");
    Step({"open"});
  }

  bool Step(const std::vector<std::string>& w) override {
    const std::string& step = w[0];
    auto arg = [&](size_t i) { return i < w.size() ? Number(w[i]) : 0; };
    bool ok = true;
    std::string detail;
    if (step == "open") {
      if (handle_ != kInvalidHandleValue) client_->CloseHandle(handle_);
      CreateAction action{};
      handle_ = client_->CreateFile(request_.path, request_.access, request_.share,
                                    request_.disposition, request_.flags, &action);
      ok = handle_ != kInvalidHandleValue;
      if (ok)
        detail = "handle " + std::to_string(static_cast<uint64_t>(handle_)) + ", action " +
                 ActionName(action);
    } else if (step == "close") {
      ok = client_->CloseHandle(handle_);
      handle_ = kInvalidHandleValue;
    } else if (step == "read") {
      std::string buffer(arg(1), '\0');
      uint32_t got = 0;
      ok = w.size() > 2 ? client_->ReadFileAt(handle_, buffer.data(), buffer.size(), arg(2), &got)
                        : client_->ReadFile(handle_, buffer.data(), buffer.size(), &got);
      if (ok) detail = std::to_string(got) + " bytes \"" + buffer.substr(0, got) + "\"";
    } else if (step == "write" && w.size() > 1) {
      uint32_t put = 0;
      ok = w.size() > 2 ? client_->WriteFileAt(handle_, w[1].data(), w[1].size(), arg(2), &put)
                        : client_->WriteFile(handle_, w[1].data(), w[1].size(), &put);
      if (ok) detail = std::to_string(put) + " bytes";
    } else if (step == "lock") {
      ok = client_->LockFileEx(handle_,
                               inproc::LOCKFILE_EXCLUSIVE_LOCK | inproc::LOCKFILE_FAIL_IMMEDIATELY,
                               arg(1), arg(2));
    } else if (step == "unlock") {
      ok = client_->UnlockFileEx(handle_, arg(1), arg(2));
    } else if (step == "ioctl") {
      char out[256];
      uint32_t returned = 0;
      ok = client_->DeviceIoControl(handle_, static_cast<uint32_t>(arg(1)), nullptr, 0, out,
                                    sizeof out, &returned);
      if (ok) detail = std::to_string(returned) + " bytes returned";
    } else if (step == "query") {
      FileStat stat;
      ok = client_->GetFileInformationByHandle(handle_, &stat);
      if (ok) {
        char text[160];
        std::snprintf(text, sizeof text, "id %llu size %llu links %u mode %o attributes 0x%x",
                      static_cast<unsigned long long>(stat.fileId),
                      static_cast<unsigned long long>(stat.size), stat.nlink, stat.mode,
                      stat.attributes);
        detail = text;
      }
    } else if (step == "setsize") {
      ok = client_->SetFileSize(handle_, arg(1));
    } else if (step == "delete") {
      ok = client_->SetFileDisposition(handle_, true);
    } else if (step == "enum") {
      std::string dir = w.size() > 1 ? w[1] : "/";
      inproc::FindData data;
      Handle find = client_->FindFirstFile(dir + "/*", &data);
      ok = find != kInvalidHandleValue;
      if (ok) {
        do {
          detail += (detail.empty() ? "" : " ") + data.fileName;
        } while (client_->FindNextFile(find, &data));
        client_->FindClose(find);
      }
    } else {
      return false;
    }
    if (ok) {
      std::printf("  ok%s%s\n", detail.empty() ? "" : ": ", detail.c_str());
    } else {
      std::printf("  failed: error %u, %s\n", inproc::GetLastError(),
                  std::string(StatusName(inproc::GetLastNtStatus())).c_str());
    }
    PrintIrps();
    return true;
  }

 private:
  static const char* ActionName(CreateAction action) {
    switch (action) {
      case CreateAction::Superseded:
        return "FILE_SUPERSEDED";
      case CreateAction::Opened:
        return "FILE_OPENED";
      case CreateAction::Created:
        return "FILE_CREATED";
      case CreateAction::Overwritten:
        return "FILE_OVERWRITTEN";
      case CreateAction::Exists:
        return "FILE_EXISTS";
      case CreateAction::DoesNotExist:
        return "FILE_DOES_NOT_EXIST";
    }
    return "?";
  }

  // The IRPs the step produced, as the trace filter saw them completing.
  void PrintIrps() {
    std::shared_ptr<trace::TraceLog> log = stack_->FindOnStack(trace::TraceFindLog);
    if (!log) return;
    for (const trace::TraceRecord& record : log->DrainAll()) {
      std::string line = trace::FormatTraceText(record);
      // Drop the timestamp and the IRP address: they change from run to run.
      size_t seq = line.find(" #");
      if (seq != std::string::npos) line.erase(0, seq + 1);
      size_t irp = line.find(" irp=");
      if (irp != std::string::npos) line.erase(irp, line.find(' ', irp + 1) - irp);
      std::printf("    %s\n", line.c_str());
    }
  }

  FileTestRequest request_;
  const DriverEntryInfo* info_ = nullptr;
  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  DriverObject* traceDriver_ = nullptr;
  std::unique_ptr<VolumeStack> stack_;
  std::unique_ptr<inproc::Client> client_;
  Handle handle_ = kInvalidHandleValue;
};

}  // namespace

std::unique_ptr<FileTestTarget> MakeInprocTarget(const FileTestRequest& request,
                                                 std::string* error) {
  auto target = std::make_unique<InprocTarget>(request);
  if (!target->Build(error)) return nullptr;
  return target;
}

}  // namespace irpfs::tools

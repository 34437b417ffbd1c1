#include "tools/mount_control.h"

#include <unistd.h>

#include <ctime>

#include "control/device_snapshot.h"
#include "control/runtime_dir.h"
#include "control/view_commands.h"
#include "control/views_json.h"
#include "drivers/filters/faults/faults_filter.h"
#include "drivers/filters/stats/stats_filter.h"

namespace irpfs::tools {

using control::CommandReply;
using control::Json;
using control::StreamStart;

namespace {

Json StackJson(VolumeStack& stack, const std::string& mountPoint) {
  control::DeviceStackView view{mountPoint, control::DeviceRowsOf(stack.Describe())};
  return control::EncodeDeviceStack(view);
}

}  // namespace

MountControl::MountControl(MountedVolume* volume, std::string mountPoint)
    : volume_(volume), mountPoint_(std::move(mountPoint)) {}

MountControl::~MountControl() {
  Stop();
}

NtStatus MountControl::Start(std::string* error) {
  NtStatus status = control::EnsurePrivateDirectory(registry_.directory(), error);
  if (!NtSuccess(status)) return status;
  control::ControlServerOptions options;
  options.socketPath = control::ControlSocketPathFor(mountPoint_);
  options.ownerUid = getuid();
  server_ = std::make_unique<control::ControlServer>(options);
  tap_ = std::make_unique<TraceTap>(
      volume_->stack(),
      [this](std::string* why) {
        std::string device;
        NtStatus attached = volume_->AttachFilter("trace", "", std::nullopt, &device, why);
        if (NtSuccess(attached)) UpdateRecord();
        return attached;
      },
      [this] {
        std::string why;
        if (NtSuccess(volume_->DetachFilter("trace", &why))) UpdateRecord();
      });
  RegisterCommands();
  status = server_->Start(error);
  if (!NtSuccess(status)) return status;
  mountedAt_ = static_cast<int64_t>(std::time(nullptr));
  return registry_.Add(Record(), &registration_, error);
}

void MountControl::Stop() {
  if (server_) server_->Stop();
  if (tap_) tap_->Stop();
  registration_.Reset();
}

control::MountRecord MountControl::Record() const {
  control::MountRecord record;
  record.mountPoint = mountPoint_;
  record.driver = volume_->driverName();
  record.filters = volume_->FilterNames();
  record.socketPath = server_->socketPath();
  record.uid = getuid();
  record.mountedAt = mountedAt_;
  return record;
}

void MountControl::UpdateRecord() {
  if (!server_) return;
  std::string error;
  registry_.Add(Record(), nullptr, &error);
}

void MountControl::RegisterCommands() {
  control::RegisterDevStack(*server_, [this] {
    return control::DeviceStackView{mountPoint_,
                                    control::DeviceRowsOf(volume_->stack()->Describe())};
  });
  control::RegisterDrvObj(*server_,
                          [this](const std::string& name) -> std::optional<control::DriverView> {
                            if (DriverObject* driver = volume_->FindDriver(name)) {
                              return control::SnapshotDriver(*driver);
                            }
                            return std::nullopt;
                          });
  server_->Register("attach", [this](const Json& request) { return Attach(request); });
  server_->Register("detach", [this](const Json& request) { return Detach(request); });
  server_->Register("stats", [this](const Json& request) { return Stats(request); });
  server_->Register("faults", [this](const Json& request) { return Faults(request); });
  server_->Register("passthrough", [this](const Json& request) { return Passthrough(request); });
  server_->RegisterStream("trace",
                          [this](const Json& request, std::shared_ptr<control::StreamSink> sink) {
                            return Trace(request, std::move(sink));
                          });
}

CommandReply MountControl::Attach(const Json& request) {
  std::string filter = control::StringMember(request, "filter");
  if (filter.empty()) return CommandReply::Fail("attach needs a \"filter\"");
  std::optional<uint32_t> altitude;
  if (auto it = request.find("altitude"); it != request.end()) {
    if (!it->is_number_unsigned()) return CommandReply::Fail("\"altitude\" must be a number");
    altitude = it->get<uint32_t>();
  }
  std::string device;
  std::string error;
  NtStatus status = volume_->AttachFilter(filter, control::StringMember(request, "options"),
                                          altitude, &device, &error);
  if (!NtSuccess(status)) return CommandReply::Fail(error);
  UpdateRecord();
  Json members = StackJson(*volume_->stack(), mountPoint_);
  members["device"] = device;
  return CommandReply::Ok(std::move(members));
}

CommandReply MountControl::Detach(const Json& request) {
  std::string filter = control::StringMember(request, "filter");
  if (filter.empty()) return CommandReply::Fail("detach needs a \"filter\"");
  std::string error;
  if (!NtSuccess(volume_->DetachFilter(filter, &error))) return CommandReply::Fail(error);
  UpdateRecord();
  return CommandReply::Ok(StackJson(*volume_->stack(), mountPoint_));
}

CommandReply MountControl::Stats(const Json& request) {
  std::shared_ptr<stats::StatsCounters> counters =
      volume_->stack()->FindOnStack(stats::StatsFindCounters);
  if (!counters) return CommandReply::Fail("no stats filter on " + mountPoint_);
  if (request.value("reset", false) == true) {
    counters->Reset();
    return CommandReply::Ok();
  }
  stats::StatsSnapshot snapshot = counters->Snapshot();
  Json members = Json::parse(stats::FormatStatsJson(snapshot));
  members["text"] = stats::FormatStatsText(snapshot);
  return CommandReply::Ok(std::move(members));
}

CommandReply MountControl::Faults(const Json& request) {
  std::shared_ptr<faults::FaultsConfig> config =
      volume_->stack()->FindOnStack(faults::FaultsFindConfig);
  if (!config) return CommandReply::Fail("no faults filter on " + mountPoint_);
  if (request.value("clear", false) == true) {
    config->Clear();
  } else if (auto it = request.find("set"); it != request.end()) {
    if (!it->is_string()) return CommandReply::Fail("\"set\" must be a string");
    std::string error;
    if (!NtSuccess(config->Set(it->get<std::string>(), &error))) {
      return CommandReply::Fail("bad faults settings: " + error);
    }
  }
  return CommandReply::Ok({{"settings", config->Describe()}, {"injected", config->injected()}});
}

// FUSE passthrough at a glance: whether it is on, how opens were served, and how many
// READ and WRITE requests the kernel still sent (passthrough opens send none).
CommandReply MountControl::Passthrough(const Json&) {
  const fuse::DispatcherImpl* dispatcher = volume_->dispatcher();
  if (dispatcher == nullptr) return CommandReply::Fail(mountPoint_ + " is not mounted");
  fuse::BackingCounters c = dispatcher->backingCounters();
  Json members{{"enabled", c.enabled},
               {"liveBackingIds", c.liveBackingIds},
               {"livePassthroughOpens", c.livePassthroughOpens},
               {"passthroughOpens", c.passthroughOpens},
               {"serverOpens", c.serverOpens},
               {"inheritedOpens", c.inheritedOpens},
               {"registerFailures", c.registerFailures}};
  if (fuse::FuseChannel* channel = volume_->fuseMount().channel()) {
    members["readRequests"] = channel->RequestCount(fuse::Opcode::kRead);
    members["writeRequests"] = channel->RequestCount(fuse::Opcode::kWrite);
  }
  return CommandReply::Ok(std::move(members));
}

StreamStart MountControl::Trace(const Json& request, std::shared_ptr<control::StreamSink> sink) {
  TraceSubscription subscription;
  std::string format = control::StringMember(request, "format", "json");
  if (format != "json" && format != "text") {
    return StreamStart::Refuse("\"format\" must be \"json\" or \"text\"");
  }
  subscription.json = format == "json";
  subscription.match = control::StringMember(request, "match");
  std::string error;
  uint64_t id = tap_->Subscribe(std::move(sink), subscription, &error);
  if (id == 0) return StreamStart::Refuse(error);
  return StreamStart::Accept([this, id] { tap_->Unsubscribe(id); });
}

}  // namespace irpfs::tools

#include "tools/control_commands.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "control/control_queries.h"
#include "control/mount_registry.h"
#include "control/views.h"
#include "control/views_json.h"

namespace irpfs::tools {
namespace {

using control::ControlClient;
using control::Json;

int Fail(const std::string& message) {
  std::fprintf(stderr, "irpfs: %s\n", message.c_str());
  return 1;
}

int Usage(const std::string& command, const char* synopsis) {
  return Fail("usage: irpfs " + command + " " + synopsis);
}

bool IsHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return true;
  }
  return false;
}

std::unique_ptr<ControlClient> Connect(const std::string& mount, std::string* error) {
  return control::ConnectToMount(mount, error);
}

// Sends `request` to the mount and returns the response, or fails with its error.
bool CallMount(const std::string& mount, const Json& request, Json* response, std::string* error) {
  auto client = Connect(mount, error);
  if (!client) return false;
  *response = client->Call(request);
  if (!response->value("ok", false)) {
    *error = control::StringMember(*response, "error", "the mount refused the request");
    return false;
  }
  return true;
}

int PrintStackOf(const Json& response, const std::string& mount) {
  control::DeviceStackView view;
  std::string error;
  if (!control::DecodeDeviceStack(response, &view, &error)) return Fail(mount + ": " + error);
  std::fputs(control::RenderDevStack(view).c_str(), stdout);
  return 0;
}

int RunList(int argc, char**) {
  if (argc != 1) return Usage("list", "");
  std::fputs(control::RenderMountList(control::ListMounts()).c_str(), stdout);
  return 0;
}

int RunDevTree(int argc, char**) {
  if (argc != 1) return Usage("devtree", "");
  auto tree = control::CollectDeviceTree(control::ListMounts());
  std::fputs(control::RenderDevTree(tree).c_str(), stdout);
  return 0;
}

int RunDevStack(int argc, char** argv) {
  if (argc != 2) return Usage("devstack", "MOUNT");
  std::string error;
  auto client = Connect(argv[1], &error);
  if (!client) return Fail(error);
  control::DeviceStackView view;
  if (!NtSuccess(control::QueryDeviceStack(*client, &view, &error))) return Fail(error);
  std::fputs(control::RenderDevStack(view).c_str(), stdout);
  return 0;
}

int RunDrvObj(int argc, char** argv) {
  std::string driver;
  std::string mount;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--mount" && i + 1 < argc) {
      mount = argv[++i];
    } else if (driver.empty() && arg[0] != '-') {
      driver = arg;
    } else {
      return Usage("drvobj", "DRIVER [--mount MOUNT]");
    }
  }
  if (driver.empty()) return Usage("drvobj", "DRIVER [--mount MOUNT]");
  std::vector<std::string> mounts;
  if (!mount.empty()) {
    mounts.push_back(mount);
  } else {
    for (const control::MountRecord& record : control::ListMounts()) {
      mounts.push_back(record.mountPoint);
    }
    if (mounts.empty()) return Fail("no irpfs mounts (driver objects live in a mount's process)");
  }
  std::string lastError;
  for (const std::string& candidate : mounts) {
    auto client = Connect(candidate, &lastError);
    if (!client) continue;
    control::DriverView view;
    if (NtSuccess(control::QueryDriver(*client, driver, &view, &lastError))) {
      std::fputs(control::RenderDrvObj(view).c_str(), stdout);
      return 0;
    }
  }
  return Fail(lastError);
}

std::atomic<ControlClient*> streamingClient{nullptr};

void InterruptStream(int) {
  if (ControlClient* client = streamingClient.load()) client->Interrupt();
}

int RunTrace(int argc, char** argv) {
  const char* synopsis = "MOUNT [--json] [--match PATTERN]";
  std::string mount;
  Json request{{"cmd", "trace"}, {"format", "text"}};
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
      request["format"] = "json";
    } else if (arg == "--match" && i + 1 < argc) {
      request["match"] = argv[++i];
    } else if (mount.empty() && arg[0] != '-') {
      mount = arg;
    } else {
      return Usage("trace", synopsis);
    }
  }
  if (mount.empty()) return Usage("trace", synopsis);
  std::string error;
  auto client = Connect(mount, &error);
  if (!client) return Fail(error);
  streamingClient.store(client.get());
  struct sigaction action {};
  action.sa_handler = InterruptStream;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  NtStatus status = client->Stream(
      request,
      [json](const Json& event) {
        if (event.contains("stream")) {
          if (control::StringMember(event, "stream") == "dropped") {
            std::fprintf(stderr, "irpfs: %llu trace records dropped\n",
                         static_cast<unsigned long long>(event.value("count", uint64_t{0})));
          }
          return true;
        }
        if (json) {
          std::puts(event.dump().c_str());
        } else {
          std::puts(control::StringMember(event, "line").c_str());
        }
        // stdout gone (a closed pipe): stop.
        return std::fflush(stdout) == 0;
      },
      &error);
  streamingClient.store(nullptr);
  if (!NtSuccess(status)) return Fail(error);
  return 0;
}

int RunStats(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--reset") != 0)) {
    return Usage("stats", "MOUNT [--reset]");
  }
  Json request{{"cmd", "stats"}};
  if (argc == 3) request["reset"] = true;
  Json response;
  std::string error;
  if (!CallMount(argv[1], request, &response, &error)) return Fail(error);
  if (argc == 2) std::fputs(control::StringMember(response, "text").c_str(), stdout);
  return 0;
}

int RunPassthrough(int argc, char** argv) {
  if (argc != 2) return Usage("passthrough", "MOUNT");
  Json response;
  std::string error;
  if (!CallMount(argv[1], Json{{"cmd", "passthrough"}}, &response, &error)) return Fail(error);
  std::printf("enabled: %s\n", response.value("enabled", false) ? "yes" : "no");
  for (const char* key :
       {"liveBackingIds", "livePassthroughOpens", "passthroughOpens", "serverOpens",
        "inheritedOpens", "registerFailures", "readRequests", "writeRequests"}) {
    std::printf("%s: %llu\n", key,
                static_cast<unsigned long long>(response.value(key, uint64_t{0})));
  }
  return 0;
}

int RunFaults(int argc, char** argv) {
  const char* synopsis = "MOUNT [show | set RULES | clear]";
  if (argc < 2) return Usage("faults", synopsis);
  Json request{{"cmd", "faults"}};
  std::string action = argc >= 3 ? argv[2] : "show";
  if (action == "show" && argc <= 3) {
  } else if (action == "clear" && argc == 3) {
    request["clear"] = true;
  } else if (action == "set" && argc == 4) {
    request["set"] = argv[3];
  } else {
    return Usage("faults", synopsis);
  }
  Json response;
  std::string error;
  if (!CallMount(argv[1], request, &response, &error)) return Fail(error);
  std::string settings = control::StringMember(response, "settings");
  std::printf("settings: %s\ninjected: %llu\n", settings.empty() ? "(none)" : settings.c_str(),
              static_cast<unsigned long long>(response.value("injected", uint64_t{0})));
  return 0;
}

int RunAttach(int argc, char** argv) {
  const char* synopsis = "MOUNT FILTER[:OPTIONS] [--altitude N]";
  if (argc != 3 && argc != 5) return Usage("attach", synopsis);
  std::string spec = argv[2];
  size_t colon = spec.find(':');
  Json request{{"cmd", "attach"},
               {"filter", spec.substr(0, colon)},
               {"options", colon == std::string::npos ? "" : spec.substr(colon + 1)}};
  if (argc == 5) {
    if (std::strcmp(argv[3], "--altitude") != 0) return Usage("attach", synopsis);
    char* end = nullptr;
    unsigned long altitude = std::strtoul(argv[4], &end, 10);
    if (end == argv[4] || *end != '\0' || altitude > UINT32_MAX) {
      return Fail(std::string("bad altitude '") + argv[4] + "'");
    }
    request["altitude"] = static_cast<uint32_t>(altitude);
  }
  Json response;
  std::string error;
  if (!CallMount(argv[1], request, &response, &error)) return Fail(error);
  std::printf("attached %s\n", control::StringMember(response, "device").c_str());
  return PrintStackOf(response, argv[1]);
}

int RunDetach(int argc, char** argv) {
  if (argc != 3) return Usage("detach", "MOUNT FILTER");
  Json response;
  std::string error;
  if (!CallMount(argv[1], {{"cmd", "detach"}, {"filter", argv[2]}}, &response, &error)) {
    return Fail(error);
  }
  std::printf("detached %s\n", argv[2]);
  return PrintStackOf(response, argv[1]);
}

struct CommandEntry {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* synopsis;
};

constexpr CommandEntry kCommands[] = {
    {"list", RunList, ""},
    {"devtree", RunDevTree, ""},
    {"devstack", RunDevStack, "MOUNT"},
    {"drvobj", RunDrvObj, "DRIVER [--mount MOUNT]"},
    {"trace", RunTrace, "MOUNT [--json] [--match PATTERN]"},
    {"stats", RunStats, "MOUNT [--reset]"},
    {"faults", RunFaults, "MOUNT [show | set RULES | clear]"},
    {"passthrough", RunPassthrough, "MOUNT"},
    {"attach", RunAttach, "MOUNT FILTER[:OPTIONS] [--altitude N]"},
    {"detach", RunDetach, "MOUNT FILTER"},
};

}  // namespace

bool IsControlCommand(const std::string& command) {
  for (const CommandEntry& entry : kCommands) {
    if (command == entry.name) return true;
  }
  return false;
}

int RunControlCommand(const std::string& command, int argc, char** argv) {
  for (const CommandEntry& entry : kCommands) {
    if (command != entry.name) continue;
    if (IsHelp(argc, argv)) {
      std::printf("usage: irpfs %s %s\n", entry.name, entry.synopsis);
      return 0;
    }
    return entry.run(argc, argv);
  }
  return Fail("unknown command '" + command + "'");
}

}  // namespace irpfs::tools

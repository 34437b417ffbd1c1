#include "control/mount_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <utility>

#include "control/process_identity.h"
#include "control/runtime_dir.h"

namespace irpfs::control {
namespace {

constexpr std::string_view kRecordSuffix = ".mount.json";

std::string WithoutTrailingSlashes(const std::string& path) {
  size_t end = path.find_last_not_of('/');
  return end == std::string::npos ? "/" : path.substr(0, end + 1);
}

bool WriteWhole(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The record in `path` if it parses and its process runs; a stale file is deleted.
std::optional<MountRecord> ReadLiveRecord(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  MountRecord record;
  std::string error;
  // A file being written is renamed into place whole, so one that does not parse was not
  // written by irpfs: leave it alone.
  if (json.is_discarded() || !DecodeMountRecord(json, &record, &error)) return std::nullopt;
  if (!ProcessAlive(record.pid, record.pidStartTicks)) {
    unlink(path.c_str());
    return std::nullopt;
  }
  return record;
}

}  // namespace

Json EncodeMountRecord(const MountRecord& record) {
  return Json{{"mount_point", record.mountPoint},
              {"driver", record.driver},
              {"filters", record.filters},
              {"socket", record.socketPath},
              {"pid", record.pid},
              {"uid", record.uid},
              {"pid_start_ticks", record.pidStartTicks},
              {"mounted_at", record.mountedAt}};
}

bool DecodeMountRecord(const Json& json, MountRecord* record, std::string* error) {
  if (!json.is_object()) {
    *error = "a mount record must be a JSON object";
    return false;
  }
  try {
    MountRecord out;
    out.mountPoint = json.at("mount_point").get<std::string>();
    out.driver = json.at("driver").get<std::string>();
    out.socketPath = json.at("socket").get<std::string>();
    out.pid = json.at("pid").get<pid_t>();
    out.uid = json.at("uid").get<uid_t>();
    out.filters = json.value("filters", std::vector<std::string>{});
    out.pidStartTicks = json.value("pid_start_ticks", uint64_t{0});
    out.mountedAt = json.value("mounted_at", int64_t{0});
    *record = std::move(out);
    return true;
  } catch (const Json::exception& e) {
    *error = std::string("bad mount record: ") + e.what();
    return false;
  }
}

MountRegistry::MountRegistry() : directory_(RuntimeDirectory()) {}
MountRegistry::MountRegistry(std::string directory) : directory_(std::move(directory)) {}

std::string MountRegistry::RecordPathFor(const std::string& mountPoint) const {
  return directory_ + "/" + EscapeMountPoint(mountPoint) + std::string(kRecordSuffix);
}

NtStatus MountRegistry::Add(const MountRecord& record, MountRegistration* registration,
                            std::string* error) {
  if (NtStatus s = EnsurePrivateDirectory(directory_, error); !NtSuccess(s)) return s;
  MountRecord stored = record;
  stored.mountPoint = WithoutTrailingSlashes(record.mountPoint);
  if (stored.pid == 0) stored.pid = getpid();
  if (stored.pidStartTicks == 0) stored.pidStartTicks = ProcessStartTicks(stored.pid);
  if (stored.mountedAt == 0) stored.mountedAt = static_cast<int64_t>(std::time(nullptr));

  std::string path = RecordPathFor(stored.mountPoint);
  std::string temporary = path + ".tmp." + std::to_string(getpid());
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    *error = "cannot write " + temporary + ": " + std::strerror(err);
    return ErrnoToStatus(err);
  }
  // Replace, not throw, on a mount point that is not UTF-8.
  std::string text = EncodeMountRecord(stored).dump(-1, ' ', false, Json::error_handler_t::replace);
  bool written = WriteWhole(fd, text + "\n");
  int err = errno;
  close(fd);
  if (!written || rename(temporary.c_str(), path.c_str()) != 0) {
    if (written) err = errno;
    unlink(temporary.c_str());
    *error = "cannot write " + path + ": " + std::strerror(err);
    return ErrnoToStatus(err);
  }
  if (registration != nullptr) {
    registration->Reset();
    registration->path_ = path;
  }
  return NtStatus::Success;
}

void MountRegistry::Remove(const std::string& mountPoint) {
  unlink(RecordPathFor(mountPoint).c_str());
}

std::vector<MountRecord> MountRegistry::List() const {
  std::vector<MountRecord> records;
  DIR* dir = opendir(directory_.c_str());
  if (dir == nullptr) return records;
  while (dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name.size() <= kRecordSuffix.size() || !name.ends_with(kRecordSuffix)) continue;
    if (auto record = ReadLiveRecord(directory_ + "/" + std::string(name))) {
      records.push_back(std::move(*record));
    }
  }
  closedir(dir);
  std::sort(records.begin(), records.end(),
            [](const MountRecord& a, const MountRecord& b) { return a.mountPoint < b.mountPoint; });
  return records;
}

std::optional<MountRecord> MountRegistry::Find(const std::string& mountPoint) const {
  auto record = ReadLiveRecord(RecordPathFor(mountPoint));
  if (record && record->mountPoint != WithoutTrailingSlashes(mountPoint)) return std::nullopt;
  return record;
}

MountRegistration::MountRegistration(MountRegistration&& other) noexcept
    : path_(std::exchange(other.path_, {})) {}

MountRegistration& MountRegistration::operator=(MountRegistration&& other) noexcept {
  if (this != &other) {
    Reset();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

void MountRegistration::Reset() {
  if (path_.empty()) return;
  // Only our own record: after a fork, or once another process took the mount point over,
  // the file is not ours to delete.
  std::ifstream in(path_);
  Json json = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  MountRecord record;
  std::string error;
  if (!json.is_discarded() && DecodeMountRecord(json, &record, &error) && record.pid == getpid()) {
    unlink(path_.c_str());
  }
  path_.clear();
}

std::vector<MountRecord> ListMounts() {
  return MountRegistry().List();
}

std::optional<MountRecord> FindMount(const std::string& mountPoint) {
  return MountRegistry().Find(mountPoint);
}

}  // namespace irpfs::control

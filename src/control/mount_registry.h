// The registry of live mounts: one small JSON file per mount in the runtime directory
// (runtime_dir.h), "<escaped mount point>.mount.json", written when a mount is up and
// removed when it goes down. A record whose process no longer runs (a crash, a kill -9) is
// stale: listing skips it and deletes its file when allowed to.
//
//   MountRegistry registry;                       // the caller's runtime directory
//   MountRegistration reg;
//   registry.Add(record, &reg, &error);          // ... serve the mount ...
//   // ~MountRegistration removes the record.
//
// Files are written whole to a temporary name and renamed, so a reader never sees half
// a record. The file mode is 0600; the directory is created with 0700.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "control/json.h"
#include "control/mount_record.h"
#include "core/status.h"

namespace irpfs::control {

class MountRegistration;

class MountRegistry {
 public:
  MountRegistry();  // RuntimeDirectory()
  explicit MountRegistry(std::string directory);

  const std::string& directory() const { return directory_; }

  // Writes (or replaces) the record of record.mountPoint. A record with pid 0 gets the
  // caller's pid, and pidStartTicks 0 that pid's start time. When `registration` is given
  // it removes the record when it is destroyed.
  NtStatus Add(const MountRecord& record, MountRegistration* registration, std::string* error);
  // Removes the record of `mountPoint`, if any (whoever wrote it).
  void Remove(const std::string& mountPoint);

  // The live mounts, sorted by mount point; stale records are deleted on the way.
  std::vector<MountRecord> List() const;
  // The live record of `mountPoint` (trailing slashes ignored).
  std::optional<MountRecord> Find(const std::string& mountPoint) const;

  std::string RecordPathFor(const std::string& mountPoint) const;

 private:
  std::string directory_;
};

// Removes its record on destruction (move-only), if the record still names this process.
class MountRegistration {
 public:
  MountRegistration() = default;
  MountRegistration(MountRegistration&& other) noexcept;
  MountRegistration& operator=(MountRegistration&& other) noexcept;
  MountRegistration(const MountRegistration&) = delete;
  MountRegistration& operator=(const MountRegistration&) = delete;
  ~MountRegistration() { Reset(); }

  void Reset();

 private:
  friend class MountRegistry;
  std::string path_;
};

// The registry of the caller's runtime directory.
std::vector<MountRecord> ListMounts();
std::optional<MountRecord> FindMount(const std::string& mountPoint);

// The record file's JSON, both ways (DecodeMountRecord is false on a malformed record).
Json EncodeMountRecord(const MountRecord& record);
bool DecodeMountRecord(const Json& json, MountRecord* record, std::string* error);

}  // namespace irpfs::control

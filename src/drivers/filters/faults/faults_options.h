// The fault settings of the faults filter and their text form.
//
// Syntax: entries separated by ';', each a comma-separated list of key=value pairs
// (spaces around keys and values ignored). An entry with an action is a rule:
//
//   op=OPS           operations the rule applies to, '|'-separated (default: all):
//                    create read write flush queryinfo setinfo queryea setea queryvol
//                    setvol dir fsctl ioctl lock cleanup close, an IRP_MJ_ name, or all
//   path=GLOB        fnmatch(3) pattern on the file's path (default: every file). A pattern
//                    with a '/' matches the whole path (without its leading '/'), one
//                    without matches the last component. See FaultsFilePath for where the
//                    path comes from.
//   probability=P    chance that a matching IRP is hit, 0..1 or N% (default 1)
//   count=N          the rule hits at most N times, then stays inert (default: no limit)
//   status=NAME      action: complete the IRP with this status instead of passing it
//                    down: an errno name (EIO, ENOSPC, EROFS, ...), an NT name
//                    (STATUS_IO_DEVICE_ERROR, or without the prefix) or a hex value
//   delay=DURATION   action: pend the IRP for this long before going on (cancelable);
//                    DURATION is a number with ns, us, ms or s (bare number: ms)
//   latency=OPS:DURATION   shorthand for op=OPS,delay=DURATION
//   short=1          action: READ and WRITE go down with half their length (at least 1)
//   short=OPS        shorthand for op=OPS,short=1
//
// and keys that apply to the whole filter, in any entry:
//   enospc_after=SIZE  WRITEs may move SIZE more bytes (suffix K, M, G: binary); a write
//                      that would cross the budget is cut to what is left, and once it is
//                      used up writes fail with STATUS_DISK_FULL (ENOSPC). Bytes of
//                      successful writes count, whether they grow the file or overwrite.
//   seed=N             seed of the probability generator (default: fixed, for repeatable
//                      runs)
//
// A rule's actions combine: status after a delay fails the IRP late; short with delay
// shortens it late. When several rules hit one IRP, delays add, short applies if any
// rule says so, and the first status wins.
//
// Example: "op=write,status=EIO,probability=1,count=3,path=*.db;latency=read:50ms;
//           enospc_after=1M"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/irp_codes.h"
#include "core/status.h"

namespace irpfs::faults {

inline constexpr uint32_t kAllMajors = (uint32_t{1} << kIrpMajorCount) - 1;
inline constexpr uint32_t MajorBit(IrpMajor major) {
  return uint32_t{1} << static_cast<unsigned>(major);
}

struct FaultRule {
  uint32_t majors = kAllMajors;  // MajorBit() set
  std::string path;              // empty: any file
  double probability = 1.0;
  int64_t count = -1;  // hits left; -1: no limit
  std::optional<NtStatus> status;
  uint64_t delayNs = 0;
  bool shortTransfer = false;
};

struct FaultsSettings {
  std::vector<FaultRule> rules;
  int64_t enospcAfter = -1;  // bytes; -1: no budget
  uint64_t seed = 0x5eed;
};

// Parses `text` into *settings (replacing it). On failure *settings is unchanged and
// *error (if given) says what was wrong; the status is STATUS_INVALID_PARAMETER.
NtStatus ParseFaultsOptions(std::string_view text, FaultsSettings* settings,
                            std::string* error = nullptr);

// The settings in the syntax above (empty for none), so that parsing it gives them back.
std::string FormatFaultsOptions(const FaultsSettings& settings);

// A status by name, as status= takes it. False when unknown.
bool ParseStatusName(std::string_view name, NtStatus* status);

}  // namespace irpfs::faults

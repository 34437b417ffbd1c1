// One line of an IRP trace: what a request asked for on its way down the stack, or what
// it came back with on its way up.
//
// A record is a plain value with fixed-size text fields, so the filter can fill one on
// the stack and copy it into a preallocated ring slot without touching the heap. Names
// longer than their field are cut and flagged, never allocated.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/irp.h"
#include "core/irp_codes.h"
#include "core/status.h"

namespace irpfs::trace {

// A string of at most N bytes stored inline. Copies move only the bytes in use: records
// are copied twice per phase (into the ring, out of it) and names are mostly short.
template <size_t N>
struct FixedText {
  static_assert(N <= UINT16_MAX);
  char bytes[N];
  uint16_t length = 0;
  bool truncated = false;

  FixedText() = default;
  FixedText(const FixedText& other) { *this = other; }
  FixedText& operator=(const FixedText& other) {
    if (this == &other) return *this;
    if (other.length != 0) std::memcpy(bytes, other.bytes, other.length);
    length = other.length;
    truncated = other.truncated;
    return *this;
  }

  void Assign(std::string_view text) {
    size_t kept = std::min(text.size(), N);
    if (kept != 0) std::memcpy(bytes, text.data(), kept);
    length = static_cast<uint16_t>(kept);
    truncated = kept < text.size();
  }
  void Clear() {
    length = 0;
    truncated = false;
  }
  std::string_view view() const { return {bytes, length}; }
  bool empty() const { return length == 0; }
};

enum class TracePhase : uint8_t {
  Down,  // the filter saw the IRP before passing it to the driver below
  Up,    // the IRP completed back up through the filter
};

// The request's key parameters, as far as its major function has them. Which fields are
// meaningful depends on the major (see FillParameters in trace_filter.cpp); the others
// stay zero.
struct TraceParameters {
  uint64_t offset = 0;         // read / write / lock: byte offset
  uint64_t length = 0;         // read / write / lock / query / set / EA / directory: length
  uint32_t desiredAccess = 0;  // create
  uint32_t shareAccess = 0;    // create
  uint32_t disposition = 0;    // create: CreateDisposition
  uint32_t createOptions = 0;  // create
  uint32_t mode = 0;           // create: POSIX type and permission bits
  uint32_t infoClass = 0;      // query / set information, directory, volume
  uint32_t controlCode = 0;    // device / file system control
  uint32_t inputLength = 0;    // device / file system control
  uint32_t flags = 0;          // read / write: rw_flag bits; EA: ea_flag bits
  uint8_t stackFlags = 0;      // the stack location's sl:: bits
};

struct TraceRecord {
  uint64_t sequence = 0;    // position in its log, assigned when recorded
  int64_t timeNs = 0;       // wall clock (CLOCK_REALTIME), nanoseconds since the epoch
  uint64_t durationNs = 0;  // Up: time since the filter passed the IRP down
  uint64_t irpId = 0;       // the IRP's address: pairs an Up record with its Down record

  TracePhase phase = TracePhase::Down;
  IrpMajor major = IrpMajor::Create;
  uint8_t minor = 0;
  bool pending = false;  // Up: a driver below returned STATUS_PENDING

  Requestor requestor;
  NtStatus status = NtStatus::Pending;  // Up: the final status
  uint64_t information = 0;             // Up: IoStatus.Information

  TraceParameters parameters;  // Down only

  FixedText<16> process;    // /proc/<pid>/comm (at most 15 characters there)
  FixedText<48> device;     // name of the device the filter is attached to
  FixedText<256> fileName;  // the file object's name, if the IRP has one
  // A name the parameters carry: EA name, directory pattern, symlink target, rename target.
  FixedText<64> argument;
};

}  // namespace irpfs::trace

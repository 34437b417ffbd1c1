// The status mapping, generated from IRPFS_STATUS_TABLE so that the three directions
// (errno, Win32, name) can never drift apart.
#include "core/status.h"

#include <array>
#include <cerrno>
#include <cstdio>

namespace irpfs {
namespace {

struct StatusRow {
  NtStatus status;
  std::string_view camelName;
  int err;
  uint32_t win32;
};

constexpr StatusRow kRows[] = {
#define IRPFS_STATUS_ROW(name, value, err, win32) {NtStatus::name, #name, err, win32},
    IRPFS_STATUS_TABLE(IRPFS_STATUS_ROW)
#undef IRPFS_STATUS_ROW
};
constexpr int kRowCount = sizeof(kRows) / sizeof(kRows[0]);

// Row numbers by name, in table order, for the switch below.
enum RowIndex : int {
#define IRPFS_STATUS_INDEX(name, value, err, win32) kRow##name,
  IRPFS_STATUS_TABLE(IRPFS_STATUS_INDEX)
#undef IRPFS_STATUS_INDEX
};

// The row of a status, or -1. A switch (rather than a scan) lets the compiler build a
// jump or search table, and a duplicated NT value in the table fails to compile.
int RowOf(NtStatus s) {
  switch (s) {
#define IRPFS_STATUS_CASE(name, value, err, win32) \
  case NtStatus::name:                             \
    return kRow##name;
    IRPFS_STATUS_TABLE(IRPFS_STATUS_CASE)
#undef IRPFS_STATUS_CASE
  }
  return -1;
}

// Names are built at compile time: no allocation, no initialization order to worry about.
struct UpperSnakeName {
  char text[48] = {};
  size_t size = 0;
  std::string_view view() const { return std::string_view(text, size); }
};

// "SharingViolation" -> "STATUS_SHARING_VIOLATION".
constexpr UpperSnakeName MakeUpperSnakeName(std::string_view camel) {
  UpperSnakeName name;
  auto append = [&name](char c) {
    // Throwing in a constant expression fails the build: a name too long for the buffer.
    if (name.size + 1 >= sizeof(name.text)) throw "status name too long";
    name.text[name.size++] = c;
  };
  for (char c : std::string_view("STATUS_")) append(c);
  for (size_t i = 0; i < camel.size(); ++i) {
    char c = camel[i];
    bool upper = c >= 'A' && c <= 'Z';
    if (upper && i != 0) append('_');
    bool lower = c >= 'a' && c <= 'z';
    append(lower ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return name;
}

constexpr auto kNames = [] {
  std::array<UpperSnakeName, kRowCount> names{};
  for (int i = 0; i < kRowCount; ++i) names[i] = MakeUpperSnakeName(kRows[i].camelName);
  return names;
}();

}  // namespace

int StatusToErrno(NtStatus s) {
  int row = RowOf(s);
  return row < 0 ? EIO : kRows[row].err;
}

uint32_t StatusToWin32(NtStatus s) {
  constexpr uint32_t kErrorGenFailure = 31;
  int row = RowOf(s);
  return row < 0 ? kErrorGenFailure : kRows[row].win32;
}

NtStatus ErrnoToStatus(int err) {
  for (const StatusRow& row : kRows) {
    if (row.err == err) return row.status;
  }
  return NtStatus::Unsuccessful;
}

std::string_view StatusName(NtStatus s) {
  int row = RowOf(s);
  if (row >= 0) return kNames[row].view();
  // The view stays valid until this thread asks for the next unknown name.
  thread_local char unknown[32];
  int n = std::snprintf(unknown, sizeof(unknown), "STATUS_0x%08X", static_cast<uint32_t>(s));
  return std::string_view(unknown, static_cast<size_t>(n));
}

}  // namespace irpfs

#include "drivers/filters/faults/faults_options.h"

#include <strings.h>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace irpfs::faults {
namespace {

struct OpName {
  std::string_view name;
  IrpMajor major;
};

constexpr OpName kOpNames[] = {
    {"create", IrpMajor::Create},
    {"read", IrpMajor::Read},
    {"write", IrpMajor::Write},
    {"flush", IrpMajor::FlushBuffers},
    {"queryinfo", IrpMajor::QueryInformation},
    {"setinfo", IrpMajor::SetInformation},
    {"queryea", IrpMajor::QueryEa},
    {"setea", IrpMajor::SetEa},
    {"queryvol", IrpMajor::QueryVolumeInformation},
    {"setvol", IrpMajor::SetVolumeInformation},
    {"dir", IrpMajor::DirectoryControl},
    {"fsctl", IrpMajor::FileSystemControl},
    {"ioctl", IrpMajor::DeviceControl},
    {"lock", IrpMajor::LockControl},
    {"cleanup", IrpMajor::Cleanup},
    {"close", IrpMajor::Close},
};

struct ErrnoName {
  std::string_view name;
  int value;
};

constexpr ErrnoName kErrnoNames[] = {
    {"EPERM", EPERM},           {"ENOENT", ENOENT},       {"EIO", EIO},
    {"ENXIO", ENXIO},           {"E2BIG", E2BIG},         {"EBADF", EBADF},
    {"EAGAIN", EAGAIN},         {"ENOMEM", ENOMEM},       {"EACCES", EACCES},
    {"EFAULT", EFAULT},         {"EBUSY", EBUSY},         {"EEXIST", EEXIST},
    {"EXDEV", EXDEV},           {"ENODEV", ENODEV},       {"ENOTDIR", ENOTDIR},
    {"EISDIR", EISDIR},         {"EINVAL", EINVAL},       {"EMFILE", EMFILE},
    {"ENOTTY", ENOTTY},         {"EFBIG", EFBIG},         {"ENOSPC", ENOSPC},
    {"ESPIPE", ESPIPE},         {"EROFS", EROFS},         {"EMLINK", EMLINK},
    {"ERANGE", ERANGE},         {"EDEADLK", EDEADLK},     {"ENAMETOOLONG", ENAMETOOLONG},
    {"ENOLCK", ENOLCK},         {"ENOSYS", ENOSYS},       {"ENOTEMPTY", ENOTEMPTY},
    {"ELOOP", ELOOP},           {"ENODATA", ENODATA},     {"ENOTSUP", ENOTSUP},
    {"EOPNOTSUPP", EOPNOTSUPP}, {"ETIMEDOUT", ETIMEDOUT}, {"EINTR", EINTR},
    {"ENOTCONN", ENOTCONN},
};

constexpr NtStatus kAllStatuses[] = {
#define IRPFS_STATUS_VALUE(name, value, err, win32) NtStatus::name,
    IRPFS_STATUS_TABLE(IRPFS_STATUS_VALUE)
#undef IRPFS_STATUS_VALUE
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool ParseOps(std::string_view text, uint32_t* majors) {
  uint32_t mask = 0;
  while (!text.empty()) {
    size_t bar = text.find('|');
    std::string_view name = Trim(text.substr(0, bar));
    text = bar == std::string_view::npos ? std::string_view{} : text.substr(bar + 1);
    if (EqualsNoCase(name, "all") || EqualsNoCase(name, "any") || name == "*") {
      mask |= kAllMajors;
      continue;
    }
    bool found = false;
    for (const OpName& op : kOpNames) {
      if (EqualsNoCase(name, op.name)) {
        mask |= MajorBit(op.major);
        found = true;
      }
    }
    for (int i = 0; i < kIrpMajorCount && !found; ++i) {
      if (EqualsNoCase(name, IrpMajorName(static_cast<IrpMajor>(i)))) {
        mask |= MajorBit(static_cast<IrpMajor>(i));
        found = true;
      }
    }
    if (!found) return false;
  }
  if (mask == 0) return false;
  *majors = mask;
  return true;
}

bool ParseUnsigned(std::string_view text, uint64_t* value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool ParseDouble(std::string_view text, double* value) {
  std::string copy(text);
  char* end = nullptr;
  *value = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size();
}

bool ParseDuration(std::string_view text, uint64_t* ns) {
  double scale = 1e6;  // a bare number is milliseconds
  size_t digits = text.find_first_not_of("0123456789.");
  std::string_view unit = digits == std::string_view::npos ? "" : text.substr(digits);
  std::string_view number = text.substr(0, digits);
  if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms" || unit.empty()) {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else {
    return false;
  }
  double value;
  if (!ParseDouble(number, &value) || value < 0 || value * scale > 1e15) return false;
  *ns = static_cast<uint64_t>(value * scale);
  return true;
}

bool ParseSize(std::string_view text, int64_t* bytes) {
  size_t digits = text.find_first_not_of("0123456789");
  std::string_view unit = digits == std::string_view::npos ? "" : text.substr(digits);
  uint64_t value;
  if (!ParseUnsigned(text.substr(0, digits), &value)) return false;
  if (unit.ends_with("iB")) unit.remove_suffix(2);
  if (unit.ends_with("B") && unit.size() > 0) unit.remove_suffix(1);
  int shift = 0;
  if (unit.empty()) {
    shift = 0;
  } else if (EqualsNoCase(unit, "K")) {
    shift = 10;
  } else if (EqualsNoCase(unit, "M")) {
    shift = 20;
  } else if (EqualsNoCase(unit, "G")) {
    shift = 30;
  } else if (EqualsNoCase(unit, "T")) {
    shift = 40;
  } else {
    return false;
  }
  if (value > (uint64_t{1} << (62 - shift))) return false;
  *bytes = static_cast<int64_t>(value << shift);
  return true;
}

bool ParseBool(std::string_view text, bool* value) {
  if (text == "1" || EqualsNoCase(text, "true") || EqualsNoCase(text, "yes")) {
    *value = true;
    return true;
  }
  if (text == "0" || EqualsNoCase(text, "false") || EqualsNoCase(text, "no")) {
    *value = false;
    return true;
  }
  return false;
}

std::string FormatDuration(uint64_t ns) {
  if (ns % 1000000000 == 0) return std::to_string(ns / 1000000000) + "s";
  if (ns % 1000000 == 0) return std::to_string(ns / 1000000) + "ms";
  if (ns % 1000 == 0) return std::to_string(ns / 1000) + "us";
  return std::to_string(ns) + "ns";
}

std::string FormatOps(uint32_t majors) {
  std::string out;
  for (int i = 0; i < kIrpMajorCount; ++i) {
    auto major = static_cast<IrpMajor>(i);
    if (!(majors & MajorBit(major))) continue;
    if (!out.empty()) out += '|';
    std::string_view name = IrpMajorName(major);
    for (const OpName& op : kOpNames) {
      if (op.major == major) name = op.name;
    }
    out += name;
  }
  return out;
}

// One entry (between ';'): its keys applied to *rule and *settings.
bool ParseEntry(std::string_view entry, FaultsSettings* settings, std::string* error) {
  FaultRule rule;
  bool isRule = false;      // has an action
  bool hasRuleKey = false;  // has a key that only makes sense in a rule
  auto fail = [error](std::string message) {
    if (error != nullptr) *error = "faults: " + std::move(message);
    return false;
  };
  while (!entry.empty()) {
    size_t comma = entry.find(',');
    std::string_view pair = Trim(entry.substr(0, comma));
    entry = comma == std::string_view::npos ? std::string_view{} : entry.substr(comma + 1);
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    if (equals == std::string_view::npos)
      return fail("expected key=value, got '" + std::string(pair) + "'");
    std::string_view key = Trim(pair.substr(0, equals));
    std::string_view value = Trim(pair.substr(equals + 1));
    std::string bad = "bad value for " + std::string(key) + ": '" + std::string(value) + "'";
    if (key == "op") {
      if (!ParseOps(value, &rule.majors)) return fail(bad);
      hasRuleKey = true;
    } else if (key == "path") {
      if (value.empty()) return fail(bad);
      rule.path = std::string(value);
      hasRuleKey = true;
    } else if (key == "probability") {
      double p;
      bool percent = value.ends_with('%');
      if (!ParseDouble(percent ? value.substr(0, value.size() - 1) : value, &p)) return fail(bad);
      if (percent) p /= 100;
      if (p < 0 || p > 1) return fail(bad);
      rule.probability = p;
      hasRuleKey = true;
    } else if (key == "count") {
      uint64_t n;
      if (!ParseUnsigned(value, &n) || n > INT64_MAX) return fail(bad);
      rule.count = static_cast<int64_t>(n);
      hasRuleKey = true;
    } else if (key == "status") {
      NtStatus status;
      if (!ParseStatusName(value, &status) || NtSuccess(status)) return fail(bad);
      rule.status = status;
      isRule = true;
    } else if (key == "delay") {
      if (!ParseDuration(value, &rule.delayNs)) return fail(bad);
      isRule = true;
    } else if (key == "latency") {
      size_t colon = value.rfind(':');
      if (colon == std::string_view::npos || !ParseOps(value.substr(0, colon), &rule.majors) ||
          !ParseDuration(value.substr(colon + 1), &rule.delayNs)) {
        return fail(bad);
      }
      isRule = true;
    } else if (key == "short") {
      bool on;
      if (ParseBool(value, &on)) {
        rule.shortTransfer = on;
      } else if (ParseOps(value, &rule.majors)) {
        rule.shortTransfer = true;
      } else {
        return fail(bad);
      }
      isRule = isRule || rule.shortTransfer;
      hasRuleKey = true;
    } else if (key == "enospc_after") {
      if (!ParseSize(value, &settings->enospcAfter)) return fail(bad);
    } else if (key == "seed") {
      if (!ParseUnsigned(value, &settings->seed)) return fail(bad);
    } else {
      return fail("unknown key '" + std::string(key) + "'");
    }
  }
  if (hasRuleKey && !isRule) return fail("a rule needs status=, delay=, latency= or short=");
  if (isRule) settings->rules.push_back(std::move(rule));
  return true;
}

}  // namespace

bool ParseStatusName(std::string_view name, NtStatus* status) {
  for (const ErrnoName& e : kErrnoNames) {
    if (EqualsNoCase(name, e.name)) {
      *status = ErrnoToStatus(e.value);
      return true;
    }
  }
  for (NtStatus s : kAllStatuses) {
    std::string_view full = StatusName(s);
    if (EqualsNoCase(name, full) ||
        (full.starts_with("STATUS_") && EqualsNoCase(name, full.substr(7)))) {
      *status = s;
      return true;
    }
  }
  if (name.starts_with("0x") || name.starts_with("0X")) {
    uint32_t value;
    auto [end, ec] = std::from_chars(name.data() + 2, name.data() + name.size(), value, 16);
    if (ec == std::errc{} && end == name.data() + name.size()) {
      *status = static_cast<NtStatus>(value);
      return true;
    }
  }
  return false;
}

NtStatus ParseFaultsOptions(std::string_view text, FaultsSettings* settings, std::string* error) {
  FaultsSettings parsed;
  while (!text.empty()) {
    size_t semicolon = text.find(';');
    std::string_view entry = text.substr(0, semicolon);
    text = semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
    if (!ParseEntry(entry, &parsed, error)) return NtStatus::InvalidParameter;
  }
  *settings = std::move(parsed);
  return NtStatus::Success;
}

std::string FormatFaultsOptions(const FaultsSettings& settings) {
  std::string out;
  auto add = [&out](std::string_view text) {
    if (!out.empty()) out += ';';
    out += text;
  };
  for (const FaultRule& rule : settings.rules) {
    std::string entry;
    auto key = [&entry](std::string_view k, std::string_view v) {
      if (!entry.empty()) entry += ',';
      entry += k;
      entry += '=';
      entry += v;
    };
    if (rule.majors != kAllMajors) key("op", FormatOps(rule.majors));
    if (rule.status) key("status", StatusName(*rule.status));
    if (rule.delayNs != 0) key("delay", FormatDuration(rule.delayNs));
    if (rule.shortTransfer) key("short", "1");
    if (rule.probability != 1.0) {
      char p[32];
      std::snprintf(p, sizeof p, "%.17g", rule.probability);
      key("probability", p);
    }
    if (rule.count >= 0) key("count", std::to_string(rule.count));
    if (!rule.path.empty()) key("path", rule.path);
    add(entry);
  }
  if (settings.enospcAfter >= 0) add("enospc_after=" + std::to_string(settings.enospcAfter));
  if (settings.seed != FaultsSettings{}.seed) add("seed=" + std::to_string(settings.seed));
  return out;
}

}  // namespace irpfs::faults

// filetest's path target: the NT request mapped to open(2) flags and posix_fadvise hints
// (printed side by side), and each step as the matching system call.
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/irp_codes.h"
#include "tools/filetest.h"
#include "transport/inproc/win32.h"

namespace irpfs::tools {
namespace {

uint64_t Number(const std::string& text) {
  return std::strtoull(text.c_str(), nullptr, 0);
}

struct PosixOpen {
  int flags = 0;
  int advice = POSIX_FADV_NORMAL;
  bool unlinkOnClose = false;
  mode_t mode = 0666;
};

PosixOpen MapRequest(const FileTestRequest& request) {
  PosixOpen open;
  uint32_t access = access::MapGeneric(request.access);
  bool reads = access & access::kReadData;
  bool writes = access & (access::kWriteData | access::kAppendData);
  open.flags = reads && writes ? O_RDWR : writes ? O_WRONLY : O_RDONLY;
  if ((access & access::kAppendData) && !(access & access::kWriteData)) open.flags |= O_APPEND;
  switch (request.disposition) {
    case inproc::CREATE_NEW:
      open.flags |= O_CREAT | O_EXCL;
      break;
    case inproc::CREATE_ALWAYS:
      open.flags |= O_CREAT | O_TRUNC;
      break;
    case inproc::OPEN_ALWAYS:
      open.flags |= O_CREAT;
      break;
    case inproc::TRUNCATE_EXISTING:
      open.flags |= O_TRUNC;
      break;
    default:
      break;
  }
  if (request.flags & inproc::FILE_FLAG_WRITE_THROUGH) open.flags |= O_DSYNC;
  if (request.flags & inproc::FILE_FLAG_NO_BUFFERING) open.flags |= O_DIRECT;
  if (request.flags & inproc::FILE_FLAG_OPEN_REPARSE_POINT) open.flags |= O_NOFOLLOW;
  if (request.flags & inproc::FILE_FLAG_RANDOM_ACCESS) open.advice = POSIX_FADV_RANDOM;
  if (request.flags & inproc::FILE_FLAG_SEQUENTIAL_SCAN) open.advice = POSIX_FADV_SEQUENTIAL;
  open.unlinkOnClose = request.flags & inproc::FILE_FLAG_DELETE_ON_CLOSE;
  // FILE_ATTRIBUTE_READONLY on a new file: no write permission bits.
  if (request.flags & file_attribute::kReadonly) open.mode = 0444;
  return open;
}

// The flags as "O_RDWR|O_CREAT|..."; without the access mode when `withAccess` is false.
std::string OpenFlagsText(int flags, bool withAccess = true) {
  std::string out;
  if (withAccess) {
    out = (flags & O_ACCMODE) == O_RDWR     ? "O_RDWR"
          : (flags & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                                            : "O_RDONLY";
  }
  const std::pair<int, const char*> bits[] = {
      {O_CREAT, "O_CREAT"},       {O_EXCL, "O_EXCL"},   {O_TRUNC, "O_TRUNC"},
      {O_APPEND, "O_APPEND"},     {O_DSYNC, "O_DSYNC"}, {O_DIRECT, "O_DIRECT"},
      {O_NOFOLLOW, "O_NOFOLLOW"},
  };
  for (auto [bit, name] : bits) {
    if (flags & bit) out += (out.empty() ? "" : "|") + std::string(name);
  }
  return out;
}

const char* AdviceText(int advice) {
  switch (advice) {
    case POSIX_FADV_RANDOM:
      return "POSIX_FADV_RANDOM";
    case POSIX_FADV_SEQUENTIAL:
      return "POSIX_FADV_SEQUENTIAL";
    default:
      return "POSIX_FADV_NORMAL";
  }
}

class PosixTarget final : public FileTestTarget {
 public:
  explicit PosixTarget(const FileTestRequest& request)
      : request_(request), open_(MapRequest(request)) {}
  ~PosixTarget() override { Close(); }

  void Describe(const FileTestRequest& request) override {
    std::printf("target   %s (a path: the request is mapped to POSIX calls)\n",
                request.path.c_str());
    std::printf("  %-34s %s\n", "NT request", "POSIX");
    Row("access " + AccessText(request.access),
        OpenFlagsText(open_.flags & (O_ACCMODE | O_APPEND)));
    Row("share " + ShareText(request.share), "(none: POSIX has no share modes)");
    Row("disposition " + DispositionText(request.disposition),
        OpenFlagsText(open_.flags & (O_CREAT | O_EXCL | O_TRUNC), false));
    std::string mapped = OpenFlagsText(open_.flags & (O_DSYNC | O_DIRECT | O_NOFOLLOW), false);
    mapped += (mapped.empty() ? "" : " ") + std::string(AdviceText(open_.advice));
    if (open_.unlinkOnClose) mapped += " unlink-at-close";
    if (request.flags & file_attribute::kReadonly) mapped += " mode 0444";
    Row("flags " + FlagsText(request.flags), mapped);
    std::printf("> open\n");
    Step({"open"});
  }

  bool Step(const std::vector<std::string>& w) override {
    const std::string& step = w[0];
    auto arg = [&](size_t i) { return i < w.size() ? Number(w[i]) : 0; };
    std::string call;
    long result = 0;
    std::string detail;
    if (step == "open") {
      Close();
      fd_ = ::open(request_.path.c_str(), open_.flags | O_CLOEXEC, open_.mode);
      call = "open(\"" + request_.path + "\", " + OpenFlagsText(open_.flags) + ")";
      result = fd_;
      if (fd_ >= 0 && open_.advice != POSIX_FADV_NORMAL) {
        int err = posix_fadvise(fd_, 0, 0, open_.advice);
        detail = std::string("posix_fadvise ") + AdviceText(open_.advice) + ": " +
                 (err == 0 ? "ok" : std::strerror(err));
      }
    } else if (step == "close") {
      call = "close(" + std::to_string(fd_) + ")";
      result = Close();
    } else if (step == "read") {
      std::string buffer(arg(1), '\0');
      call = w.size() > 2 ? "pread" : "read";
      result = w.size() > 2 ? pread(fd_, buffer.data(), buffer.size(), arg(2))
                            : read(fd_, buffer.data(), buffer.size());
      if (result >= 0) detail = "\"" + buffer.substr(0, result) + "\"";
    } else if (step == "write" && w.size() > 1) {
      call = w.size() > 2 ? "pwrite" : "write";
      result = w.size() > 2 ? pwrite(fd_, w[1].data(), w[1].size(), arg(2))
                            : write(fd_, w[1].data(), w[1].size());
    } else if (step == "lock" || step == "unlock") {
      struct flock lock {};
      lock.l_type = step == "lock" ? F_WRLCK : F_UNLCK;
      lock.l_whence = SEEK_SET;
      lock.l_start = static_cast<off_t>(arg(1));
      lock.l_len = static_cast<off_t>(arg(2));
      call = std::string("fcntl(F_OFD_SETLK, ") + (step == "lock" ? "F_WRLCK" : "F_UNLCK") + ")";
      result = fcntl(fd_, F_OFD_SETLK, &lock);
    } else if (step == "ioctl") {
      char out[256];
      call = "ioctl(" + w[1 < w.size() ? 1 : 0] + ")";
      result = ioctl(fd_, static_cast<unsigned long>(arg(1)), out);
    } else if (step == "query") {
      struct stat st {};
      call = "fstat";
      result = fstat(fd_, &st);
      if (result == 0) {
        char text[160];
        std::snprintf(text, sizeof text, "ino %llu size %lld links %lu mode %o",
                      static_cast<unsigned long long>(st.st_ino),
                      static_cast<long long>(st.st_size), static_cast<unsigned long>(st.st_nlink),
                      st.st_mode);
        detail = text;
      }
    } else if (step == "setsize") {
      call = "ftruncate";
      result = ftruncate(fd_, static_cast<off_t>(arg(1)));
    } else if (step == "delete") {
      call = "unlink";
      result = unlink(request_.path.c_str());
    } else if (step == "enum") {
      std::string dir = w.size() > 1 ? w[1] : ".";
      call = "readdir(\"" + dir + "\")";
      DIR* d = opendir(dir.c_str());
      result = d == nullptr ? -1 : 0;
      if (d != nullptr) {
        while (dirent* entry = readdir(d))
          detail += std::string(detail.empty() ? "" : " ") + entry->d_name;
        closedir(d);
      }
    } else {
      return false;
    }
    if (result < 0) {
      std::printf("  %s = -1 %s (%s)\n", call.c_str(), strerrorname_np(errno),
                  std::strerror(errno));
    } else {
      std::printf("  %s = %ld%s%s\n", call.c_str(), result, detail.empty() ? "" : ": ",
                  detail.c_str());
    }
    return true;
  }

 private:
  static void Row(const std::string& nt, const std::string& posix) {
    std::printf("  %-34s %s\n", nt.c_str(), posix.empty() ? "-" : posix.c_str());
  }
  int Close() {
    if (fd_ < 0) return 0;
    int result = ::close(fd_);
    fd_ = -1;
    if (open_.unlinkOnClose) unlink(request_.path.c_str());
    return result;
  }

  FileTestRequest request_;
  PosixOpen open_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<FileTestTarget> MakePosixTarget(const FileTestRequest& request) {
  return std::make_unique<PosixTarget>(request);
}

}  // namespace irpfs::tools

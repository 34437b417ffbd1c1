// Helpers for the control tests: a private temporary directory, and a raw line-based
// socket client that can send arbitrary bytes (ControlClient only sends valid JSON).
#pragma once

#include <functional>
#include <string>

namespace irpfs::control::testing {

// mkdtemp under /tmp; removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class RawConnection {
 public:
  explicit RawConnection(const std::string& socketPath);
  ~RawConnection();
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool Send(const std::string& bytes);
  // The next line without '\n', or "" at EOF / after a 5 s timeout (*eof tells which).
  std::string ReadLine(bool* eof = nullptr);
  void Close();

 private:
  int fd_ = -1;
  std::string buffer_;
};

// Polls `condition` for up to 5 s.
bool WaitUntil(const std::function<bool()>& condition);

}  // namespace irpfs::control::testing

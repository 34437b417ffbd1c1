// Cuts a byte stream into newline-terminated lines of bounded length, for the requests a
// control connection reads. A line longer than the bound is reported once (so the server
// can answer with an error) and its bytes are dropped up to its newline: the line after it
// is read normally, so one oversize request does not end the connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace irpfs::control {

class LineSplitter {
 public:
  explicit LineSplitter(size_t maxLineBytes) : maxLineBytes_(maxLineBytes) {}

  void Append(std::string_view bytes);

  enum class Result {
    kNone,     // no complete line buffered
    kLine,     // *line holds the next line, without "\n" or a trailing "\r"
    kTooLong,  // a line over the bound was dropped
  };
  // Blank lines are skipped.
  Result Next(std::string* line);

  // True when a complete line (or an oversize report) is waiting, without consuming it.
  bool HasPending() const;
  size_t bufferedBytes() const { return buffer_.size() - start_; }

 private:
  void Compact();

  size_t maxLineBytes_;
  std::string buffer_;
  size_t start_ = 0;         // first unread byte of buffer_
  bool discarding_ = false;  // inside an oversize line already reported
};

}  // namespace irpfs::control

#include "control/line_splitter.h"

namespace irpfs::control {

void LineSplitter::Append(std::string_view bytes) {
  if (!discarding_) {
    buffer_.append(bytes);
    return;
  }
  // Inside a dropped line: keep only what follows its newline.
  size_t newline = bytes.find('\n');
  if (newline == std::string_view::npos) return;
  discarding_ = false;
  buffer_.append(bytes.substr(newline + 1));
}

bool LineSplitter::HasPending() const {
  if (buffer_.find('\n', start_) != std::string::npos) return true;
  return bufferedBytes() > maxLineBytes_;
}

LineSplitter::Result LineSplitter::Next(std::string* line) {
  for (;;) {
    size_t newline = buffer_.find('\n', start_);
    if (newline == std::string::npos) {
      if (bufferedBytes() <= maxLineBytes_) {
        Compact();
        return Result::kNone;
      }
      buffer_.clear();
      start_ = 0;
      discarding_ = true;
      return Result::kTooLong;
    }
    size_t length = newline - start_;
    size_t begin = start_;
    start_ = newline + 1;
    if (length > maxLineBytes_) {
      Compact();
      return Result::kTooLong;
    }
    if (length > 0 && buffer_[begin + length - 1] == '\r') --length;
    if (length == 0) continue;
    line->assign(buffer_, begin, length);
    Compact();
    return Result::kLine;
  }
}

void LineSplitter::Compact() {
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 4096 && start_ * 2 > buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
}

}  // namespace irpfs::control

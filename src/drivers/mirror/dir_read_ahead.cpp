#include "drivers/mirror/dir_read_ahead.h"

#include <algorithm>

namespace irpfs::mirror {

DirReadAhead::~DirReadAhead() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DirReadAhead::Queue(std::shared_ptr<DirStream> stream) {
  {
    std::lock_guard lock(mutex_);
    if (std::find(queue_.begin(), queue_.end(), stream) != queue_.end()) return;
    queue_.push_back(std::move(stream));
    // Started at the first long listing: most volumes never have one.
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  wake_.notify_one();
}

uint64_t DirReadAhead::completed() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

bool DirReadAhead::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && !running_;
}

void DirReadAhead::Run() {
  // Swapped with the queue, so that neither allocates once both have grown.
  std::vector<std::shared_ptr<DirStream>> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    batch.swap(queue_);
    running_ = true;
    lock.unlock();
    // Without the stream's mutex: its owner goes on handing out what is buffered.
    for (const auto& stream : batch) stream->ReadAhead();
    const size_t done = batch.size();
    batch.clear();  // may free a stream whose open has ended: outside mutex_
    lock.lock();
    completed_ += done;
    running_ = false;
  }
}

}  // namespace irpfs::mirror

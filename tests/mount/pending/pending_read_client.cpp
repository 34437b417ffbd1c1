// pending_read_client MOUNTPOINT: on a pending_read_server mount, a read(2) of a "hold"
// file blocks (the hold filter pends its READ); SIGUSR1, installed without SA_RESTART and
// sent 200 ms into the read, must make read(2) return -1 with EINTR within 100 ms. Runs
// this for a buffered and an O_DIRECT read, each twice, then checks that a normal file
// still reads back. Prints one line per case with the measured latency; exit 0 on pass,
// 1 on failure.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kFileSize = 4096;
constexpr auto kSignalAfter = std::chrono::milliseconds(200);
constexpr auto kMaxLatency = std::chrono::milliseconds(100);

std::atomic<int> signalsSeen{0};

void OnSignal(int) {
  signalsSeen.fetch_add(1, std::memory_order_relaxed);
}

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

bool WriteFile(const std::string& path, char fill) {
  char data[kFileSize];
  std::memset(data, fill, sizeof data);
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, data, sizeof data) == static_cast<ssize_t>(sizeof data);
  return ::close(fd) == 0 && ok;
}

// One interrupted read. True when read(2) blocked until the signal and returned EINTR in
// time; *latency is the time from the signal to the return.
bool InterruptedRead(const std::string& path, bool direct, const char* label, double* worst) {
  int fd = ::open(path.c_str(), O_RDONLY | (direct ? O_DIRECT : 0));
  if (fd < 0) {
    std::printf("FAIL %s: open: %s\n", label, std::strerror(errno));
    return false;
  }
  alignas(4096) static char buffer[kFileSize];
  pthread_t reader = pthread_self();
  std::atomic<bool> returned{false};
  Clock::time_point signaledAt{};
  std::thread signaler([&] {
    std::this_thread::sleep_for(kSignalAfter);
    if (returned.load()) return;
    signaledAt = Clock::now();
    pthread_kill(reader, SIGUSR1);
  });

  int seenBefore = signalsSeen.load();
  Clock::time_point start = Clock::now();
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  int error = errno;
  Clock::time_point end = Clock::now();
  returned.store(true);
  signaler.join();
  ::close(fd);

  if (n >= 0) {
    std::printf("FAIL %s: read returned %zd after %.1f ms instead of blocking\n", label, n,
                Ms(end - start));
    return false;
  }
  if (error != EINTR) {
    std::printf("FAIL %s: read failed with %s, expected EINTR\n", label, std::strerror(error));
    return false;
  }
  if (signalsSeen.load() == seenBefore || signaledAt == Clock::time_point{}) {
    std::printf("FAIL %s: EINTR without our signal\n", label);
    return false;
  }
  double latency = Ms(end - signaledAt);
  if (latency > *worst) *worst = latency;
  bool ok = end - signaledAt < kMaxLatency;
  std::printf("%s %s: blocked %.1f ms, EINTR %.3f ms after SIGUSR1 (limit %lld ms)\n",
              ok ? "ok" : "FAIL", label, Ms(end - start), latency,
              static_cast<long long>(kMaxLatency.count()));
  return ok;
}

bool NormalReadWorks(const std::string& path) {
  char buffer[kFileSize];
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n != static_cast<ssize_t>(kFileSize)) return false;
  for (char c : buffer) {
    if (c != 'p') return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pending_read_client MOUNTPOINT\n");
    return 2;
  }
  std::string mount = argv[1];
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: the interrupted read must come back with EINTR
  if (sigaction(SIGUSR1, &action, nullptr) != 0) {
    std::perror("sigaction");
    return 1;
  }

  std::string held = mount + "/hold";
  std::string plain = mount + "/plain";
  if (!WriteFile(held, 'h') || !WriteFile(plain, 'p')) {
    std::printf("FAIL setup: cannot write the test files: %s\n", std::strerror(errno));
    return 1;
  }

  bool ok = true;
  double worst = 0;
  ok &= InterruptedRead(held, false, "buffered read #1", &worst);
  ok &= InterruptedRead(held, false, "buffered read #2", &worst);
  ok &= InterruptedRead(held, true, "O_DIRECT read #1", &worst);
  ok &= InterruptedRead(held, true, "O_DIRECT read #2", &worst);

  if (NormalReadWorks(plain)) {
    std::printf("ok normal read after the interrupted ones\n");
  } else {
    std::printf("FAIL normal read after the interrupted ones\n");
    ok = false;
  }
  std::printf("worst EINTR latency: %.3f ms\n", worst);
  return ok ? 0 : 1;
}

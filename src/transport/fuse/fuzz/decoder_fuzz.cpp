// libFuzzer target: arbitrary bytes through the decoder and, when they decode, through
// the handler table into the default dispatcher and a real Reply (written to /dev/null).
// Build and run with run_decoder_fuzz.sh.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "transport/fuse/buffer_pool.h"
#include "transport/fuse/decoder.h"
#include "transport/fuse/dispatcher.h"
#include "transport/fuse/op_dispatch.h"
#include "transport/fuse/request_table.h"

namespace {

using namespace irpfs::fuse;

// Reads every decoded field, so the sanitizers see any out-of-bounds view.
size_t Touch(const DecodedRequest& request) {
  size_t sum = request.name.size() + request.name2.size();
  for (char c : request.name) sum += static_cast<unsigned char>(c);
  for (char c : request.name2) sum += static_cast<unsigned char>(c);
  for (std::byte b : request.payload) sum += static_cast<size_t>(b);
  for (const fuse_forget_one& f : request.forgets) sum += f.nodeid + f.nlookup;
  if (request.name.find('\0') != std::string_view::npos) __builtin_trap();
  if (request.name2.find('\0') != std::string_view::npos) __builtin_trap();
  return sum;
}

struct Harness {
  Harness() : pool(1 << 16), table(pool), sink(open("/dev/null", O_WRONLY | O_CLOEXEC)) {}
  BufferPool pool;
  RequestTable table;
  int sink;
  FuseDispatcher dispatcher;  // every method answers ENOSYS
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness harness;
  // The channel's receive buffers are page aligned; keep the decoder's alignment
  // assumption (batch forget) honest by copying into 8-byte aligned storage.
  std::vector<uint64_t> storage((size + 7) / 8 + 1);
  std::memcpy(storage.data(), data, size);
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(storage.data()), size);

  for (bool setxattrExt : {false, true}) {
    DecodedRequest request;
    DecodeOptions options;
    options.setxattrExt = setxattrExt;
    DecodeError error = DecodeRequest(bytes, options, &request);
    if (error != DecodeError::kNone) continue;
    volatile size_t sink = Touch(request);
    (void)sink;
    if (request.spec->noReply) {
      DispatchForget(harness.dispatcher, request);
    } else if (HasHandler(request.opcode)) {
      DispatchRequest(harness.dispatcher, request,
                      harness.table.Begin(request.ctx, harness.sink, nullptr, ReplyLimit(request)));
    }
  }
  if (harness.table.InFlightCount() != 0) __builtin_trap();
  return 0;
}

// The device's buffering method decides how a transfer reaches it: a copy in a system
// buffer (DO_BUFFERED_IO), an Mdl over the caller's memory (DO_DIRECT_IO), or the raw
// pointer (neither); ioctls follow the method in their control code.
#include <cstring>
#include <string>

#include "test_filter.h"
#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

class BufferingTest : public MemfsTest {
 protected:
  void Attach(uint32_t flags) {
    filter_ = TestFilter::Attach(*volume_, flags);
    ASSERT_NE(filter_, nullptr);
    handle_ = client_->CreateFile("/f", access::kGenericRead | access::kGenericWrite, share::kAll,
                                  CREATE_ALWAYS, 0);
    ASSERT_NE(handle_, kInvalidHandleValue);
  }
  // Writes and reads back through the filter; returns what the filter saw for each.
  void RoundTrip(SeenBuffer* write, SeenBuffer* read) {
    std::memcpy(out_, "payload", 7);
    uint32_t n = 0;
    ASSERT_TRUE(client_->WriteFileAt(handle_, out_, 7, 0, &n));
    *write = filter_->LastBuffer();
    ASSERT_TRUE(client_->ReadFileAt(handle_, in_, sizeof(in_), 0, &n));
    *read = filter_->LastBuffer();
    EXPECT_EQ(std::string_view(in_, n), "payload");
  }

  TestFilter* filter_ = nullptr;
  Handle handle_ = kInvalidHandleValue;
  // The caller's buffers, whose addresses the filter may or may not see.
  char out_[8] = {};
  char in_[16] = {};
};

TEST_F(BufferingTest, BufferedDeviceGetsACopy) {
  Attach(do_flag::kBufferedIo);
  SeenBuffer write, read;
  RoundTrip(&write, &read);
  EXPECT_EQ(write.method, BufferMethod::Buffered);
  EXPECT_NE(write.address, out_);
  EXPECT_EQ(read.method, BufferMethod::Buffered);
  EXPECT_NE(read.address, in_);
  EXPECT_EQ(ReadAll("/f"), "payload");
}

TEST_F(BufferingTest, DirectDeviceGetsTheCallersMemory) {
  Attach(do_flag::kDirectIo);
  SeenBuffer write, read;
  RoundTrip(&write, &read);
  EXPECT_EQ(write.method, BufferMethod::Direct);
  EXPECT_EQ(write.address, out_);
  EXPECT_EQ(read.method, BufferMethod::Direct);
  EXPECT_EQ(read.address, in_);
}

TEST_F(BufferingTest, NeitherDeviceGetsTheRawPointer) {
  Attach(0);
  SeenBuffer write, read;
  RoundTrip(&write, &read);
  EXPECT_EQ(write.method, BufferMethod::Neither);
  EXPECT_EQ(write.address, out_);
  EXPECT_EQ(read.method, BufferMethod::Neither);
}

TEST_F(BufferingTest, BufferedReadCopiesBackOnlyWhatWasRead) {
  Attach(do_flag::kBufferedIo);
  uint32_t n = 0;
  ASSERT_TRUE(client_->WriteFileAt(handle_, "abc", 3, 0, &n));
  char in[8];
  std::memset(in, '#', sizeof(in));
  ASSERT_TRUE(client_->ReadFileAt(handle_, in, sizeof(in), 0, &n));
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(std::string_view(in, 8), "abc#####");
}

TEST_F(BufferingTest, IoctlMethods) {
  Attach(do_flag::kDirectIo);
  const char input[] = {'1', '2', '3', '4', '5'};
  struct Case {
    uint32_t method;
    BufferMethod expected;
    bool outputIsCallers;
  } cases[] = {{METHOD_BUFFERED, BufferMethod::Buffered, false},
               {METHOD_IN_DIRECT, BufferMethod::Direct, true},
               {METHOD_OUT_DIRECT, BufferMethod::Direct, true},
               {METHOD_NEITHER, BufferMethod::Neither, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method);
    char output[8];
    std::memset(output, '.', sizeof(output));
    uint32_t returned = 0;
    ASSERT_TRUE(client_->DeviceIoControl(handle_, ReverseIoctl(c.method), input, sizeof(input),
                                         output, 4, &returned))
        << GetLastError();
    EXPECT_EQ(returned, 4u);
    EXPECT_EQ(std::string_view(output, 8), "5432....");
    SeenBuffer seen = filter_->LastBuffer();
    EXPECT_EQ(seen.method, c.expected);
    EXPECT_EQ(seen.address == output, c.outputIsCallers);
  }
}

TEST_F(BufferingTest, IoctlAccessBitsAreChecked) {
  Attach(do_flag::kDirectIo);
  Handle readOnly = client_->CreateFile("/f", access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(readOnly, kInvalidHandleValue);
  int before = filter_->Count(IrpMajor::DeviceControl);
  char in = 'x', out = 0;
  uint32_t returned = 0;
  EXPECT_FALSE(client_->DeviceIoControl(readOnly, ReverseIoctl(METHOD_BUFFERED, 2), &in, 1, &out, 1,
                                        &returned));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_EQ(filter_->Count(IrpMajor::DeviceControl), before);
  EXPECT_TRUE(client_->DeviceIoControl(readOnly, ReverseIoctl(METHOD_BUFFERED, 1), &in, 1, &out, 1,
                                       &returned));
  EXPECT_EQ(out, 'x');
  EXPECT_TRUE(client_->CloseHandle(readOnly));
}

TEST_F(BufferingTest, UnknownIoctlReachesMemfs) {
  Attach(do_flag::kDirectIo);
  uint32_t returned = 0;
  char byte = 0;
  EXPECT_FALSE(client_->DeviceIoControl(handle_, CTL_CODE(0x22, 0x900, METHOD_BUFFERED, 0), nullptr,
                                        0, &byte, 1, &returned));
  EXPECT_TRUE(NtError(GetLastNtStatus())) << StatusName(GetLastNtStatus());
  EXPECT_EQ(filter_->Count(IrpMajor::DeviceControl), 1);
}

}  // namespace
}  // namespace irpfs::inproc::testing

#include "control/line_splitter.h"

#include <gtest/gtest.h>

namespace irpfs::control {
namespace {

using Result = LineSplitter::Result;

TEST(LineSplitterTest, SplitsLinesAcrossAppends) {
  LineSplitter splitter(100);
  std::string line;
  splitter.Append("{\"a\":");
  EXPECT_FALSE(splitter.HasPending());
  EXPECT_EQ(splitter.Next(&line), Result::kNone);
  splitter.Append("1}\n{\"b\":2}\r\n\n{\"c\"");
  EXPECT_TRUE(splitter.HasPending());
  ASSERT_EQ(splitter.Next(&line), Result::kLine);
  EXPECT_EQ(line, "{\"a\":1}");
  ASSERT_EQ(splitter.Next(&line), Result::kLine);
  EXPECT_EQ(line, "{\"b\":2}");  // "\r" dropped, the blank line skipped
  EXPECT_EQ(splitter.Next(&line), Result::kNone);
  EXPECT_EQ(splitter.bufferedBytes(), 4u);
}

TEST(LineSplitterTest, OversizeLineIsReportedOnceAndSkipped) {
  LineSplitter splitter(10);
  std::string line;
  splitter.Append(std::string(25, 'x'));
  EXPECT_EQ(splitter.Next(&line), Result::kTooLong);
  EXPECT_EQ(splitter.bufferedBytes(), 0u);  // nothing of it is kept
  splitter.Append(std::string(25, 'x'));
  EXPECT_EQ(splitter.Next(&line), Result::kNone);
  splitter.Append("xx\nshort\n");
  ASSERT_EQ(splitter.Next(&line), Result::kLine);
  EXPECT_EQ(line, "short");
}

TEST(LineSplitterTest, OversizeLineWithItsNewlineInOneAppend) {
  LineSplitter splitter(10);
  std::string line;
  splitter.Append(std::string(11, 'y') + "\n0123456789\n");
  EXPECT_EQ(splitter.Next(&line), Result::kTooLong);
  ASSERT_EQ(splitter.Next(&line), Result::kLine);
  EXPECT_EQ(line, "0123456789");  // exactly the limit is fine
  EXPECT_EQ(splitter.Next(&line), Result::kNone);
}

}  // namespace
}  // namespace irpfs::control

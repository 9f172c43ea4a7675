// Language-model data: the character vocabulary and 90/10 split of a text file,
// prepared token files (round trip and corruption), and the learning-rate schedule.
#include "gptc/settings.h"
#include "gptc/text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace {

std::string tempPath(const char *name) {
  return std::string("/tmp/gptc-text-") + std::to_string(getpid()) + "-" + name;
}

void writeText(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Text, VocabularyIsTheSortedBytesAndTheSplitIs90_10) {
  std::string path = tempPath("t.txt");
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += "ba\nc"[i % 4];
  writeText(path, text);
  gptc::TokenData d = gptc::loadTextFile(path);
  EXPECT_EQ(d.vocab, "\nabc");
  EXPECT_EQ(d.train.size(), 90u);
  EXPECT_EQ(d.val.size(), 10u);
  EXPECT_EQ(d.train[0], 2); // 'b'
  EXPECT_EQ(d.train[1], 1); // 'a'
  EXPECT_EQ(d.train[2], 0); // '\n'
  std::remove(path.c_str());
}

TEST(Text, MissingAndTinyFilesAreErrors) {
  EXPECT_THROW(gptc::loadTextFile(tempPath("missing.txt")), std::runtime_error);
  std::string path = tempPath("one.txt");
  writeText(path, "x");
  EXPECT_THROW(gptc::loadTextFile(path), std::runtime_error);
  std::remove(path.c_str());
}

TEST(Text, PreparedTokensRoundTrip) {
  std::string path = tempPath("r.txt"), dir = tempPath("tokens");
  writeText(path, "hello, world\nhello again\n");
  gptc::TokenData d = gptc::loadTextFile(path);
  gptc::writeTokenDir(d, dir);
  gptc::TokenData back = gptc::loadTokenDir(dir);
  EXPECT_EQ(back.vocab, d.vocab);
  EXPECT_EQ(back.train, d.train);
  EXPECT_EQ(back.val, d.val);
  // A token outside the vocabulary is reported with its position.
  std::ofstream(dir + "/val.bin", std::ios::binary).write("\x05\x00\x40\x00", 4);
  try {
    gptc::loadTokenDir(dir);
    FAIL() << "expected an error";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("token 64 at position 1 is outside the vocabulary"), std::string::npos)
        << e.what();
  }
  std::remove(path.c_str());
}

TEST(Text, EncodeRejectsUnknownCharacters) {
  EXPECT_EQ(gptc::encode("ab", "abba"), (std::vector<uint16_t>{0, 1, 1, 0}));
  EXPECT_THROW(gptc::encode("ab", "abc"), std::runtime_error);
  EXPECT_EQ(gptc::vocabFromHex(gptc::vocabToHex(std::string("\n\x00\xff", 3))), std::string("\n\x00\xff", 3));
}

TEST(Schedule, WarmupThenCosineToMinLrAsNanoGPT) {
  gptc::Settings s;
  s.lr = 1e-3;
  s.minLr = 1e-4;
  s.warmup = 100;
  s.schedule = gptc::ScheduleKind::Cosine;
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 0, 2000), 1e-3 / 101);
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 99, 2000), 1e-3 * 100 / 101);
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 100, 2000), 1e-3);
  EXPECT_NEAR(gptc::learningRateAt(s, 1050, 2000), 1e-4 + 0.5 * 9e-4, 1e-15);
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 2000, 2000), 1e-4);
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 2500, 2000), 1e-4);
  s.schedule = gptc::ScheduleKind::Constant;
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 1500, 2000), 1e-3);
}

/// The message of loadTokenDir on a directory whose meta.json is `meta`
/// (train.bin and val.bin hold tokens 0 1 2), with the directory shown as DIR.
std::string metaError(const std::string &meta) {
  std::string dir = tempPath("meta");
  gptc::TokenData d;
  d.vocab = "abc";
  d.train = d.val = {0, 1, 2};
  gptc::writeTokenDir(d, dir);
  writeText(dir + "/meta.json", meta);
  try {
    gptc::loadTokenDir(dir);
  } catch (const std::runtime_error &e) {
    std::string message = e.what();
    size_t at = message.find(dir);
    return at == std::string::npos ? message : message.replace(at, dir.size(), "DIR");
  }
  return "(loaded)";
}

TEST(Text, MetaJsonErrorsNameTheFileAndTheProblem) {
  EXPECT_EQ(metaError("{\"vocab_size\": 3, \"chars_hex\": \"616263\"}"), "(loaded)");
  EXPECT_EQ(metaError("{\"vocab_size\": 3, \"chars_hex\": \"616263\"}  \n"), "(loaded)");
  EXPECT_EQ(metaError(""), "DIR/meta.json: not valid JSON (it ends early)");
  EXPECT_EQ(metaError("{\"vocab_size\": 3,"), "DIR/meta.json: not valid JSON (it ends early)");
  EXPECT_EQ(metaError("{\"vocab_size\" 3}"), "DIR/meta.json: not valid JSON (error at byte 15)");
  EXPECT_EQ(metaError("\"abc\""), "DIR/meta.json: a JSON string, not an object with \"vocab_size\" and \"chars_hex\"");
  EXPECT_EQ(metaError("{\"chars_hex\": \"616263\"}"), "DIR/meta.json: no \"vocab_size\" field");
  EXPECT_EQ(metaError("{\"vocab_size\": 3, \"chars_hex\": null}"),
            "DIR/meta.json: \"chars_hex\" is null, not a string of hex bytes");
  EXPECT_EQ(metaError("{\"vocab_size\": 3, \"chars_hex\": \"61626\"}"),
            "DIR/meta.json: \"chars_hex\": malformed hex vocabulary (odd length)");
  EXPECT_EQ(metaError("{\"vocab_size\": 0, \"chars_hex\": \"\"}"), "DIR/meta.json: \"chars_hex\" is empty (no vocabulary)");
  EXPECT_EQ(metaError("{\"vocab_size\": 3.5, \"chars_hex\": \"616263\"}"),
            "DIR/meta.json: \"vocab_size\" is 3.5, not an integer");
  EXPECT_EQ(metaError("{\"vocab_size\": 4, \"chars_hex\": \"616263\"}"),
            "DIR/meta.json: \"vocab_size\" is 4 but \"chars_hex\" names 3 characters");
}

TEST(Text, EmptyFileAndDirectoryAreErrors) {
  std::string path = tempPath("empty.txt");
  writeText(path, "");
  try {
    gptc::loadTextFile(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error &e) {
    EXPECT_EQ(std::string(e.what()), path + ": empty file, no text to train on");
  }
  std::remove(path.c_str());
  EXPECT_THROW(gptc::loadTextFile("/tmp"), std::runtime_error);
}

} // namespace

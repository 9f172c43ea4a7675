// safetensors: round trip, atomic replacement, and corrupted files.
#include "gptc/safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>

namespace {

std::string tempPath(const char *name) { return std::string("/tmp/gptc-st-") + std::to_string(getpid()) + name; }

TEST(Safetensors, RoundTripsTensorsAndMetadata) {
  gptc::Tensor a(gptc::DType::F32, {2, 3}), b(gptc::DType::F64, {4}), s(gptc::DType::F32, {});
  for (size_t i = 0; i < a.numel(); ++i) a.set(i, 0.5 * i - 1);
  for (size_t i = 0; i < b.numel(); ++i) b.set(i, 1e-300 * (i + 1));
  s.set(0, 3.25);
  std::string path = tempPath("rt.safetensors");
  gptc::saveSafetensors(path, {{"w1", &a}, {"opt.w1.m", &b}, {"loss", &s}},
                        {{"gptc.step", "42"}, {"note", "quote\" and \\ backslash"}});
  gptc::SafetensorsFile f = gptc::loadSafetensors(path);
  EXPECT_EQ(f.names, (std::vector<std::string>{"w1", "opt.w1.m", "loss"}));
  EXPECT_EQ(f.metadata["gptc.step"], "42");
  EXPECT_EQ(f.metadata["note"], "quote\" and \\ backslash");
  const gptc::Tensor &a2 = f.tensors.at("w1");
  EXPECT_EQ(a2.shape(), a.shape());
  EXPECT_EQ(a2.dtype(), gptc::DType::F32);
  for (size_t i = 0; i < a.numel(); ++i) EXPECT_EQ(a2.get(i), a.get(i));
  for (size_t i = 0; i < b.numel(); ++i) EXPECT_EQ(f.tensors.at("opt.w1.m").get(i), b.get(i));
  EXPECT_EQ(f.tensors.at("loss").shape().size(), 0u);
  EXPECT_EQ(f.tensors.at("loss").get(0), 3.25);
}

TEST(Safetensors, HeaderIsEightByteAlignedJson) {
  gptc::Tensor a(gptc::DType::F32, {3});
  std::string path = tempPath("align.safetensors");
  gptc::saveSafetensors(path, {{"x", &a}}, {});
  std::ifstream is(path, std::ios::binary);
  unsigned char len[8];
  is.read((char *)len, 8);
  EXPECT_EQ(len[0] % 8, 0);
  EXPECT_EQ(is.get(), '{');
}

TEST(Safetensors, LeavesNoTemporaryFile) {
  gptc::Tensor a(gptc::DType::F32, {3});
  std::string path = tempPath("tmp.safetensors");
  gptc::saveSafetensors(path, {{"x", &a}}, {});
  gptc::saveSafetensors(path, {{"x", &a}}, {}); // replacing an existing file
  struct stat st;
  EXPECT_EQ(stat((path + ".tmp." + std::to_string(getpid())).c_str(), &st), -1);
  EXPECT_EQ(stat(path.c_str(), &st), 0);
}

std::string errorOf(const std::string &path) {
  try {
    gptc::loadSafetensors(path);
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ReportsCorruptFiles) {
  EXPECT_NE(errorOf("/nonexistent/x.safetensors").find("cannot open"), std::string::npos);
  std::string path = tempPath("bad.safetensors");
  std::ofstream(path, std::ios::binary) << "abc";
  EXPECT_NE(errorOf(path).find("too short"), std::string::npos);
  std::ofstream(path, std::ios::binary) << std::string("\xff\xff\xff\xff\0\0\0\0{}", 10);
  EXPECT_NE(errorOf(path).find("exceeds the file"), std::string::npos);
  std::ofstream(path, std::ios::binary) << std::string("\x08\0\0\0\0\0\0\0{\"a\":[1 ", 16);
  EXPECT_NE(errorOf(path).find("malformed safetensors header"), std::string::npos);

  gptc::Tensor a(gptc::DType::F32, {100});
  gptc::saveSafetensors(path, {{"x", &a}}, {});
  truncate(path.c_str(), 200); // drop most of the data
  EXPECT_NE(errorOf(path).find("more than the 128 bytes of data in the file"), std::string::npos) << errorOf(path);
}

} // namespace

// Turning IDX files into the model's inputs: splits, one-hot or index labels,
// and the checks against the model's shapes.
#include "gptc/dataset.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

void writeIdx(const std::string &path, std::vector<uint32_t> dims, uint8_t maxValue) {
  std::vector<uint8_t> b = {0, 0, 0x08, (uint8_t)dims.size()};
  size_t total = 1;
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8)
      b.push_back((uint8_t)(d >> s));
    total *= d;
  }
  for (size_t i = 0; i < total; ++i)
    b.push_back((uint8_t)(i % (maxValue + 1)));
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, b.data(), b.size());
  gzclose(f);
}

std::string makeSet(int train, int test, uint8_t maxLabel = 9, uint32_t side = 28) {
  char tmpl[] = "/tmp/gptc-ds-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  writeIdx(dir + "/train-images-idx3-ubyte.gz", {(uint32_t)train, side, side}, 255);
  writeIdx(dir + "/train-labels-idx1-ubyte.gz", {(uint32_t)train}, maxLabel);
  writeIdx(dir + "/t10k-images-idx3-ubyte.gz", {(uint32_t)test, side, side}, 255);
  writeIdx(dir + "/t10k-labels-idx1-ubyte.gz", {(uint32_t)test}, maxLabel);
  return dir;
}

gptc::Manifest model(bool oneHot) {
  gptc::Manifest m;
  m.train.batch = 4;
  m.inputs.push_back({"x", gptc::DType::F32, {4, 784}});
  if (oneHot)
    m.inputs.push_back({"y", gptc::DType::F32, {4, 10}});
  else
    m.inputs.push_back({"label", gptc::DType::I32, {4}});
  m.hasOutput = true;
  m.outputShape = {4, 10};
  return m;
}

gptc::Settings settings(const std::string &dir, int validation) {
  gptc::Settings s;
  s.data = gptc::DataKind::IdxImages;
  s.dataDir = dir;
  s.validation = validation;
  return s;
}

TEST(Dataset, SplitsHoldOutTheLastTrainingImages) {
  gptc::Splits d = gptc::loadData(settings(makeSet(30, 8), 10), model(false));
  EXPECT_EQ(d.train.count, 20);
  EXPECT_EQ(d.val.count, 10);
  EXPECT_EQ(d.test.count, 8);
  EXPECT_EQ(d.val.labels[0], 20 % 10); // validation starts at training image 20
  ASSERT_EQ(d.train.columns.size(), 2u);
  EXPECT_EQ(d.train.columns[0].size(), 20u * 784);
  EXPECT_EQ(d.train.columns[1][13], 3.0f); // class index as the i32 input's value
}

TEST(Dataset, OneHotTargetsForFloatLabels) {
  gptc::Splits d = gptc::loadData(settings(makeSet(12, 4), 4), model(true));
  const std::vector<float> &y = d.train.columns[1];
  ASSERT_EQ(y.size(), 8u * 10);
  for (int i = 0; i < 8; ++i)
    for (int c = 0; c < 10; ++c)
      EXPECT_EQ(y[i * 10 + c], c == d.train.labels[i] ? 1.0f : 0.0f);
}

std::string errorOf(const gptc::Settings &s, const gptc::Manifest &m) {
  try {
    gptc::loadData(s, m);
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "";
}

TEST(Dataset, RejectsWhatTheModelCannotTake) {
  EXPECT_NE(errorOf(settings(makeSet(12, 4, 9, 32), 4), model(true)).find("32x32 (1024 values)"),
            std::string::npos);
  EXPECT_NE(errorOf(settings(makeSet(12, 4, 12), 4), model(false)).find("but the model has 10 classes"),
            std::string::npos);
  EXPECT_NE(errorOf(settings(makeSet(6, 4), 4), model(false)).find("fewer than one batch"),
            std::string::npos);
}

} // namespace

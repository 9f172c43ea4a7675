// IDX loader: good files (plain and gzip) and every kind of corruption.
#include "gptc/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

std::string tempDir() {
  char tmpl[] = "/tmp/gptc-idx-XXXXXX";
  return mkdtemp(tmpl);
}

std::vector<uint8_t> idxBytes(std::vector<uint32_t> dims, uint8_t type = 0x08, size_t dropBytes = 0) {
  std::vector<uint8_t> b = {0, 0, type, (uint8_t)dims.size()};
  size_t total = 1;
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8)
      b.push_back((uint8_t)(d >> s));
    total *= d;
  }
  for (size_t i = 0; i < total; ++i)
    b.push_back((uint8_t)(i % 251));
  b.resize(b.size() - dropBytes);
  return b;
}

void writePlain(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream(path, std::ios::binary).write((const char *)bytes.data(), bytes.size());
}

void writeGz(const std::string &path, const std::vector<uint8_t> &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), bytes.size());
  gzclose(f);
}

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "";
}

TEST(Idx, ReadsPlainAndGzip) {
  std::string dir = tempDir();
  auto bytes = idxBytes({3, 2, 2});
  writePlain(dir + "/a", bytes);
  writeGz(dir + "/b.gz", bytes);
  for (const std::string &p : {dir + "/a", dir + "/b.gz"}) {
    gptc::IdxArray a = gptc::readIdx(p);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 2}));
    ASSERT_EQ(a.data.size(), 12u);
    EXPECT_EQ(a.data[5], 5);
  }
}

TEST(Idx, LoadsImageSetNormalised) {
  std::string dir = tempDir();
  writeGz(dir + "/train-images-idx3-ubyte.gz", idxBytes({4, 2, 3}));
  writeGz(dir + "/train-labels-idx1-ubyte.gz", idxBytes({4}));
  gptc::ImageSet set = gptc::loadIdxImages(dir, "train");
  EXPECT_EQ(set.count, 4);
  EXPECT_EQ(set.rows, 2);
  EXPECT_EQ(set.cols, 3);
  EXPECT_FLOAT_EQ(set.pixels[7], 7 / 255.0f);
  EXPECT_EQ(set.labels, (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(Idx, ReportsMissingFile) {
  std::string dir = tempDir();
  EXPECT_NE(errorOf([&] { gptc::loadIdxImages(dir, "train"); }).find("cannot find"), std::string::npos);
}

TEST(Idx, ReportsBadMagic) {
  std::string dir = tempDir();
  auto bytes = idxBytes({2, 2});
  bytes[0] = 0x1f; // not an IDX header
  writePlain(dir + "/x", bytes);
  EXPECT_NE(errorOf([&] { gptc::readIdx(dir + "/x"); }).find("bad magic"), std::string::npos);
}

TEST(Idx, ReportsWrongElementType) {
  std::string dir = tempDir();
  writePlain(dir + "/x", idxBytes({2, 2}, 0x0D));
  EXPECT_NE(errorOf([&] { gptc::readIdx(dir + "/x"); }).find("not unsigned byte"), std::string::npos);
}

TEST(Idx, ReportsTruncatedData) {
  std::string dir = tempDir();
  writeGz(dir + "/x.gz", idxBytes({10, 4}, 0x08, 7));
  std::string err = errorOf([&] { gptc::readIdx(dir + "/x.gz"); });
  EXPECT_NE(err.find("truncated: expected 40 bytes of data, got 33"), std::string::npos) << err;
}

TEST(Idx, ReportsTruncatedHeader) {
  std::string dir = tempDir();
  writePlain(dir + "/x", {0, 0, 8});
  EXPECT_NE(errorOf([&] { gptc::readIdx(dir + "/x"); }).find("truncated IDX header"), std::string::npos);
}

TEST(Idx, ReportsCountMismatch) {
  std::string dir = tempDir();
  writeGz(dir + "/t10k-images-idx3-ubyte.gz", idxBytes({5, 2, 2}));
  writeGz(dir + "/t10k-labels-idx1-ubyte.gz", idxBytes({4}));
  std::string err = errorOf([&] { gptc::loadIdxImages(dir, "t10k"); });
  EXPECT_NE(err.find("has 5 images but"), std::string::npos) << err;
  EXPECT_NE(err.find("has 4 labels"), std::string::npos) << err;
}

TEST(Idx, DimensionsThatOverflowAreImplausibleNotAWrappedSize) {
  std::string dir = tempDir();
  // Four dimensions of 2^32 - 1: the product wraps int64 several times over.
  writePlain(dir + "/x", {0, 0, 8, 4, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255});
  std::string err = errorOf([&] { gptc::readIdx(dir + "/x"); });
  EXPECT_EQ(err, dir + "/x: implausible IDX size (dimensions multiply past 2^34 elements)");
}

TEST(Idx, AHeaderClaimingMoreThanTheFileIsTruncatedWithoutAllocatingTheClaim) {
  std::string dir = tempDir();
  // Claims 2^33 bytes (8 GiB) of data; the file has 3.
  writePlain(dir + "/x", {0, 0, 8, 2, 0, 2, 0, 0, 0, 1, 0, 0, 1, 2, 3});
  std::string err = errorOf([&] { gptc::readIdx(dir + "/x"); });
  EXPECT_EQ(err, dir + "/x: truncated: expected 8589934592 bytes of data, got 3");
}

TEST(Idx, TruncatedAtEveryLengthIsAnError) {
  std::string dir = tempDir();
  std::vector<uint8_t> good = idxBytes({3, 2, 2});
  for (size_t n = 0; n < good.size(); ++n) {
    writePlain(dir + "/x", std::vector<uint8_t>(good.begin(), good.begin() + n));
    EXPECT_NE(errorOf([&] { gptc::readIdx(dir + "/x"); }), "") << "truncated to " << n << " bytes";
  }
  writePlain(dir + "/x", good);
  EXPECT_EQ(errorOf([&] { gptc::readIdx(dir + "/x"); }), "");
}

} // namespace

// safetensors reader: every malformed file is one clear error naming the file
// and the problem, never a crash, a huge allocation or a hang; and the atomic
// writer cleans up what a killed writer left behind.
#include "gptc/safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::string tempPath(const std::string &name) {
  return "/tmp/gptc-ste-" + std::to_string(getpid()) + "-" + name;
}

/// A file of the given bytes; returns its path.
std::string writeBytes(const std::string &name, const std::string &bytes) {
  std::string path = tempPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

/// The 8-byte little-endian length, then the header, then the data.
std::string safetensorsBytes(const std::string &header, const std::string &data, uint64_t length) {
  std::string out;
  for (int i = 0; i < 8; ++i)
    out.push_back((char)(length >> (8 * i)));
  return out + header + data;
}
std::string safetensorsBytes(const std::string &header, const std::string &data) {
  return safetensorsBytes(header, data, header.size());
}

/// The loader's message for `bytes`, with the file's path replaced by FILE.
std::string errorFor(const std::string &bytes) {
  std::string path = writeBytes("case.safetensors", bytes);
  try {
    gptc::loadSafetensors(path);
  } catch (const std::runtime_error &e) {
    std::string message = e.what();
    std::remove(path.c_str());
    if (message.compare(0, path.size(), path) == 0)
      return "FILE" + message.substr(path.size());
    return message;
  }
  std::remove(path.c_str());
  return "(loaded)";
}

const std::string k8Bytes(8, '\0');

TEST(SafetensorsErrors, TooShort) {
  EXPECT_EQ(errorFor(""), "FILE: not a safetensors file (0 bytes, too short for the 8-byte header length)");
  EXPECT_EQ(errorFor("abc"), "FILE: not a safetensors file (3 bytes, too short for the 8-byte header length)");
}

TEST(SafetensorsErrors, HeaderLength) {
  EXPECT_EQ(errorFor(safetensorsBytes("{}", "", 1)),
            "FILE: malformed safetensors header: not valid JSON (it ends early)");
  EXPECT_EQ(errorFor(safetensorsBytes("{}", "", 3)),
            "FILE: not a safetensors file (header length 3 exceeds the file's 10 bytes)");
  EXPECT_EQ(errorFor(safetensorsBytes("{}", "", 100)),
            "FILE: not a safetensors file (header length 100 exceeds the file's 10 bytes)");
  EXPECT_EQ(errorFor(safetensorsBytes("{}", "", ~0ull)),
            "FILE: not a safetensors file (header length 18446744073709551615 exceeds the file's 10 bytes)");
  EXPECT_EQ(errorFor(safetensorsBytes("", "", 0)),
            "FILE: malformed safetensors header: not valid JSON (it ends early)");
}

TEST(SafetensorsErrors, HeaderNotAnObject) {
  EXPECT_EQ(errorFor(safetensorsBytes("{\"a\": [1 ", "")),
            "FILE: malformed safetensors header: not valid JSON (it ends early)");
  EXPECT_EQ(errorFor(safetensorsBytes("{\"a\" 1}", "")),
            "FILE: malformed safetensors header: not valid JSON (error at byte 6)");
  EXPECT_EQ(errorFor(safetensorsBytes("[1, 2]  ", "")),
            "FILE: malformed safetensors header: a JSON array, not an object");
  EXPECT_EQ(errorFor(safetensorsBytes("{\"__metadata__\": 3}", "")),
            "FILE: malformed safetensors header: __metadata__ is not an object");
  EXPECT_EQ(errorFor(safetensorsBytes("{\"__metadata__\": {\"k\": 1}}", "")),
            "FILE: malformed safetensors header: metadata 'k' is not a string");
}

TEST(SafetensorsErrors, DeeplyNestedHeaderIsAnErrorNotAStackOverflow) {
  std::string deep(1 << 20, '[');
  EXPECT_EQ(errorFor(safetensorsBytes(deep, "")),
            "FILE: malformed safetensors header: not valid JSON (it ends early)");
  EXPECT_EQ(errorFor(safetensorsBytes(deep + std::string(1 << 20, ']'), "")),
            "FILE: malformed safetensors header: a JSON array, not an object");
}

TEST(SafetensorsErrors, TensorEntries) {
  auto entry = [](const std::string &body) { return safetensorsBytes("{\"x\": " + body + "}", k8Bytes); };
  EXPECT_EQ(errorFor(entry("3")), "FILE: tensor 'x' is not a JSON object");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [2]}")), "FILE: tensor 'x' has no \"data_offsets\"");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 8]}")),
            "FILE: tensor 'x' has unsupported dtype 'F16' (gptc reads F32, F64 and I32)");
  EXPECT_EQ(errorFor(entry("{\"dtype\": 7, \"shape\": [2], \"data_offsets\": [0, 8]}")),
            "FILE: tensor 'x' has unsupported dtype '7' (gptc reads F32, F64 and I32)");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": 2, \"data_offsets\": [0, 8]}")),
            "FILE: tensor 'x' has shape 2, not an array");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}")),
            "FILE: tensor 'x' has shape [-2]: dimensions must be non-negative integers");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}")),
            "FILE: tensor 'x' has shape [2.5]: dimensions must be non-negative integers");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 8]}")),
            "FILE: tensor 'x' has shape [4294967296,4294967296], whose size overflows 64 bits");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [0, 18446744073709551615], \"data_offsets\": [0, 0]}")),
            "FILE: tensor 'x' has shape [0,18446744073709551615], whose size overflows 64 bits");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [1000000], \"data_offsets\": [0, 4000000]}")),
            "FILE: tensor 'x' has shape [1000000] (4000000 bytes), more than the 8 bytes of data in the file");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}")),
            "FILE: tensor 'x' has data_offsets [0], not a pair of non-negative integers");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}")),
            "FILE: tensor 'x' has data_offsets [8, 0] that end before they begin");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}")),
            "FILE: tensor 'x' has data_offsets [8, 16] past the end of the 8 bytes of data (file truncated?)");
  EXPECT_EQ(errorFor(entry("{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 8]}")),
            "FILE: tensor 'x' has data_offsets [0, 8] (8 bytes) but F32[1] needs 4 bytes");
  // A name with a newline stays on one line.
  EXPECT_EQ(errorFor(safetensorsBytes("{\"a\\nb\": 3}", "")), "FILE: tensor 'a\\x0ab' is not a JSON object");
}

TEST(SafetensorsErrors, TensorsMustTileTheData) {
  std::string two = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
                    "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [";
  EXPECT_EQ(errorFor(safetensorsBytes(two + "0, 4]}}", k8Bytes)), "FILE: tensors 'a' and 'b' overlap in the data");
  EXPECT_EQ(errorFor(safetensorsBytes(two + "4, 8]}}", k8Bytes + "xx")),
            "FILE: 2 bytes after the last tensor's data (not one safetensors file?)");
  EXPECT_EQ(errorFor(safetensorsBytes(two + "8, 12]}}", std::string(12, '\0'))),
            "FILE: tensor 'b' starts at data byte 8 but tensor 'a' ends at 4 (a gap in the data)");
  EXPECT_EQ(errorFor(safetensorsBytes(two + "4, 8]}}", k8Bytes)), "(loaded)");
}

TEST(SafetensorsErrors, DirectoryIsNotACheckpoint) {
  std::string dir = tempPath("dir");
  mkdir(dir.c_str(), 0755);
  try {
    gptc::loadSafetensors(dir);
    FAIL() << "expected an error";
  } catch (const std::runtime_error &e) {
    EXPECT_EQ(std::string(e.what()), dir + ": not a regular file");
  }
  rmdir(dir.c_str());
}

TEST(SafetensorsErrors, EveryTruncationOfAGoodFileIsAnError) {
  gptc::Tensor a(gptc::DType::F32, {5}), b(gptc::DType::F64, {2, 2});
  std::string path = tempPath("good.safetensors");
  gptc::saveSafetensors(path, {{"a", &a}, {"b", &b}}, {{"k", "v"}});
  std::ifstream in(path, std::ios::binary);
  std::string good((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(errorFor(good), "(loaded)");
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_NE(errorFor(good.substr(0, n)), "(loaded)") << "truncated to " << n << " bytes";
  std::remove(path.c_str());
}

TEST(AtomicWrite, RemovesTemporariesOfDeadWritersOnly) {
  std::string path = tempPath("atomic.bin");
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  waitpid(child, nullptr, 0); // a pid that no longer runs
  std::string dead = path + ".tmp." + std::to_string(child), live = path + ".tmp." + std::to_string(getppid());
  std::ofstream(dead) << "partial";
  std::ofstream(live) << "in progress";
  std::string bytes = "new content";
  gptc::writeFileAtomically(path, {{bytes.data(), bytes.size()}});
  struct stat st;
  EXPECT_NE(stat(dead.c_str(), &st), 0) << "a dead writer's temporary survived";
  EXPECT_EQ(stat(live.c_str(), &st), 0) << "a live writer's temporary was removed";
  EXPECT_NE(stat((path + ".tmp." + std::to_string(getpid())).c_str(), &st), 0);
  std::ifstream in(path);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), bytes);
  std::remove(live.c_str());
  std::remove(path.c_str());
}

TEST(AtomicWrite, MissingDirectoryIsAnError) {
  std::string bytes = "x";
  try {
    gptc::writeFileAtomically("/nonexistent-dir/f.bin", {{bytes.data(), bytes.size()}});
    FAIL() << "expected an error";
  } catch (const std::runtime_error &e) {
    EXPECT_EQ(std::string(e.what()), "cannot write /nonexistent-dir/f.bin: cannot create "
                                     "/nonexistent-dir/f.bin.tmp." + std::to_string(getpid()) +
                                         ": No such file or directory");
  }
}

} // namespace

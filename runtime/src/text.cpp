#include "gptc/text.h"

#include "gptc/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sys/stat.h>

namespace gptc {

namespace {

std::string readFile(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    throw std::runtime_error(path + " is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (in.bad())
    throw std::runtime_error("cannot read " + path);
  return bytes;
}

std::vector<uint16_t> readTokens(const std::string &path, size_t vocabSize) {
  std::string bytes = readFile(path);
  if (bytes.size() % 2)
    throw std::runtime_error(path + ": " + std::to_string(bytes.size()) +
                             " bytes is not a whole number of uint16 tokens");
  std::vector<uint16_t> tokens(bytes.size() / 2);
  for (size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = (uint16_t)((unsigned char)bytes[2 * i] | ((unsigned char)bytes[2 * i + 1] << 8));
    if (tokens[i] >= vocabSize)
      throw std::runtime_error(path + ": token " + std::to_string(tokens[i]) + " at position " +
                               std::to_string(i) + " is outside the vocabulary of " +
                               std::to_string(vocabSize));
  }
  return tokens;
}

void writeFile(const std::string &path, const std::string &bytes) {
  writeFileAtomically(path, {{bytes.data(), bytes.size()}});
}

std::string tokenBytes(const std::vector<uint16_t> &tokens) {
  std::string bytes(tokens.size() * 2, '\0');
  for (size_t i = 0; i < tokens.size(); ++i) {
    bytes[2 * i] = (char)(tokens[i] & 0xff);
    bytes[2 * i + 1] = (char)(tokens[i] >> 8);
  }
  return bytes;
}

} // namespace

std::vector<uint16_t> encode(const std::string &vocab, const std::string &text) {
  int index[256];
  std::fill(index, index + 256, -1);
  for (size_t i = 0; i < vocab.size(); ++i)
    index[(unsigned char)vocab[i]] = (int)i;
  std::vector<uint16_t> ids;
  ids.reserve(text.size());
  for (char c : text) {
    int id = index[(unsigned char)c];
    if (id < 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "character 0x%02x ('%c') is not in the vocabulary", (unsigned char)c,
                    c >= 32 && c < 127 ? c : '?');
      throw std::runtime_error(buf);
    }
    ids.push_back((uint16_t)id);
  }
  return ids;
}

TokenData loadTextFile(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw std::runtime_error(path + " is a directory; text data is one plain text file (--data FILE)");
  std::string text = readFile(path);
  if (text.empty())
    throw std::runtime_error(path + ": empty file, no text to train on");
  if (text.size() < 2)
    throw std::runtime_error(path + ": too little text to train on (" + std::to_string(text.size()) + " bytes)");
  bool seen[256] = {false};
  for (char c : text)
    seen[(unsigned char)c] = true;
  TokenData d;
  d.source = path;
  for (int c = 0; c < 256; ++c)
    if (seen[c])
      d.vocab.push_back((char)c);
  std::vector<uint16_t> all = encode(d.vocab, text);
  size_t cut = (size_t)(all.size() * 0.9); // nanoGPT's prepare.py: first 90% train, last 10% val
  d.train.assign(all.begin(), all.begin() + cut);
  d.val.assign(all.begin() + cut, all.end());
  return d;
}

// meta.json: {"vocab_size": N, "chars_hex": "0a2021..."}: the characters as hex
// bytes, so any byte survives without JSON escaping.
TokenData loadTokenDir(const std::string &dir) {
  TokenData d;
  d.source = dir;
  std::string metaPath = dir + "/meta.json";
  std::string text = readFile(metaPath);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error &e) {
    throw std::runtime_error(metaPath + ": not valid JSON (" +
                             (e.byte > text.size() ? "it ends early" : "error at byte " + std::to_string(e.byte)) +
                             ")");
  }
  if (!meta.is_object())
    throw std::runtime_error(metaPath + ": a JSON " + std::string(meta.type_name()) +
                             ", not an object with \"vocab_size\" and \"chars_hex\"");
  for (const char *key : {"vocab_size", "chars_hex"})
    if (!meta.contains(key))
      throw std::runtime_error(metaPath + ": no \"" + key + "\" field");
  const nlohmann::json &hex = meta.at("chars_hex"), &size = meta.at("vocab_size");
  if (!hex.is_string())
    throw std::runtime_error(metaPath + ": \"chars_hex\" is " + hex.dump() + ", not a string of hex bytes");
  try {
    d.vocab = vocabFromHex(hex.get<std::string>());
  } catch (const std::runtime_error &e) {
    throw std::runtime_error(metaPath + ": \"chars_hex\": " + e.what());
  }
  if (d.vocab.empty())
    throw std::runtime_error(metaPath + ": \"chars_hex\" is empty (no vocabulary)");
  if (!size.is_number_integer())
    throw std::runtime_error(metaPath + ": \"vocab_size\" is " + size.dump() + ", not an integer");
  if (size.get<int64_t>() != (int64_t)d.vocab.size())
    throw std::runtime_error(metaPath + ": \"vocab_size\" is " + size.dump() + " but \"chars_hex\" names " +
                             std::to_string(d.vocab.size()) + " characters");
  d.train = readTokens(dir + "/train.bin", d.vocab.size());
  d.val = readTokens(dir + "/val.bin", d.vocab.size());
  return d;
}

void writeTokenDir(const TokenData &data, const std::string &dir) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create " + dir + ": " + std::strerror(errno));
  writeFile(dir + "/train.bin", tokenBytes(data.train));
  writeFile(dir + "/val.bin", tokenBytes(data.val));
  nlohmann::ordered_json meta = {{"vocab_size", data.vocab.size()}, {"chars_hex", vocabToHex(data.vocab)}};
  writeFile(dir + "/meta.json", meta.dump() + "\n");
}

std::string vocabToHex(const std::string &vocab) {
  static const char *digits = "0123456789abcdef";
  std::string hex;
  for (char c : vocab) {
    hex.push_back(digits[(unsigned char)c >> 4]);
    hex.push_back(digits[(unsigned char)c & 15]);
  }
  return hex;
}

std::string vocabFromHex(const std::string &hex) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::runtime_error("malformed hex vocabulary");
  };
  if (hex.size() % 2)
    throw std::runtime_error("malformed hex vocabulary (odd length)");
  std::string vocab;
  for (size_t i = 0; i < hex.size(); i += 2)
    vocab.push_back((char)(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return vocab;
}

} // namespace gptc

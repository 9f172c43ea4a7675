// Token streams for language models: a plain text file read as characters
// (bytes; the vocabulary is the sorted set of bytes in the file, split 90/10
// into train and val as nanoGPT's prepare.py), or nanoGPT-style prepared
// token files (train.bin / val.bin of little-endian uint16 plus meta.json
// naming the characters), so data prepared once can be reused.
#ifndef GPTC_RUNTIME_TEXT_H
#define GPTC_RUNTIME_TEXT_H

#include <cstdint>
#include <string>
#include <vector>

namespace gptc {

struct TokenData {
  std::string vocab; // vocab[id] is the byte of token id
  std::vector<uint16_t> train, val;
  std::string source; // the file or directory it came from
};

/// Throws std::runtime_error naming the file and the problem.
TokenData loadTextFile(const std::string &path);
TokenData loadTokenDir(const std::string &dir);
/// Writes train.bin, val.bin and meta.json into `dir` (created if missing).
void writeTokenDir(const TokenData &data, const std::string &dir);

/// Token ids of `text` under `vocab`; throws on a character not in it.
std::vector<uint16_t> encode(const std::string &vocab, const std::string &text);

/// The vocabulary as hex (for checkpoint metadata) and back.
std::string vocabToHex(const std::string &vocab);
std::string vocabFromHex(const std::string &hex);

} // namespace gptc

#endif

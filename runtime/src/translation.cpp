// Translation data: the word tokenizer, vocabularies, the parallel-corpus
// loader, corpus BLEU and length-bucketed batches (see gptc/translation.h).
#include "gptc/translation.h"

#include "gz_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <sys/stat.h>
#include <utility>

namespace gptc {

// ---- Tokenizer ------------------------------------------------------------

namespace {

/// Bytes that are not valid UTF-8 are carried as kRawByte + byte, past the
/// last Unicode code point, so they can never be taken for a character.
constexpr char32_t kRawByte = 0x110000;

/// The code points of `text`. Each byte that does not start a well-formed
/// UTF-8 sequence (a stray continuation byte, a truncated sequence, an
/// overlong form, a surrogate, past U+10FFFF) becomes kRawByte + byte, and
/// decoding resumes at the next byte.
std::u32string decodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = (unsigned char)text[i];
    size_t length = 0; // stays 0 for a byte that cannot start a sequence
    char32_t c = 0;
    if (lead < 0x80) {
      length = 1;
      c = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      c = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      c = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      c = lead & 0x07;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      unsigned char next = (unsigned char)text[i + k];
      valid = (next & 0xC0) == 0x80;
      c = (c << 6) | (next & 0x3F);
    }
    if (length == 3)
      valid = valid && c >= 0x800 && !(c >= 0xD800 && c <= 0xDFFF);
    if (length == 4)
      valid = valid && c >= 0x10000 && c <= 0x10FFFF;
    if (valid) {
      out.push_back(c);
      i += length;
    } else {
      out.push_back(kRawByte + lead);
      ++i;
    }
  }
  return out;
}

/// Appends `c` as UTF-8 (a raw byte as itself).
void appendUtf8(std::string &out, char32_t c) {
  if (c >= kRawByte) {
    out.push_back((char)(c - kRawByte));
  } else if (c < 0x80) {
    out.push_back((char)c);
  } else if (c < 0x800) {
    out.push_back((char)(0xC0 | (c >> 6)));
    out.push_back((char)(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back((char)(0xE0 | (c >> 12)));
    out.push_back((char)(0x80 | ((c >> 6) & 0x3F)));
    out.push_back((char)(0x80 | (c & 0x3F)));
  } else {
    out.push_back((char)(0xF0 | (c >> 18)));
    out.push_back((char)(0x80 | ((c >> 12) & 0x3F)));
    out.push_back((char)(0x80 | ((c >> 6) & 0x3F)));
    out.push_back((char)(0x80 | (c & 0x3F)));
  }
}

/// Capital letters first, first + step, ..., last lowercase to c + delta.
struct CaseRange {
  char32_t first, last;
  int step, delta;
};

/// Python's str.lower() for single code points below U+0500 (Unicode's
/// simple lowercase mappings), sorted; step 2 is a run of upper/lower pairs.
/// U+0130, which lowercases to two code points, is handled in appendLower.
constexpr CaseRange kCaseRanges[] = {
    {0x0041, 0x005A, 1, 32}, {0x00C0, 0x00D6, 1, 32}, {0x00D8, 0x00DE, 1, 32}, {0x0100, 0x012E, 2, 1},
    {0x0132, 0x0136, 2, 1}, {0x0139, 0x0147, 2, 1}, {0x014A, 0x0176, 2, 1}, {0x0178, 0x0178, 1, -121},
    {0x0179, 0x017D, 2, 1}, {0x0181, 0x0181, 1, 210}, {0x0182, 0x0184, 2, 1}, {0x0186, 0x0186, 1, 206},
    {0x0187, 0x0187, 1, 1}, {0x0189, 0x018A, 1, 205}, {0x018B, 0x018B, 1, 1}, {0x018E, 0x018E, 1, 79},
    {0x018F, 0x018F, 1, 202}, {0x0190, 0x0190, 1, 203}, {0x0191, 0x0191, 1, 1}, {0x0193, 0x0193, 1, 205},
    {0x0194, 0x0194, 1, 207}, {0x0196, 0x0196, 1, 211}, {0x0197, 0x0197, 1, 209}, {0x0198, 0x0198, 1, 1},
    {0x019C, 0x019C, 1, 211}, {0x019D, 0x019D, 1, 213}, {0x019F, 0x019F, 1, 214}, {0x01A0, 0x01A4, 2, 1},
    {0x01A6, 0x01A6, 1, 218}, {0x01A7, 0x01A7, 1, 1}, {0x01A9, 0x01A9, 1, 218}, {0x01AC, 0x01AC, 1, 1},
    {0x01AE, 0x01AE, 1, 218}, {0x01AF, 0x01AF, 1, 1}, {0x01B1, 0x01B2, 1, 217}, {0x01B3, 0x01B5, 2, 1},
    {0x01B7, 0x01B7, 1, 219}, {0x01B8, 0x01B8, 1, 1}, {0x01BC, 0x01BC, 1, 1}, {0x01C4, 0x01C4, 1, 2},
    {0x01C5, 0x01C5, 1, 1}, {0x01C7, 0x01C7, 1, 2}, {0x01C8, 0x01C8, 1, 1}, {0x01CA, 0x01CA, 1, 2},
    {0x01CB, 0x01DB, 2, 1}, {0x01DE, 0x01EE, 2, 1}, {0x01F1, 0x01F1, 1, 2}, {0x01F2, 0x01F4, 2, 1},
    {0x01F6, 0x01F6, 1, -97}, {0x01F7, 0x01F7, 1, -56}, {0x01F8, 0x021E, 2, 1}, {0x0220, 0x0220, 1, -130},
    {0x0222, 0x0232, 2, 1}, {0x023A, 0x023A, 1, 10795}, {0x023B, 0x023B, 1, 1}, {0x023D, 0x023D, 1, -163},
    {0x023E, 0x023E, 1, 10792}, {0x0241, 0x0241, 1, 1}, {0x0243, 0x0243, 1, -195}, {0x0244, 0x0244, 1, 69},
    {0x0245, 0x0245, 1, 71}, {0x0246, 0x024E, 2, 1}, {0x0370, 0x0372, 2, 1}, {0x0376, 0x0376, 1, 1},
    {0x037F, 0x037F, 1, 116}, {0x0386, 0x0386, 1, 38}, {0x0388, 0x038A, 1, 37}, {0x038C, 0x038C, 1, 64},
    {0x038E, 0x038F, 1, 63}, {0x0391, 0x03A1, 1, 32}, {0x03A3, 0x03AB, 1, 32}, {0x03CF, 0x03CF, 1, 8},
    {0x03D8, 0x03EE, 2, 1}, {0x03F4, 0x03F4, 1, -60}, {0x03F7, 0x03F7, 1, 1}, {0x03F9, 0x03F9, 1, -7},
    {0x03FA, 0x03FA, 1, 1}, {0x03FD, 0x03FF, 1, -130}, {0x0400, 0x040F, 1, 80}, {0x0410, 0x042F, 1, 32},
    {0x0460, 0x0480, 2, 1}, {0x048A, 0x04BE, 2, 1}, {0x04C0, 0x04C0, 1, 15}, {0x04C1, 0x04CD, 2, 1},
    {0x04D0, 0x04FE, 2, 1},
};

/// Code points below U+0500 that Python's re counts as \w (str.isalnum() or
/// '_': letters, digits such as '²', numbers such as '½'), sorted.
constexpr std::pair<char32_t, char32_t> kWordRanges[] = {
    {0x0030, 0x0039}, {0x0041, 0x005A}, {0x005F, 0x005F}, {0x0061, 0x007A}, {0x00AA, 0x00AA},
    {0x00B2, 0x00B3}, {0x00B5, 0x00B5}, {0x00B9, 0x00BA}, {0x00BC, 0x00BE}, {0x00C0, 0x00D6},
    {0x00D8, 0x00F6}, {0x00F8, 0x02C1}, {0x02C6, 0x02D1}, {0x02E0, 0x02E4}, {0x02EC, 0x02EC},
    {0x02EE, 0x02EE}, {0x0370, 0x0374}, {0x0376, 0x0377}, {0x037A, 0x037D}, {0x037F, 0x037F},
    {0x0386, 0x0386}, {0x0388, 0x038A}, {0x038C, 0x038C}, {0x038E, 0x03A1}, {0x03A3, 0x03F5},
    {0x03F7, 0x0481}, {0x048A, 0x04FF},
};

/// Appends the lowercase of `c` (Python's str.lower() below U+0500; other
/// code points are kept).
void appendLower(std::u32string &out, char32_t c) {
  if (c == 0x0130) { // 'İ': 'i' and a combining dot above
    out.push_back('i');
    out.push_back(0x0307);
    return;
  }
  const CaseRange *range = std::lower_bound(std::begin(kCaseRanges), std::end(kCaseRanges), c,
                                            [](const CaseRange &r, char32_t x) { return r.last < x; });
  if (range != std::end(kCaseRanges) && c >= range->first && (c - range->first) % range->step == 0)
    c += range->delta;
  out.push_back(c);
}

/// Whether Python's re counts lowercase text character `c` as \w. U+2C65 and
/// U+2C66 are the lowercase of U+023A and U+023E.
bool isWordChar(char32_t c) {
  if (c >= 0x0500)
    return c == 0x2C65 || c == 0x2C66;
  const auto *range = std::lower_bound(std::begin(kWordRanges), std::end(kWordRanges), c,
                                       [](const std::pair<char32_t, char32_t> &r, char32_t x) { return r.second < x; });
  return range != std::end(kWordRanges) && c >= range->first;
}

/// Whether Python's re counts `c` as \s (str.isspace()).
bool isSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

} // namespace

std::vector<std::string> tokenize(std::string_view line) {
  std::u32string lower;
  for (char32_t c : decodeUtf8(line))
    appendLower(lower, c);
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < lower.size()) {
    if (isSpace(lower[i])) {
      ++i;
      continue;
    }
    // A run of word characters, or a single other character.
    size_t end = i + 1;
    if (isWordChar(lower[i]))
      while (end < lower.size() && isWordChar(lower[end]))
        ++end;
    std::string token;
    for (; i < end; ++i)
      appendUtf8(token, lower[i]);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::string joinTokens(const std::vector<std::string> &tokens) {
  std::string text;
  for (size_t i = 0; i < tokens.size(); ++i)
    text += (i == 0 ? "" : " ") + tokens[i];
  return text;
}

// ---- Vocabulary -----------------------------------------------------------

namespace {
const char *const kSpecials[] = {"<pad>", "<unk>", "<bos>", "<eos>"};
}

Vocabulary::Vocabulary() {
  for (const char *special : kSpecials)
    add(special);
}

void Vocabulary::add(const std::string &token) {
  ids_.emplace(token, (int32_t)tokens_.size());
  tokens_.push_back(token);
}

Vocabulary Vocabulary::build(const std::vector<std::vector<std::string>> &sentences, int64_t minCount,
                             int64_t maxSize) {
  Vocabulary vocab;
  if (maxSize != 0 && maxSize < vocab.size())
    throw std::invalid_argument("Vocabulary::build: a cap of " + std::to_string(maxSize) +
                                " entries leaves no room for the 4 specials");
  std::unordered_map<std::string, int64_t> counts;
  for (const std::vector<std::string> &sentence : sentences)
    for (const std::string &token : sentence) {
      if (token.empty() || token.find('\n') != std::string::npos)
        throw std::invalid_argument("Vocabulary::build: a token is empty or contains a newline");
      if (!vocab.ids_.count(token))
        ++counts[token];
    }
  std::vector<std::pair<std::string, int64_t>> kept;
  for (const auto &[token, count] : counts)
    if (count >= minCount)
      kept.emplace_back(token, count);
  std::sort(kept.begin(), kept.end(), [](const auto &a, const auto &b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (maxSize != 0 && (int64_t)kept.size() > maxSize - vocab.size())
    kept.resize((size_t)(maxSize - vocab.size()));
  for (const auto &entry : kept)
    vocab.add(entry.first);
  return vocab;
}

int32_t Vocabulary::id(const std::string &token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kUnk : it->second;
}

const std::string &Vocabulary::token(int32_t id) const {
  if (id < 0 || id >= size())
    throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary of " +
                            std::to_string(size()));
  return tokens_[id];
}

std::vector<int32_t> Vocabulary::encode(const std::vector<std::string> &tokens) const {
  std::vector<int32_t> ids;
  ids.reserve(tokens.size());
  for (const std::string &t : tokens)
    ids.push_back(id(t));
  return ids;
}

std::string Vocabulary::decode(const std::vector<int32_t> &ids) const {
  std::string text;
  for (int32_t i : ids) {
    if (i == kEos)
      break;
    if (i == kPad || i == kBos)
      continue;
    if (!text.empty())
      text.push_back(' ');
    text += token(i);
  }
  return text;
}

std::string Vocabulary::serialize() const {
  std::string text;
  for (const std::string &t : tokens_) {
    if (!text.empty())
      text.push_back('\n');
    text += t;
  }
  return text;
}

Vocabulary Vocabulary::deserialize(const std::string &text) {
  std::vector<std::string> entries;
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    entries.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  Vocabulary vocab;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string &entry = entries[i];
    std::string where = "vocabulary entry " + std::to_string(i + 1);
    if (i < 4) {
      if (entry != kSpecials[i])
        throw std::runtime_error(where + " is \"" + entry + "\", expected \"" + kSpecials[i] +
                                 "\" (a vocabulary starts with <pad> <unk> <bos> <eos>)");
      continue;
    }
    if (entry.empty())
      throw std::runtime_error(where + " is empty");
    auto seen = vocab.ids_.find(entry);
    if (seen != vocab.ids_.end())
      throw std::runtime_error(where + " \"" + entry + "\" repeats entry " + std::to_string(seen->second + 1));
    vocab.add(entry);
  }
  if (entries.size() < 4)
    throw std::runtime_error("vocabulary of " + std::to_string(entries.size()) +
                             " entries: it must start with <pad> <unk> <bos> <eos>");
  return vocab;
}

// ---- Parallel corpus --------------------------------------------------------

namespace {

/// One split's sentences, tokenized.
struct TokenizedSplit {
  std::vector<std::vector<std::string>> src, tgt;
};

std::vector<std::vector<std::string>> tokenizeFile(const std::string &path) {
  std::vector<std::vector<std::string>> sentences;
  for (const std::string &line : readLines(path))
    sentences.push_back(tokenize(line));
  return sentences;
}

/// Reads both sides of `split`; an absent split (both files missing) is
/// empty unless `required`.
TokenizedSplit readSplit(const std::string &dir, const std::string &split, const std::string &srcLang,
                         const std::string &tgtLang, bool required) {
  std::string srcPath = findCorpusFile(dir, split, srcLang), tgtPath = findCorpusFile(dir, split, tgtLang);
  if (srcPath.empty() && tgtPath.empty() && !required)
    return {};
  for (const auto &[path, lang] : {std::pair{srcPath, srcLang}, std::pair{tgtPath, tgtLang}})
    if (path.empty()) {
      std::string plain = dir + "/" + split + "." + lang;
      throw std::runtime_error("cannot find " + plain + " or " + plain + ".gz" +
                               (required ? " (the " + split + " split is required)" : ""));
    }
  TokenizedSplit text{tokenizeFile(srcPath), tokenizeFile(tgtPath)};
  if (text.src.size() != text.tgt.size())
    throw std::runtime_error(srcPath + " has " + std::to_string(text.src.size()) + " lines but " + tgtPath +
                             " has " + std::to_string(text.tgt.size()) + "; the lines of a split are pairs");
  if (required && text.src.empty())
    throw std::runtime_error(srcPath + " and " + tgtPath + " are empty: no sentence pairs to train on");
  return text;
}

/// The ids of one side, counting tokens and unknown tokens.
std::vector<std::vector<int32_t>> encodeSide(const std::vector<std::vector<std::string>> &sentences,
                                             const Vocabulary &vocab, int64_t &tokens, int64_t &unknown) {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(sentences.size());
  for (const std::vector<std::string> &sentence : sentences) {
    ids.push_back(vocab.encode(sentence));
    tokens += (int64_t)sentence.size();
    unknown += std::count(ids.back().begin(), ids.back().end(), Vocabulary::kUnk);
  }
  return ids;
}

ParallelSplit encodeSplit(const TokenizedSplit &text, const Vocabulary &srcVocab, const Vocabulary &tgtVocab) {
  ParallelSplit split;
  split.src = encodeSide(text.src, srcVocab, split.tokensSrc, split.unknownSrc);
  split.tgt = encodeSide(text.tgt, tgtVocab, split.tokensTgt, split.unknownTgt);
  return split;
}

} // namespace

std::string findCorpusFile(const std::string &dir, const std::string &split, const std::string &lang) {
  std::string plain = dir + "/" + split + "." + lang;
  for (const std::string &path : {plain, plain + ".gz"})
    if (fileExists(path))
      return path;
  return "";
}

std::vector<std::string> readLines(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    throw std::runtime_error(path + " is a directory, not a file");
  GzFile file(path); // zlib reads a file that is not gzip as it is
  if (!file.f)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  std::string bytes;
  char chunk[1 << 16];
  int got;
  while ((got = gzread(file.f, chunk, sizeof chunk)) > 0)
    bytes.append(chunk, (size_t)got);
  int status;
  const char *message = gzerror(file.f, &status);
  if (got < 0)
    throw std::runtime_error(path + ": corrupt gzip stream (" + message + ")");
  if (status == Z_BUF_ERROR) // zlib's gzread stops quietly at a cut-off stream
    throw std::runtime_error(path + ": truncated gzip stream (" + message + ")");

  std::vector<std::string> lines;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find('\n', start);
    if (end == std::string::npos)
      end = bytes.size();
    std::string line = bytes.substr(start, end - start);
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

ParallelCorpus loadParallelCorpus(const std::string &dir, const std::string &srcLang, const std::string &tgtLang,
                                  int64_t minCount, bool sharedVocab, int64_t srcCap, int64_t tgtCap) {
  TokenizedSplit train = readSplit(dir, "train", srcLang, tgtLang, true);
  TokenizedSplit val = readSplit(dir, "val", srcLang, tgtLang, false);
  TokenizedSplit test = readSplit(dir, "test_2016_flickr", srcLang, tgtLang, false);

  ParallelCorpus corpus;
  corpus.dir = dir;
  if (sharedVocab) {
    std::vector<std::vector<std::string>> both = train.src;
    both.insert(both.end(), train.tgt.begin(), train.tgt.end());
    int64_t cap = srcCap == 0 ? tgtCap : tgtCap == 0 ? srcCap : std::min(srcCap, tgtCap);
    corpus.srcVocab = corpus.tgtVocab = Vocabulary::build(both, minCount, cap);
  } else {
    corpus.srcVocab = Vocabulary::build(train.src, minCount, srcCap);
    corpus.tgtVocab = Vocabulary::build(train.tgt, minCount, tgtCap);
  }
  corpus.train = encodeSplit(train, corpus.srcVocab, corpus.tgtVocab);
  corpus.val = encodeSplit(val, corpus.srcVocab, corpus.tgtVocab);
  corpus.test = encodeSplit(test, corpus.srcVocab, corpus.tgtVocab);
  return corpus;
}

namespace {
constexpr const char *kVocabulariesHeader = "gptc parallel vocabularies 1";

/// "NAME COUNT\n" and the vocabulary's lines.
void appendSide(std::string &text, const char *name, const Vocabulary &vocab) {
  text += std::string("\n") + name + " " + std::to_string(vocab.size()) + "\n" + vocab.serialize();
}

/// Reads "NAME COUNT" at line `at` and the COUNT lines after it; moves `at` past them.
Vocabulary readSide(const std::vector<std::string> &lines, size_t &at, const std::string &name) {
  std::string where = "the vocabularies' line " + std::to_string(at + 1);
  if (at >= lines.size())
    throw std::runtime_error("the vocabularies end before the \"" + name + " COUNT\" line");
  const std::string &line = lines[at];
  std::string prefix = name + " ";
  std::string digits = line.compare(0, prefix.size(), prefix) == 0 ? line.substr(prefix.size()) : "";
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error(where + " is \"" + line + "\", expected \"" + name + " COUNT\"");
  size_t count = (size_t)std::stoul(digits);
  if (lines.size() - at - 1 < count)
    throw std::runtime_error(where + " announces " + std::to_string(count) + " " + name + " entries but only " +
                             std::to_string(lines.size() - at - 1) + " lines follow");
  std::string entries;
  for (size_t i = at + 1; i <= at + count; ++i)
    entries += (i == at + 1 ? "" : "\n") + lines[i];
  at += count + 1;
  try {
    return Vocabulary::deserialize(entries);
  } catch (const std::runtime_error &e) {
    throw std::runtime_error("the " + name + " vocabulary: " + e.what());
  }
}
} // namespace

std::string serializeVocabularies(const Vocabulary &src, const Vocabulary &tgt) {
  std::string text = kVocabulariesHeader;
  appendSide(text, "src", src);
  appendSide(text, "tgt", tgt);
  return text;
}

void deserializeVocabularies(const std::string &text, Vocabulary &src, Vocabulary &tgt) {
  std::vector<std::string> lines;
  for (size_t start = 0;;) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  if (lines[0] != kVocabulariesHeader)
    throw std::runtime_error("not the vocabularies of a translation model (the text does not start with \"" +
                             std::string(kVocabulariesHeader) + "\")");
  size_t at = 1;
  Vocabulary source = readSide(lines, at, "src");
  Vocabulary target = readSide(lines, at, "tgt");
  if (at != lines.size())
    throw std::runtime_error("the vocabularies have " + std::to_string(lines.size() - at) +
                             " lines past the tgt entries");
  src = std::move(source);
  tgt = std::move(target);
}

// ---- BLEU -------------------------------------------------------------------

namespace {
/// How often each n-gram of order n occurs in `tokens`.
std::map<std::vector<std::string>, int64_t> countNGrams(const std::vector<std::string> &tokens, size_t n) {
  std::map<std::vector<std::string>, int64_t> counts;
  for (size_t i = 0; i + n <= tokens.size(); ++i)
    ++counts[std::vector<std::string>(tokens.begin() + i, tokens.begin() + i + n)];
  return counts;
}
} // namespace

BleuScore corpusBleu(const std::vector<std::vector<std::string>> &hypotheses,
                     const std::vector<std::vector<std::string>> &references) {
  if (hypotheses.size() != references.size())
    throw std::invalid_argument("corpusBleu: " + std::to_string(hypotheses.size()) + " hypotheses but " +
                                std::to_string(references.size()) + " references");
  BleuScore score;
  int64_t matches[4] = {0, 0, 0, 0}, totals[4] = {0, 0, 0, 0};
  for (size_t s = 0; s < hypotheses.size(); ++s) {
    score.hypLength += (int64_t)hypotheses[s].size();
    score.refLength += (int64_t)references[s].size();
    for (size_t n = 1; n <= 4; ++n) {
      std::map<std::vector<std::string>, int64_t> reference = countNGrams(references[s], n);
      for (const auto &[ngram, count] : countNGrams(hypotheses[s], n)) {
        totals[n - 1] += count;
        auto found = reference.find(ngram);
        if (found != reference.end())
          matches[n - 1] += std::min(count, found->second); // clipped by the reference's count
      }
    }
  }
  score.ratio = score.refLength ? (double)score.hypLength / (double)score.refLength : 0.0;
  score.brevityPenalty = 1.0;
  if (score.hypLength < score.refLength)
    score.brevityPenalty =
        score.hypLength > 0 ? std::exp(1.0 - (double)score.refLength / (double)score.hypLength) : 0.0;

  if (std::all_of(matches, matches + 4, [](int64_t m) { return m == 0; }))
    return score;
  double logSum = 0, smoothing = 1;
  for (int n = 0; n < 4; ++n) {
    if (totals[n] == 0) // no n-grams of this order at all: BLEU is 0
      return score;
    if (matches[n] == 0) {
      smoothing *= 2; // sacreBLEU's "exp": halve the pseudo-count at each further empty order
      score.precisions[n] = 100.0 / (smoothing * (double)totals[n]);
    } else {
      score.precisions[n] = 100.0 * (double)matches[n] / (double)totals[n];
    }
    logSum += std::log(score.precisions[n]);
  }
  score.bleu = score.brevityPenalty * std::exp(logSum / 4);
  return score;
}

// ---- Length buckets ---------------------------------------------------------

namespace {
/// Fisher-Yates with the raw 64-bit draws of std::mt19937_64, which the
/// standard specifies exactly (std::shuffle's use of them it does not).
template <typename T>
void shuffleInPlace(std::vector<T> &items, std::mt19937_64 &rng) {
  for (size_t i = items.size(); i > 1; --i)
    std::swap(items[i - 1], items[rng() % i]);
}
} // namespace

std::vector<BucketBatch> bucketBatches(const ParallelSplit &split, const std::vector<Bucket> &buckets,
                                       int64_t batch, uint64_t seed, bool shuffle, int64_t *dropped) {
  if (batch < 1)
    throw std::invalid_argument("bucketBatches: batch size " + std::to_string(batch) + " is not positive");
  for (const Bucket &b : buckets)
    if (b.srcLen < 1 || b.tgtLen < 1)
      throw std::invalid_argument("bucketBatches: bucket (" + std::to_string(b.srcLen) + ", " +
                                  std::to_string(b.tgtLen) + ") has a length below 1");
  if (split.src.size() != split.tgt.size())
    throw std::invalid_argument("bucketBatches: " + std::to_string(split.src.size()) + " sources but " +
                                std::to_string(split.tgt.size()) + " targets");

  std::vector<std::vector<int64_t>> members(buckets.size());
  int64_t unplaced = 0;
  for (size_t i = 0; i < split.src.size(); ++i) {
    int64_t srcNeed = (int64_t)split.src[i].size() + 1, tgtNeed = (int64_t)split.tgt[i].size() + 1;
    int64_t best = -1;
    for (size_t b = 0; b < buckets.size(); ++b) {
      if (buckets[b].srcLen < srcNeed || buckets[b].tgtLen < tgtNeed)
        continue;
      if (best < 0 || buckets[b].srcLen + buckets[b].tgtLen < buckets[best].srcLen + buckets[best].tgtLen)
        best = (int64_t)b;
    }
    if (best < 0)
      ++unplaced;
    else
      members[best].push_back((int64_t)i);
  }
  if (dropped)
    *dropped = unplaced;

  std::mt19937_64 rng(seed);
  std::vector<BucketBatch> batches;
  for (size_t b = 0; b < buckets.size(); ++b) {
    std::vector<int64_t> &examples = members[b];
    if (shuffle)
      shuffleInPlace(examples, rng);
    for (size_t start = 0; start < examples.size(); start += (size_t)batch) {
      size_t end = std::min(examples.size(), start + (size_t)batch);
      batches.push_back({(int64_t)b, std::vector<int64_t>(examples.begin() + start, examples.begin() + end)});
    }
  }
  if (shuffle)
    shuffleInPlace(batches, rng);
  return batches;
}

double paddingFraction(const ParallelSplit &split, const std::vector<Bucket> &buckets,
                       const std::vector<BucketBatch> &batches, int64_t batch) {
  int64_t computed = 0, real = 0;
  for (const BucketBatch &b : batches) {
    const Bucket &shape = buckets.at((size_t)b.bucket);
    computed += batch * (shape.srcLen + shape.tgtLen);
    for (int64_t i : b.examples)
      real += (int64_t)split.src.at((size_t)i).size() + 1 + (int64_t)split.tgt.at((size_t)i).size() + 1;
  }
  return computed ? 1.0 - (double)real / (double)computed : 0.0;
}

} // namespace gptc

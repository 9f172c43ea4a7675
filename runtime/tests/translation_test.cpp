// Translation data: the tokenizer against Python's re.findall(r"\w+|[^\w\s]",
// line.lower()), vocabularies, corpus BLEU against sacreBLEU, the parallel
// corpus loader on files written here (and on Multi30k when it is present),
// and length-bucketed batches.
#include "gptc/safetensors.h"
#include "gptc/text.h"
#include "gptc/translation.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using Tokens = std::vector<std::string>;
using gptc::Vocabulary;

// ---- Tokenizer ----------------------------------------------------------------
// Expected tokens are what Python 3.11's re.findall(r"\w+|[^\w\s]", s.lower())
// returns (bytes: s decoded with errors="surrogateescape").

TEST(Tokenizer, SplitsWordsFromPunctuation) {
  EXPECT_EQ(gptc::tokenize("A man, in a red shirt, jumps!"),
            (Tokens{"a", "man", ",", "in", "a", "red", "shirt", ",", "jumps", "!"}));
  EXPECT_EQ(gptc::tokenize("(Hi)...?"), (Tokens{"(", "hi", ")", ".", ".", ".", "?"}));
  EXPECT_EQ(gptc::tokenize(""), Tokens{});
  EXPECT_EQ(gptc::tokenize(" \t "), Tokens{});
}

TEST(Tokenizer, LowercasesGermanAndKeepsSharpS) {
  EXPECT_EQ(gptc::tokenize("Zwei junge weiße Männer."), (Tokens{"zwei", "junge", "weiße", "männer", "."}));
  EXPECT_EQ(gptc::tokenize("ÄÖÜ"), Tokens{"äöü"});
  EXPECT_EQ(gptc::tokenize("STRAßE"), Tokens{"straße"});
  EXPECT_EQ(gptc::tokenize("Café ÉLAN"), (Tokens{"café", "élan"}));
}

TEST(Tokenizer, DigitsAndUnderscoresAreWordCharacters) {
  EXPECT_EQ(gptc::tokenize("Room_42 has 3.5m"), (Tokens{"room_42", "has", "3", ".", "5m"}));
  EXPECT_EQ(gptc::tokenize("x² ½"), (Tokens{"x²", "½"})); // Python counts these digits and numbers as \w
  EXPECT_EQ(gptc::tokenize("a-b_c"), (Tokens{"a", "-", "b_c"}));
}

TEST(Tokenizer, ApostrophesAndQuotesAreTokensOfTheirOwn) {
  EXPECT_EQ(gptc::tokenize("don't"), (Tokens{"don", "'", "t"}));
  EXPECT_EQ(gptc::tokenize("„Hallo“ – sagt’s"), (Tokens{"„", "hallo", "“", "–", "sagt", "’", "s"}));
}

TEST(Tokenizer, AllUnicodeWhitespaceSeparates) {
  // tab, newline, CR LF, vertical tab, form feed, unit separator, NEL,
  // no-break space, em space, ogham space, narrow no-break space, ideographic space
  std::string text = "a\tb\nc\r\nd\ve\ff\x1fg\u0085h\u00a0i\u2003j\u1680k\u202fl\u3000m";
  EXPECT_EQ(gptc::tokenize(text), (Tokens{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"}));
}

TEST(Tokenizer, GreekCyrillicAndLatinExtendedLowercaseAsPython) {
  EXPECT_EQ(gptc::tokenize("ΑΒΓ Ωμέγα"), (Tokens{"αβγ", "ωμέγα"}));
  EXPECT_EQ(gptc::tokenize("ПРИВЕТ, Ёж!"), (Tokens{"привет", ",", "ёж", "!"}));
  EXPECT_EQ(gptc::tokenize("ŁÓDŹ Ÿ Ǆ Ɓ"), (Tokens{"łódź", "ÿ", "ǆ", "ɓ"}));
  // 'İ' lowercases to 'i' and a combining dot, which is not a word character.
  EXPECT_EQ(gptc::tokenize("İz"), (Tokens{"i", "\u0307", "z"}));
  // The documented difference: Python writes a word-final sigma as 'ς'.
  EXPECT_EQ(gptc::tokenize("ΟΔΟΣ"), Tokens{"οδοσ"});
}

TEST(Tokenizer, InvalidUtf8BytesAreTokensOfTheirOwn) {
  EXPECT_EQ(gptc::tokenize("ab\xff" "cd\xc3"), (Tokens{"ab", "\xff", "cd", "\xc3"}));
  EXPECT_EQ(gptc::tokenize("\xc0\xaf"), (Tokens{"\xc0", "\xaf"}));             // overlong '/'
  EXPECT_EQ(gptc::tokenize("\xed\xa0\x80"), (Tokens{"\xed", "\xa0", "\x80"})); // a surrogate
  EXPECT_EQ(gptc::tokenize("x\xe2\x82y"), (Tokens{"x", "\xe2", "\x82", "y"}));  // cut-off sequence
  EXPECT_EQ(gptc::tokenize("\xf4\x90\x80\x80"), (Tokens{"\xf4", "\x90", "\x80", "\x80"})); // past U+10FFFF
  // Every byte value, alone and between letters, tokenizes without trouble.
  for (int b = 0; b < 256; ++b) {
    std::string s = "A" + std::string(1, (char)b) + "B";
    std::vector<std::string> tokens = gptc::tokenize(s);
    ASSERT_FALSE(tokens.empty()) << b;
    EXPECT_EQ(tokens.front().front(), 'a') << b;
  }
}

// ---- Vocabulary ---------------------------------------------------------------

TEST(Vocabulary, SpecialsComeFirst) {
  Vocabulary v;
  EXPECT_EQ(v.size(), 4);
  EXPECT_EQ(v.token(Vocabulary::kPad), "<pad>");
  EXPECT_EQ(v.token(Vocabulary::kUnk), "<unk>");
  EXPECT_EQ(v.token(Vocabulary::kBos), "<bos>");
  EXPECT_EQ(v.token(Vocabulary::kEos), "<eos>");
  EXPECT_EQ(v.id("<eos>"), Vocabulary::kEos);
  EXPECT_THROW(v.token(4), std::out_of_range);
  EXPECT_THROW(v.token(-1), std::out_of_range);
}

TEST(Vocabulary, KeepsTokensSeenMinCountTimesByCountThenBytes) {
  std::vector<Tokens> sentences = {{"b", "a", "c", "z"}, {"a", "b", "d", "z"}, {"a", "<unk>"}, {"y", "x"}};
  Vocabulary v = Vocabulary::build(sentences, 2);
  // a: 3, b: 2, z: 2 (b before z by bytes); c, d, x, y once; "<unk>" is the special.
  ASSERT_EQ(v.size(), 7);
  EXPECT_EQ(v.token(4), "a");
  EXPECT_EQ(v.token(5), "b");
  EXPECT_EQ(v.token(6), "z");
  EXPECT_EQ(v.id("c"), Vocabulary::kUnk);
  Vocabulary all = Vocabulary::build(sentences, 1);
  EXPECT_EQ(all.size(), 11);
  EXPECT_EQ(all.token(7), "c"); // the ones seen once, by bytes: c d x y
  EXPECT_EQ(all.token(10), "y");
  EXPECT_THROW(Vocabulary::build({{"a\nb"}}, 1), std::invalid_argument);
  EXPECT_THROW(Vocabulary::build({{""}}, 1), std::invalid_argument);
}

TEST(Vocabulary, EncodeMapsUnknownsToUnkAndDecodeStopsAtEos) {
  Vocabulary v = Vocabulary::build({{"ein", "hund", "läuft"}}, 1);
  std::vector<int32_t> ids = v.encode({"ein", "katze", "läuft"});
  EXPECT_EQ(ids, (std::vector<int32_t>{v.id("ein"), Vocabulary::kUnk, v.id("läuft")}));
  std::vector<int32_t> generated = {Vocabulary::kBos, v.id("ein"), Vocabulary::kPad, v.id("hund"),
                                    Vocabulary::kUnk, Vocabulary::kEos, v.id("läuft")};
  EXPECT_EQ(v.decode(generated), "ein hund <unk>");
  EXPECT_EQ(v.decode({Vocabulary::kEos, v.id("ein")}), "");
  EXPECT_THROW(v.decode({99}), std::out_of_range);
}

TEST(Vocabulary, SerializeRoundTrips) {
  Vocabulary v = Vocabulary::build({{"zwei", "männer", "."}, {"zwei", "."}}, 1);
  std::string text = v.serialize();
  EXPECT_EQ(text, "<pad>\n<unk>\n<bos>\n<eos>\n.\nzwei\nmänner");
  Vocabulary back = Vocabulary::deserialize(text);
  ASSERT_EQ(back.size(), v.size());
  for (int32_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(back.token(i), v.token(i));
    EXPECT_EQ(back.id(v.token(i)), i);
  }
  EXPECT_EQ(Vocabulary::deserialize(Vocabulary().serialize()).size(), 4);
}

TEST(Vocabulary, CapKeepsTheMostFrequentTokens) {
  std::vector<Tokens> sentences = {{"b", "a", "c", "z"}, {"a", "b", "d", "z"}, {"a", "<unk>"}, {"y", "x"}};
  // By count then bytes: a b z c d x y.
  EXPECT_EQ(Vocabulary::build(sentences, 1, 6).serialize(), "<pad>\n<unk>\n<bos>\n<eos>\na\nb");
  EXPECT_EQ(Vocabulary::build(sentences, 1, 4).size(), 4);
  EXPECT_EQ(Vocabulary::build(sentences, 1, 100).size(), 11);
  EXPECT_EQ(Vocabulary::build(sentences, 2, 9).size(), 7); // min_count leaves fewer than the cap
  for (int64_t cap : {1, 3, -1})
    EXPECT_THROW(Vocabulary::build(sentences, 1, cap), std::invalid_argument) << cap;
}

TEST(Vocabulary, BothVocabulariesRoundTripThroughACheckpoint) {
  // What a parallel-data run stores (serializeVocabularies) goes into the
  // checkpoint's metadata as hex (saveCheckpoint) and comes back.
  Vocabulary src = Vocabulary::build({{"zwei", "männer", ".", "\xff"}, {"zwei", "."}}, 1);
  Vocabulary tgt = Vocabulary::build({{"two", "men", "."}}, 1);
  std::string text = gptc::serializeVocabularies(src, tgt);
  EXPECT_EQ(text, "gptc parallel vocabularies 1\nsrc 8\n" + src.serialize() + "\ntgt 7\n" + tgt.serialize());
  char name[] = "/tmp/gptc-vocab-XXXXXX";
  int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  close(fd);
  gptc::Tensor t(gptc::DType::F32, {2});
  t.fill(1);
  gptc::saveSafetensors(name, {{"w", &t}}, {{"gptc.vocab_hex", gptc::vocabToHex(text)}});
  gptc::SafetensorsFile f = gptc::loadSafetensors(name);
  std::remove(name);
  Vocabulary src2, tgt2;
  gptc::deserializeVocabularies(gptc::vocabFromHex(f.metadata.at("gptc.vocab_hex")), src2, tgt2);
  EXPECT_EQ(src2.serialize(), src.serialize());
  EXPECT_EQ(tgt2.serialize(), tgt.serialize());
  EXPECT_EQ(src2.id("\xff"), src.id("\xff"));

  // A vocabulary the size of Multi30k's (tens of thousands of entries) fits the metadata too.
  std::vector<Tokens> many(1, Tokens{});
  for (int i = 0; i < 30000; ++i)
    many[0].push_back("wort" + std::to_string(i));
  Vocabulary big = Vocabulary::build(many, 1);
  std::string bigText = gptc::serializeVocabularies(big, big);
  gptc::saveSafetensors(name, {{"w", &t}}, {{"gptc.vocab_hex", gptc::vocabToHex(bigText)}});
  gptc::SafetensorsFile g = gptc::loadSafetensors(name);
  std::remove(name);
  EXPECT_EQ(gptc::vocabFromHex(g.metadata.at("gptc.vocab_hex")), bigText);
}

TEST(Vocabulary, MalformedVocabulariesAreErrors) {
  Vocabulary a, b;
  std::string specials = Vocabulary().serialize();
  for (const std::string &text :
       {std::string(""), std::string("abcdef"), std::string("gptc parallel vocabularies 1"),
        "gptc parallel vocabularies 1\nsrc 4\n" + specials,                         // no tgt
        "gptc parallel vocabularies 1\nsrc 5\n" + specials + "\ntgt 4\n" + specials, // count too large
        "gptc parallel vocabularies 1\nsrc x\n" + specials + "\ntgt 4\n" + specials,
        "gptc parallel vocabularies 1\ntgt 4\n" + specials + "\nsrc 4\n" + specials,
        "gptc parallel vocabularies 1\nsrc 4\n" + specials + "\ntgt 4\n" + specials + "\nmore",
        "gptc parallel vocabularies 1\nsrc 3\n<pad>\n<unk>\n<bos>\ntgt 4\n" + specials})
    EXPECT_THROW(gptc::deserializeVocabularies(text, a, b), std::runtime_error) << text;
  // A language model's characters are not a translation model's vocabularies.
  try {
    gptc::deserializeVocabularies("\nabc", a, b);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("not the vocabularies of a translation model"), std::string::npos) << e.what();
  }
  gptc::deserializeVocabularies("gptc parallel vocabularies 1\nsrc 4\n" + specials + "\ntgt 4\n" + specials, a, b);
  EXPECT_EQ(a.size(), 4);
}

TEST(Vocabulary, MalformedTextIsAnError) {
  for (const std::string &text : {std::string(""), std::string("<pad>\n<unk>\n<bos>"),
                                  std::string("<unk>\n<pad>\n<bos>\n<eos>"),
                                  std::string("<pad>\n<unk>\n<bos>\n<eos>\nhund\nkatze\nhund"),
                                  std::string("<pad>\n<unk>\n<bos>\n<eos>\n<unk>"),
                                  std::string("<pad>\n<unk>\n<bos>\n<eos>\n\nhund"),
                                  std::string("<pad>\n<unk>\n<bos>\n<eos>\n")})
    EXPECT_THROW(Vocabulary::deserialize(text), std::runtime_error) << text;
  try {
    Vocabulary::deserialize("<pad>\n<unk>\n<bos>\n<eos>\nhund\nkatze\nhund");
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("entry 7 \"hund\" repeats entry 5"), std::string::npos) << e.what();
  }
}

// ---- BLEU ---------------------------------------------------------------------
// Expected values computed by hand (the n-gram counts in the comments) and
// checked against sacreBLEU 2.6.0: BLEU(tokenize="none").corpus_score(hyps, [refs])
// on the space-joined tokens gives the same score, precisions, BP and lengths.

std::vector<Tokens> split(const std::vector<std::string> &lines) {
  std::vector<Tokens> out;
  for (const std::string &line : lines)
    out.push_back(gptc::tokenize(line));
  return out;
}

TEST(Bleu, PerfectMatchIs100) {
  gptc::BleuScore s = gptc::corpusBleu(split({"the cat sat on the mat"}), split({"the cat sat on the mat"}));
  EXPECT_NEAR(s.bleu, 100.0, 1e-9);
  for (double p : s.precisions)
    EXPECT_NEAR(p, 100.0, 1e-9);
  EXPECT_EQ(s.brevityPenalty, 1.0);
  EXPECT_EQ(s.hypLength, 6);
  EXPECT_EQ(s.refLength, 6);
}

TEST(Bleu, NoCommonUnigramIsZero) {
  gptc::BleuScore s = gptc::corpusBleu(split({"a b c d e"}), split({"v w x y z"}));
  EXPECT_EQ(s.bleu, 0.0);
  for (double p : s.precisions)
    EXPECT_EQ(p, 0.0); // sacreBLEU reports no precisions when nothing matches
  EXPECT_EQ(s.brevityPenalty, 1.0);
}

TEST(Bleu, BrevityPenaltyForShortHypotheses) {
  // Every n-gram of the 5-token hypothesis matches the 6-token reference:
  // BP = exp(1 - 6/5) = exp(-0.2), BLEU = 100 * BP.
  gptc::BleuScore s = gptc::corpusBleu(split({"the cat sat on the"}), split({"the cat sat on the mat"}));
  EXPECT_NEAR(s.brevityPenalty, 0.8187307530779819, 1e-9);
  EXPECT_NEAR(s.bleu, 81.87307530779823, 1e-9);
  EXPECT_NEAR(s.ratio, 5.0 / 6.0, 1e-12);
  // An empty hypothesis: BP 0.
  gptc::BleuScore empty = gptc::corpusBleu({{}}, split({"a b"}));
  EXPECT_EQ(empty.brevityPenalty, 0.0);
  EXPECT_EQ(empty.bleu, 0.0);
}

TEST(Bleu, TwoSentenceCorpusMatchesSacreBleu) {
  // matches / totals by order, summed over both sentences:
  //   1: 5+6 / 7+7   2: 3+4 / 6+6   3: 1+2 / 5+5   4: 0+1 / 4+4; lengths 14 and 14.
  // BLEU = (11/14 * 7/12 * 3/10 * 1/8)^(1/4) * 100 = 1718750^(1/4).
  gptc::BleuScore s = gptc::corpusBleu(split({"a man is riding a horse .", "two dogs play in the snow ."}),
                                       split({"a man rides a horse .", "two dogs are playing in the snow ."}));
  EXPECT_NEAR(s.bleu, 36.20788671287914, 1e-9);
  EXPECT_NEAR(s.precisions[0], 78.57142857142857, 1e-9);
  EXPECT_NEAR(s.precisions[1], 58.333333333333336, 1e-9);
  EXPECT_NEAR(s.precisions[2], 30.0, 1e-9);
  EXPECT_NEAR(s.precisions[3], 12.5, 1e-9);
  EXPECT_EQ(s.brevityPenalty, 1.0);
  EXPECT_EQ(s.hypLength, 14);
  EXPECT_EQ(s.refLength, 14);
}

TEST(Bleu, ExpSmoothingHalvesEachFurtherEmptyOrder) {
  // First sentence alone: matches 5 3 1 0 of 7 6 5 4; p4 = 100 / (2 * 4).
  gptc::BleuScore one = gptc::corpusBleu(split({"a man is riding a horse ."}), split({"a man rides a horse ."}));
  EXPECT_NEAR(one.precisions[3], 12.5, 1e-12);
  EXPECT_NEAR(one.bleu, 30.739407647563215, 1e-9);
  EXPECT_EQ(one.brevityPenalty, 1.0); // the hypothesis is longer
  EXPECT_NEAR(one.ratio, 7.0 / 6.0, 1e-12);
  // matches 2 1 0 0 of 4 3 2 1: p3 = 100 / (2 * 2), p4 = 100 / (4 * 1).
  gptc::BleuScore two = gptc::corpusBleu(split({"the cat the dog"}), split({"the cat is here"}));
  EXPECT_NEAR(two.precisions[0], 50.0, 1e-12);
  EXPECT_NEAR(two.precisions[2], 25.0, 1e-12);
  EXPECT_NEAR(two.precisions[3], 25.0, 1e-12);
  EXPECT_NEAR(two.bleu, 31.947155212313625, 1e-9);
}

TEST(Bleu, AnOrderWithoutNGramsGivesZero) {
  // Three tokens have no 4-grams: BLEU 0 although everything matches.
  gptc::BleuScore s = gptc::corpusBleu(split({"a b c"}), split({"a b c"}));
  EXPECT_EQ(s.bleu, 0.0);
  EXPECT_NEAR(s.precisions[2], 100.0, 1e-12);
  EXPECT_EQ(s.precisions[3], 0.0);
}

TEST(Bleu, ListsOfDifferentLengthsAreAnError) {
  EXPECT_THROW(gptc::corpusBleu(split({"a", "b"}), split({"a"})), std::invalid_argument);
}

// ---- Parallel corpus ------------------------------------------------------------

/// A fresh directory under /tmp, removed with its files at the end of a test.
class TempDir {
public:
  TempDir() {
    char name[] = "/tmp/gptc-translation-XXXXXX";
    if (!mkdtemp(name))
      throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() {
    for (const std::string &f : files_)
      std::remove(f.c_str());
    rmdir(path_.c_str());
  }
  const std::string &path() const { return path_; }
  /// Writes DIR/name, gzip-compressed when the name ends in ".gz".
  std::string write(const std::string &name, const std::string &text) {
    std::string file = path_ + "/" + name;
    files_.push_back(file);
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) {
      gzFile f = gzopen(file.c_str(), "wb");
      gzwrite(f, text.data(), (unsigned)text.size());
      gzclose(f);
    } else {
      std::ofstream(file, std::ios::binary) << text;
    }
    return file;
  }

private:
  std::string path_;
  std::vector<std::string> files_;
};

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Parallel, ReadLinesFromPlainAndGzipFiles) {
  TempDir dir;
  std::string text = "eins\r\nzwei\n\ndrei"; // CRLF, an empty line, no final newline
  std::vector<std::string> expected = {"eins", "zwei", "", "drei"};
  EXPECT_EQ(gptc::readLines(dir.write("a.txt", text)), expected);
  EXPECT_EQ(gptc::readLines(dir.write("a.txt.gz", text)), expected);
  EXPECT_EQ(gptc::readLines(dir.write("b.txt", "x\n")), std::vector<std::string>{"x"});
  EXPECT_EQ(gptc::readLines(dir.write("empty.txt", "")), std::vector<std::string>{});

  EXPECT_NE(errorOf([&] { gptc::readLines(dir.path() + "/missing.txt"); }).find("missing.txt"), std::string::npos);
  EXPECT_NE(errorOf([&] { gptc::readLines(dir.path()); }).find("is a directory"), std::string::npos);
  // A gzip file cut short is reported, not read as the part before the cut.
  std::string whole = dir.write("long.gz", std::string(100000, 'x') + "\n");
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::string cut = dir.write("cut", bytes.substr(0, bytes.size() / 2)); // written as it is
  EXPECT_NE(errorOf([&] { gptc::readLines(cut); }).find("truncated gzip"), std::string::npos);
}

TEST(Parallel, LoadsPlainAndGzipSplits) {
  TempDir dir;
  dir.write("train.de", "Ein Hund läuft.\nEin Mann läuft.\nZwei Hunde.\n");
  dir.write("train.en.gz", "A dog runs.\nA man runs.\nTwo dogs.\n");
  dir.write("val.de.gz", "Ein Pferd läuft.\n");
  dir.write("val.en", "A horse runs.\n");
  // No test_2016_flickr files: the test split is empty.
  gptc::ParallelCorpus c = gptc::loadParallelCorpus(dir.path(), "de", "en", 2, false);
  EXPECT_EQ(c.dir, dir.path());
  ASSERT_EQ(c.train.src.size(), 3u);
  ASSERT_EQ(c.train.tgt.size(), 3u);
  EXPECT_EQ(c.val.src.size(), 1u);
  EXPECT_TRUE(c.test.src.empty() && c.test.tgt.empty());
  // Seen twice in train: de "ein" "läuft" "." (3), en "." "a" "runs" (3, 2, 2).
  EXPECT_EQ(c.srcVocab.serialize(), "<pad>\n<unk>\n<bos>\n<eos>\n.\nein\nläuft");
  EXPECT_EQ(c.tgtVocab.serialize(), "<pad>\n<unk>\n<bos>\n<eos>\n.\na\nruns");
  // No <bos>/<eos> in the stored sentences.
  EXPECT_EQ(c.train.src[0], c.srcVocab.encode({"ein", "hund", "läuft", "."}));
  EXPECT_EQ(c.srcVocab.decode(c.train.src[0]), "ein <unk> läuft .");
  EXPECT_EQ(c.train.tokensSrc, 4 + 4 + 3);
  EXPECT_EQ(c.train.unknownSrc, 1 + 1 + 2);
  EXPECT_EQ(c.val.tokensTgt, 4);
  EXPECT_EQ(c.val.unknownTgt, 1); // "horse"

  gptc::ParallelCorpus shared = gptc::loadParallelCorpus(dir.path(), "de", "en", 2, true);
  EXPECT_EQ(shared.srcVocab.serialize(), shared.tgtVocab.serialize());
  EXPECT_EQ(shared.srcVocab.id("ein"), shared.tgtVocab.id("ein"));
  EXPECT_NE(shared.srcVocab.id("runs"), Vocabulary::kUnk);
}

TEST(Parallel, VocabularyCapsTurnRarerTokensIntoUnk) {
  TempDir dir;
  dir.write("train.de", "Ein Hund läuft.\nEin Mann läuft.\nZwei Hunde.\n");
  dir.write("train.en", "A dog runs.\nA man runs.\nTwo dogs.\n");
  // de by count: "." 3, "ein" 2, "läuft" 2; a cap of 6 keeps "." and "ein".
  gptc::ParallelCorpus c = gptc::loadParallelCorpus(dir.path(), "de", "en", 1, false, 6, 0);
  EXPECT_EQ(c.srcVocab.size(), 6);
  EXPECT_EQ(c.srcVocab.id("läuft"), Vocabulary::kUnk);
  EXPECT_EQ(c.srcVocab.decode(c.train.src[0]), "ein <unk> <unk> .");
  EXPECT_EQ(c.train.unknownSrc, 2 + 2 + 2);
  EXPECT_EQ(c.tgtVocab.size(), 4 + 7); // no cap: a . runs dog man two dogs
  // Shared: the smaller nonzero cap, so every id fits both embeddings.
  gptc::ParallelCorpus shared = gptc::loadParallelCorpus(dir.path(), "de", "en", 1, true, 0, 5);
  EXPECT_EQ(shared.srcVocab.size(), 5);
  EXPECT_EQ(shared.tgtVocab.size(), 5);
  EXPECT_EQ(gptc::loadParallelCorpus(dir.path(), "de", "en", 1, true, 7, 5).srcVocab.size(), 5);
  EXPECT_THROW(gptc::loadParallelCorpus(dir.path(), "de", "en", 1, false, 2, 0), std::invalid_argument);
}

TEST(Parallel, MismatchedLineCountsNameBothFilesAndCounts) {
  TempDir dir;
  dir.write("train.de", "a\nb\nc\n");
  dir.write("train.en.gz", "a\nb\n");
  std::string message = errorOf([&] { gptc::loadParallelCorpus(dir.path(), "de", "en", 1, false); });
  EXPECT_NE(message.find("train.de has 3 lines"), std::string::npos) << message;
  EXPECT_NE(message.find("train.en.gz has 2"), std::string::npos) << message;
}

TEST(Parallel, MissingOrEmptyTrainIsAnError) {
  TempDir dir;
  std::string message = errorOf([&] { gptc::loadParallelCorpus(dir.path(), "de", "en", 1, false); });
  EXPECT_NE(message.find(dir.path() + "/train.de or " + dir.path() + "/train.de.gz"), std::string::npos)
      << message;
  dir.write("train.de", "a\n");
  message = errorOf([&] { gptc::loadParallelCorpus(dir.path(), "de", "en", 1, false); });
  EXPECT_NE(message.find("train.en.gz"), std::string::npos) << message;
  dir.write("train.en", "");
  dir.write("train.de", "");
  message = errorOf([&] { gptc::loadParallelCorpus(dir.path(), "de", "en", 1, false); });
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
  // Half a val split is an error too.
  dir.write("train.de", "a\n");
  dir.write("train.en", "a\n");
  dir.write("val.en", "a\n");
  message = errorOf([&] { gptc::loadParallelCorpus(dir.path(), "de", "en", 1, false); });
  EXPECT_NE(message.find("val.de"), std::string::npos) << message;
}

TEST(Parallel, Multi30kWhenPresent) {
  const std::string dir = "/work/shared/data/multi30k";
  struct stat st;
  if (stat(dir.c_str(), &st) != 0)
    GTEST_SKIP() << dir << " is not here";
  gptc::ParallelCorpus c = gptc::loadParallelCorpus(dir, "de", "en", 2, false);
  EXPECT_EQ(c.train.src.size(), 29000u);
  EXPECT_EQ(c.val.src.size(), 1014u);
  EXPECT_EQ(c.test.src.size(), 1000u);
  std::printf("Multi30k: %zu / %zu / %zu pairs; minCount 2 vocabularies: de %lld, en %lld; "
              "train tokens de %lld (%lld unknown), en %lld (%lld unknown)\n",
              c.train.src.size(), c.val.src.size(), c.test.src.size(), (long long)c.srcVocab.size(),
              (long long)c.tgtVocab.size(), (long long)c.train.tokensSrc, (long long)c.train.unknownSrc,
              (long long)c.train.tokensTgt, (long long)c.train.unknownTgt);
  EXPECT_GE(c.srcVocab.size(), 5000);
  EXPECT_LE(c.srcVocab.size(), 9000);
  EXPECT_GE(c.tgtVocab.size(), 5000);
  EXPECT_LE(c.tgtVocab.size(), 9000);
}

// ---- Buckets ------------------------------------------------------------------

/// A split whose pair i has srcLens[i] and tgtLens[i] tokens (all id 4).
gptc::ParallelSplit splitOfLengths(const std::vector<size_t> &srcLens, const std::vector<size_t> &tgtLens) {
  gptc::ParallelSplit s;
  for (size_t n : srcLens)
    s.src.emplace_back(n, 4);
  for (size_t n : tgtLens)
    s.tgt.emplace_back(n, 4);
  return s;
}

TEST(Parallel, BucketsTakeEachPairInTheSmallestFittingBucket) {
  // Listed out of order: the smallest fitting bucket wins, not the first.
  std::vector<gptc::Bucket> buckets = {{32, 32}, {8, 8}, {16, 16}};
  // Pair 1 needs (8, 8) exactly; pair 2 needs 9 source positions; pair 3 fits nowhere.
  gptc::ParallelSplit s = splitOfLengths({3, 7, 8, 40, 20, 0}, {3, 7, 2, 1, 31, 0});
  int64_t dropped = -1;
  std::vector<gptc::BucketBatch> batches = gptc::bucketBatches(s, buckets, 10, 0, false, &dropped);
  EXPECT_EQ(dropped, 1);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].bucket, 0);
  EXPECT_EQ(batches[0].examples, (std::vector<int64_t>{4}));
  EXPECT_EQ(batches[1].bucket, 1);
  EXPECT_EQ(batches[1].examples, (std::vector<int64_t>{0, 1, 5}));
  EXPECT_EQ(batches[2].bucket, 2);
  EXPECT_EQ(batches[2].examples, (std::vector<int64_t>{2}));
  EXPECT_NO_THROW(gptc::bucketBatches(s, buckets, 10, 0, false, nullptr));
}

TEST(Parallel, BatchesNeverMixBucketsAndAreDeterministicForASeed) {
  std::vector<size_t> srcLens, tgtLens;
  for (size_t i = 0; i < 1000; ++i) {
    srcLens.push_back(i * 7 % 40);
    tgtLens.push_back(i * 13 % 40);
  }
  gptc::ParallelSplit s = splitOfLengths(srcLens, tgtLens);
  std::vector<gptc::Bucket> buckets = {{10, 10}, {20, 20}, {30, 30}};
  int64_t dropped = 0;
  std::vector<gptc::BucketBatch> a = gptc::bucketBatches(s, buckets, 16, 7, true, &dropped);
  std::set<int64_t> seen;
  for (const gptc::BucketBatch &b : a) {
    ASSERT_GE(b.bucket, 0);
    ASSERT_LT(b.bucket, 3);
    EXPECT_LE(b.examples.size(), 16u);
    for (int64_t i : b.examples) {
      EXPECT_TRUE(seen.insert(i).second) << "example " << i << " twice";
      const gptc::Bucket &shape = buckets[b.bucket];
      EXPECT_LE(s.src[i].size() + 1, (size_t)shape.srcLen);
      EXPECT_LE(s.tgt[i].size() + 1, (size_t)shape.tgtLen);
      if (b.bucket > 0) { // it did not fit the next smaller bucket
        EXPECT_TRUE(s.src[i].size() + 1 > (size_t)buckets[b.bucket - 1].srcLen ||
                    s.tgt[i].size() + 1 > (size_t)buckets[b.bucket - 1].tgtLen);
      }
    }
  }
  EXPECT_EQ((int64_t)seen.size() + dropped, 1000);
  EXPECT_GT(dropped, 0);

  auto same = [](const std::vector<gptc::BucketBatch> &x, const std::vector<gptc::BucketBatch> &y) {
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].bucket != y[i].bucket || x[i].examples != y[i].examples)
        return false;
    return true;
  };
  EXPECT_TRUE(same(a, gptc::bucketBatches(s, buckets, 16, 7, true, nullptr)));
  EXPECT_FALSE(same(a, gptc::bucketBatches(s, buckets, 16, 8, true, nullptr)));
  // Without shuffling: bucket by bucket, examples in index order.
  std::vector<gptc::BucketBatch> ordered = gptc::bucketBatches(s, buckets, 16, 7, false, nullptr);
  for (size_t i = 1; i < ordered.size(); ++i) {
    EXPECT_LE(ordered[i - 1].bucket, ordered[i].bucket);
    EXPECT_TRUE(std::is_sorted(ordered[i].examples.begin(), ordered[i].examples.end()));
  }
}

TEST(Parallel, BucketArgumentsAreChecked) {
  gptc::ParallelSplit s = splitOfLengths({1}, {1});
  EXPECT_THROW(gptc::bucketBatches(s, {{4, 4}}, 0, 0, false, nullptr), std::invalid_argument);
  EXPECT_THROW(gptc::bucketBatches(s, {{0, 4}}, 1, 0, false, nullptr), std::invalid_argument);
  EXPECT_THROW(gptc::bucketBatches(splitOfLengths({1}, {}), {{4, 4}}, 1, 0, false, nullptr),
               std::invalid_argument);
}

TEST(Parallel, PaddingFractionCountsPartialBatchesAsFull) {
  // Bucket (4, 6), batch 2: pairs of 3+5 and 1+1 tokens fill the first batch
  // (10 and 4 positions with <eos> and <bos>, of 2 * 10 computed); pair 2
  // (2+2 tokens, 6 positions) is alone in the second, also computed as 2 * 10.
  // Tokens in 20 of 40 positions.
  gptc::ParallelSplit s = splitOfLengths({3, 1, 2}, {5, 1, 2});
  std::vector<gptc::Bucket> buckets = {{4, 6}};
  std::vector<gptc::BucketBatch> batches = gptc::bucketBatches(s, buckets, 2, 0, false, nullptr);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_NEAR(gptc::paddingFraction(s, buckets, batches, 2), 0.5, 1e-12);
  EXPECT_EQ(gptc::paddingFraction(s, buckets, {}, 2), 0.0);
}

} // namespace

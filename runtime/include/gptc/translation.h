// Data for sequence-to-sequence translation (Multi30k German->English and
// corpora laid out like it): a word tokenizer, word vocabularies with the
// specials <pad> <unk> <bos> <eos>, a loader for line-aligned parallel text
// files (plain or gzip), corpus BLEU computed as sacreBLEU does, and batches
// of similar-length sentence pairs cut to a few fixed (compiled) shapes.
#ifndef GPTC_RUNTIME_TRANSLATION_H
#define GPTC_RUNTIME_TRANSLATION_H

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gptc {

/// The words and symbols of one line: Python's
///   re.findall(r"\w+|[^\w\s]", line.lower())
/// that is, lowercase, then each run of word characters is a token, every
/// other non-whitespace character is a token of its own. Exactly equal to the
/// Python for text in Latin (ASCII, Latin-1, Latin Extended-A and -B, IPA),
/// Greek and Cyrillic (code points below U+0500) with any Unicode whitespace,
/// with one exception: a word-final capital sigma lowercases to 'σ' here, to
/// 'ς' in Python. Code points from U+0500 up (other scripts, typographic
/// quotes and dashes), whitespace aside, are one-character tokens; for letters
/// of other scripts that differs from Python, which would join them into
/// words. Lowercasing is Python's: 'ß' stays 'ß', 'İ' becomes 'i' followed by
/// U+0307 (a combining dot, so a token of its own). A byte that is not part of
/// valid UTF-8 is a one-byte token (Python's errors="surrogateescape" gives
/// the same tokens); the tokens of valid UTF-8 are valid UTF-8.
std::vector<std::string> tokenize(std::string_view line);

/// The tokens joined by single spaces: a line of tokenized text.
std::string joinTokens(const std::vector<std::string> &tokens);

/// Words <-> ids. Ids 0..3 are the specials; words follow by frequency.
class Vocabulary {
public:
  static constexpr int32_t kPad = 0, kUnk = 1, kBos = 2, kEos = 3;

  /// Just the four specials "<pad>" "<unk>" "<bos>" "<eos>".
  Vocabulary();

  /// The specials, then every token seen at least `minCount` times in
  /// `sentences`, by descending count, ties by the token's bytes, at most
  /// `maxSize` entries in all (specials included; 0: no cap), so a cap keeps
  /// the most frequent tokens. A token spelled like a special is counted as
  /// that special (it adds no entry). Throws std::invalid_argument on an empty
  /// token or one containing '\n' (tokenize never makes either; serialize
  /// could not store them), or on a cap other than 0 below 4 (the specials).
  static Vocabulary build(const std::vector<std::vector<std::string>> &sentences, int64_t minCount,
                          int64_t maxSize = 0);

  /// The id of `token`, kUnk when it is not in the vocabulary.
  int32_t id(const std::string &token) const;
  /// The token of `id`; throws std::out_of_range outside 0..size()-1.
  const std::string &token(int32_t id) const;
  /// Number of ids, specials included.
  int64_t size() const { return (int64_t)tokens_.size(); }

  /// The ids of `tokens` (kUnk for unknown ones), without <bos>/<eos>.
  std::vector<int32_t> encode(const std::vector<std::string> &tokens) const;
  /// The tokens of `ids` joined by single spaces, stopping at the first
  /// <eos> and skipping <pad> and <bos>; <unk> is written "<unk>". Throws
  /// std::out_of_range on an id outside the vocabulary.
  std::string decode(const std::vector<int32_t> &ids) const;

  /// The tokens in id order joined by '\n' (no trailing newline).
  std::string serialize() const;
  /// The inverse of serialize; throws std::runtime_error when the text does
  /// not start with the four specials or holds an empty or duplicate token.
  static Vocabulary deserialize(const std::string &text);

private:
  /// Appends `token` as the next id (the caller ensures it is new).
  void add(const std::string &token);

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
};

/// The lines of a text file, plain or gzip-compressed (either is read by
/// content, whatever the name); "\n" ends a line, a trailing '\r' is removed,
/// and a last line without "\n" still counts. Throws std::runtime_error naming
/// the file when it is missing, a directory, or a corrupt or truncated gzip.
std::vector<std::string> readLines(const std::string &path);

/// DIR/<split>.<lang>, or else DIR/<split>.<lang>.gz: the file of one side of
/// a corpus split; "" when neither exists.
std::string findCorpusFile(const std::string &dir, const std::string &split, const std::string &lang);

/// One split of a parallel corpus: src[i] translates to tgt[i]. Sentences are
/// ids without <bos>/<eos> (the caller adds them).
struct ParallelSplit {
  std::vector<std::vector<int32_t>> src, tgt;
  int64_t unknownSrc = 0, unknownTgt = 0; // tokens that became <unk>
  int64_t tokensSrc = 0, tokensTgt = 0;   // all tokens, <unk> included
};

struct ParallelCorpus {
  Vocabulary srcVocab, tgtVocab;
  ParallelSplit train, val, test;
  std::string dir;
};

/// Loads DIR/{train,val,test_2016_flickr}.{srcLang,tgtLang}, each file plain
/// or, when the plain name is missing, DIR/<split>.<lang>.gz. Lines are
/// tokenized with tokenize(); the vocabularies come from the train split only,
/// keeping tokens seen at least `minCount` times, at most `srcCap` / `tgtCap`
/// entries with the specials (0: no cap; tokens past the cap are <unk> in
/// every split). sharedVocab: one vocabulary built from both sides, used for
/// both, capped by the smaller nonzero cap (its ids must fit both the source
/// and the target embedding). Throws std::invalid_argument on a cap other
/// than 0 below 4.
/// The two files of a split must have
/// the same number of lines. A val or test split whose two files are both
/// missing is left empty; train is required and must not be empty. Throws
/// std::runtime_error naming the files: the paths tried for a missing file,
/// both files and both line counts for a mismatch.
ParallelCorpus loadParallelCorpus(const std::string &dir, const std::string &srcLang, const std::string &tgtLang,
                                  int64_t minCount, bool sharedVocab, int64_t srcCap = 0, int64_t tgtCap = 0);

/// Both vocabularies of a translation model in one text (what its checkpoints
/// store, so translating needs no data): "gptc parallel vocabularies 1", then
/// "src N" and N lines (Vocabulary::serialize), then "tgt M" and M lines.
std::string serializeVocabularies(const Vocabulary &src, const Vocabulary &tgt);
/// The inverse of serializeVocabularies; throws std::runtime_error saying
/// what is malformed (another header, a count that does not match the lines,
/// a bad vocabulary).
void deserializeVocabularies(const std::string &text, Vocabulary &src, Vocabulary &tgt);

/// Corpus BLEU of tokenized hypotheses against one tokenized reference each.
struct BleuScore {
  double bleu = 0;                     // 0..100
  double precisions[4] = {0, 0, 0, 0}; // orders 1..4, 0..100, smoothed as sacreBLEU
  double brevityPenalty = 0;
  double ratio = 0; // hypLength / refLength (0 when refLength is 0)
  int64_t hypLength = 0, refLength = 0;
};

/// BLEU-4 exactly as sacreBLEU's corpus_score with tokenize="none" and the
/// default smooth_method="exp" on the space-joined tokens: clipped n-gram
/// matches and n-gram totals summed over the corpus; precision
/// p_n = 100 * matches_n / total_n, or, when matches_n is 0, 100 / (2^k *
/// total_n) for the k-th such order; BP = exp(1 - refLength / hypLength) when
/// hypLength < refLength (0 when hypLength is 0), else 1; BLEU = BP *
/// exp(mean of log p_n). BLEU is 0 (and so are all precisions) when no n-gram
/// matches, and 0 when some order has no n-grams at all (that order's
/// precision and the higher ones are then reported as 0). Throws
/// std::invalid_argument when the lists differ in length.
BleuScore corpusBleu(const std::vector<std::vector<std::string>> &hypotheses,
                     const std::vector<std::vector<std::string>> &references);

/// A compiled shape: source positions (sentence + <eos>) and target positions
/// (decoder input <bos> + sentence, labels sentence + <eos>).
struct Bucket {
  int64_t srcLen, tgtLen;
};

/// A batch of example indices, all from one bucket.
struct BucketBatch {
  int64_t bucket; // index into the buckets given to bucketBatches
  std::vector<int64_t> examples;
};

/// Puts pair i in the fitting bucket (srcLen >= |src[i]| + 1 and tgtLen >=
/// |tgt[i]| + 1) with the fewest positions (srcLen + tgtLen; the earlier one
/// in `buckets` on a tie); pairs that fit no bucket are left out and counted
/// in *dropped (when `dropped` is not null). Each bucket's examples, in index
/// order or shuffled, are cut into batches of `batch` (the last one may be
/// smaller). Batches come bucket by bucket or, when shuffling, in a shuffled
/// order. Shuffles are Fisher-Yates on std::mt19937_64(seed), the same with
/// every standard library; pass a different seed for each epoch. Throws
/// std::invalid_argument when batch < 1, a bucket length is < 1, or src and
/// tgt differ in length.
std::vector<BucketBatch> bucketBatches(const ParallelSplit &split, const std::vector<Bucket> &buckets,
                                       int64_t batch, uint64_t seed, bool shuffle, int64_t *dropped);

/// The fraction of computed positions that are padding: every batch costs
/// batch * (srcLen + tgtLen) positions of its bucket (a smaller last batch is
/// computed at full size, the compiled shape being fixed), of which
/// |src| + 1 + |tgt| + 1 per example hold tokens. 0 for no batches. Throws
/// std::out_of_range on a bucket or example index outside `buckets` or `split`.
double paddingFraction(const ParallelSplit &split, const std::vector<Bucket> &buckets,
                       const std::vector<BucketBatch> &batches, int64_t batch);

} // namespace gptc

#endif

// `train prepare`: a text file into nanoGPT-style token files (train.bin,
// val.bin, meta.json), so a corpus is read and split once.
#include "gptc/commands.h"
#include "gptc/text.h"

#include <cstdio>

namespace gptc {

void addPrepareOptions(CLI::App &prepare, PrepareOptions &o) {
  prepare.add_option("--data", o.data, "the text file")->required()->type_name("FILE");
  prepare.add_option("--out", o.out, "the directory to write (created if missing)")->required()->type_name("DIR");
}

int runPrepare(const PrepareOptions &o) {
  TokenData d = loadTextFile(o.data);
  writeTokenDir(d, o.out);
  std::printf("wrote %s/train.bin (%zu tokens), %s/val.bin (%zu tokens), %s/meta.json (vocabulary %zu)\n",
              o.out.c_str(), d.train.size(), o.out.c_str(), d.val.size(), o.out.c_str(), d.vocab.size());
  return 0;
}

} // namespace gptc

# parallel data must say how big the embeddings are, so every token id fits.
# RUN: not %gptc %s 2>&1 | FileCheck %s
# CHECK: parallel-vocab.dsl:10:10: error: 'parallel' needs the vocabulary sizes the model's embeddings have: src_vocab = N, tgt_vocab = M
model m(src: i32[B, 8], tgt: i32[B, 8], labels: i32[B, 8]) {
  param emb: f32[10, 4] = normal(0, 1)
  out = embedding(tgt, emb) @ transpose(emb) + sum(embedding(src, emb))
  loss = cross_entropy(out, labels, ignore = 0)
}
train {
  data = parallel("multi30k", src = "de", tgt = "en")
  batch = 2
}

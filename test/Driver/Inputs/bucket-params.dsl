# A learned position table as long as the source: its shape changes per bucket.
config { src_len = 8  tgt_len = 8 }
model m(src: i32[B, src_len], tgt: i32[B, tgt_len], labels: i32[B, tgt_len]) {
  param emb: f32[10, 4] = normal(0, 1)
  param pos: f32[src_len, 4] = normal(0, 1)
  memory = sum(embedding(src, emb) + pos)
  out = embedding(tgt, emb) @ transpose(emb) + memory
  loss = cross_entropy(out, labels, ignore = 0)
}
train { data = parallel("nowhere", src_vocab = 10, tgt_vocab = 10)  buckets = [(4, 4), (8, 8)]  batch = 2 }

# Bucket lengths must be config constants: here the source length is a number.
config { tgt_len = 8 }
model m(src: i32[B, 8], tgt: i32[B, tgt_len], labels: i32[B, tgt_len]) {
  param emb: f32[10, 4] = normal(0, 1)
  out = embedding(tgt, emb) @ transpose(emb)
  loss = cross_entropy(out, labels, ignore = 0)
}
train {
  data = parallel("nowhere", src_vocab = 10, tgt_vocab = 10)
  buckets = [(4, 4), (8, 8)]
  batch = 2
}

# The base model of "Attention is all you need" (Vaswani et al., 2017, table 3):
# 6 encoder and 6 decoder layers, d_model 512, 8 heads, a feed-forward of 2048,
# dropout 0.1, label smoothing 0.1, one vocabulary shared by both languages with
# the source embedding, the target embedding and the output projection all one
# matrix (the paper's section 3.4), and the paper's learning-rate schedule
# (warmup 4000, Adam betas (0.9, 0.98), eps 1e-9). Its full training is a GPU
# job; on a CPU it compiles, passes gradient checks at a small size, and trains:
#
#   gptc examples/transformer_base.dsl -o base
#   ./base --data DIR --steps 300
config {
  vocab     = 13000   # German and English words seen at least twice, one vocabulary
  src_len   = 48
  tgt_len   = 48
  n_layer   = 6
  d_model   = 512
  n_head    = 8
  d_ff      = 2048
  dropout   = 0.1
  pad       = 0
}

block attention(x, memory, keys) {
  q = heads(linear(x, d_model, name = q), n_head)
  k = heads(linear(memory, d_model, name = k), n_head)
  v = heads(linear(memory, d_model, name = v), n_head)
  scores = padding_mask((q @ transpose(k)) / sqrt(d_model / n_head), keys, pad)
  return linear(merge_heads(dropout(softmax(scores)) @ v), d_model, name = out)
}

block causal_attention(x, keys) {
  q = heads(linear(x, d_model, name = q), n_head)
  k = heads(linear(x, d_model, name = k), n_head)
  v = heads(linear(x, d_model, name = v), n_head)
  scores = causal_mask(padding_mask((q @ transpose(k)) / sqrt(d_model / n_head), keys, pad))
  return linear(merge_heads(dropout(softmax(scores)) @ v), d_model, name = out)
}

block feed_forward(x) {
  return linear(dropout(relu(linear(x, d_ff, name = w_1))), d_model, name = w_2)
}

block encoder_layer(x, src) {
  x = layernorm(x + dropout(attention(x, x, src, name = self_attn)), name = ln_1)
  return layernorm(x + dropout(feed_forward(x)), name = ln_2)
}

block decoder_layer(y, memory, src, tgt) {
  y = layernorm(y + dropout(causal_attention(y, tgt, name = self_attn)), name = ln_1)
  y = layernorm(y + dropout(attention(y, memory, src, name = cross_attn)), name = ln_2)
  return layernorm(y + dropout(feed_forward(y)), name = ln_3)
}

model transformer(src: i32[B, src_len], tgt: i32[B, tgt_len], labels: i32[B, tgt_len]) {
  param emb: f32[vocab, d_model] = normal(0, d_model ^ -0.5)   # shared: source, target, output
  x = dropout(embedding(src, emb) * sqrt(d_model) + sinusoidal(src_len, d_model))
  repeat n_layer {
    x = encoder_layer(x, src, name = encoder)
  }
  y = dropout(embedding(tgt, emb) * sqrt(d_model) + sinusoidal(tgt_len, d_model))
  repeat n_layer {
    y = decoder_layer(y, x, src, tgt, name = decoder)
  }
  out  = linear(y, vocab, bias = 0, tied = emb)
  loss = cross_entropy(out, labels, ignore = pad, smoothing = 0.1)
}

train {
  data      = parallel("multi30k", src = "de", tgt = "en", min_count = 2, shared_vocab = 1,
                       src_vocab = vocab, tgt_vocab = vocab)
  batch     = 64
  epochs    = 10
  optimizer = adamw(lr = 1, betas = (0.9, 0.98), eps = 1e-9, weight_decay = 0)   # Adam; lr comes from noam
  schedule  = noam(d_model, warmup = 4000)
  clip      = 0
}

# The encoder-decoder Transformer of "Attention is all you need" (Vaswani et
# al., 2017), sized for Multi30k German -> English as the well-known PyTorch
# re-implementations: 3 encoder and 3 decoder layers, d_model 256, 8 heads, a
# feed-forward of 512, dropout 0.1. Post-norm layers (the paper's
# LayerNorm(x + Sublayer(x))), sinusoidal positions, embeddings scaled by
# sqrt(d_model), the output projection tied to the target embedding, label
# smoothing 0.1. Every line is editable.
#
#   gptc examples/translate_multi30k.dsl -o translate
#   ./translate --data DIR --save de-en.ckpt          # DIR: train/val/test_2016_flickr.{de,en}[.gz]
#   echo "Ein Mann fährt Fahrrad." | ./translate translate --ckpt de-en.ckpt --beam 5
#   ./translate bleu --ckpt de-en.ckpt --data DIR --split test --beam 5
config {
  src_vocab = 7882    # German words seen at least twice in train, with <pad> <unk> <bos> <eos>
  tgt_vocab = 5898    # English, likewise (the loader keeps at most this many)
  src_len   = 48      # source tokens + <eos> (the longest Multi30k sentence has 45)
  tgt_len   = 48      # <bos> + target tokens (labels: tokens + <eos>); the train
                      # section's buckets compile shorter shapes too
  n_layer   = 3
  d_model   = 256
  n_head    = 8
  d_ff      = 512
  dropout   = 0.1
  pad       = 0       # the id of <pad>
}

# Multi-head attention: queries from x, keys and values from memory (x itself
# for self-attention); keys whose token is padding are hidden from every query.
block attention(x, memory, keys) {
  q = heads(linear(x, d_model, name = q), n_head)          # [B, n_head, Tq, d_model / n_head]
  k = heads(linear(memory, d_model, name = k), n_head)     # [B, n_head, Tk, d_model / n_head]
  v = heads(linear(memory, d_model, name = v), n_head)
  scores = padding_mask((q @ transpose(k)) / sqrt(d_model / n_head), keys, pad)
  y = merge_heads(dropout(softmax(scores)) @ v)            # [B, Tq, d_model]
  return linear(y, d_model, name = out)
}

# The decoder's self-attention: position t also cannot see positions after t.
block causal_attention(x, keys) {
  q = heads(linear(x, d_model, name = q), n_head)
  k = heads(linear(x, d_model, name = k), n_head)
  v = heads(linear(x, d_model, name = v), n_head)
  scores = causal_mask(padding_mask((q @ transpose(k)) / sqrt(d_model / n_head), keys, pad))
  y = merge_heads(dropout(softmax(scores)) @ v)
  return linear(y, d_model, name = out)
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

# src: German ids + <eos>; tgt: <bos> + English ids; labels: English ids + <eos>
# (all padded with <pad>, which the loss ignores).
model transformer(src: i32[B, src_len], tgt: i32[B, tgt_len], labels: i32[B, tgt_len]) {
  param src_emb: f32[src_vocab, d_model] = normal(0, d_model ^ -0.5)
  param tgt_emb: f32[tgt_vocab, d_model] = normal(0, d_model ^ -0.5)
  x = dropout(embedding(src, src_emb) * sqrt(d_model) + sinusoidal(src_len, d_model))
  repeat n_layer {
    x = encoder_layer(x, src, name = encoder)
  }
  y = dropout(embedding(tgt, tgt_emb) * sqrt(d_model) + sinusoidal(tgt_len, d_model))
  repeat n_layer {
    y = decoder_layer(y, x, src, tgt, name = decoder)
  }
  out  = linear(y, tgt_vocab, bias = 0, tied = tgt_emb)    # logits [B, tgt_len, tgt_vocab]
  loss = cross_entropy(out, labels, ignore = pad, smoothing = 0.1)
}

train {
  data      = parallel("multi30k", src = "de", tgt = "en", min_count = 2,
                       src_vocab = src_vocab, tgt_vocab = tgt_vocab)   # or ./translate --data DIR
  batch     = 128
  buckets   = [(10, 10), (12, 11), (13, 13), (15, 14),   # (src_len, tgt_len): a batch takes the
               (17, 16), (19, 18), (21, 20), (26, 25),   # shortest that fits its longest pair
               (27, 22), (30, 30), (48, 48)]
  epochs    = 13
  optimizer = adamw(lr = 5e-4, betas = (0.9, 0.98), eps = 1e-9, weight_decay = 0)   # Adam
  schedule  = cosine(warmup = 200, min_lr = 1e-5)   # to min_lr at the last step
  clip      = 1.0
}

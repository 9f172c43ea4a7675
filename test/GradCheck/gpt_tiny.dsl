# Finite-difference check of the whole GPT example at toy size, dropout on, in f64 (tolerance 1e-5:
# central differences through 2 layers of layernorm and softmax carry ~1e-6 truncation error): token and
# position embeddings, weight tying, layernorm, causal attention, gelu MLP, cross_entropy.
# REQUIRES: shakespeare
# RUN: %gptc %examples/gpt_char.dsl --dtype=f64 -o %t -D n_layer=2 -D n_head=2 -D n_embd=8 -D block=6 -D batch=2 -D dropout=0.1
# RUN: %t --data %shakespeare --gradcheck --gradcheck-samples 8 --gradcheck-tol 1e-5 | FileCheck %s
# CHECK: gradcheck wte
# CHECK: gradcheck layer.1.attn.c_attn.weight
# CHECK: "gradcheck":"pass"

// The manifest reader: what the compiler writes parses into the runtime's model
// description; anything else is refused with a message naming the key.
#include "gptc/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace {

using nlohmann::json;

json goodManifest() {
  return json::parse(R"({
    "gptc_manifest": 3, "dtype": "f64", "model": "mlp",
    "inputs": [{"name": "x", "dtype": "f64", "shape": [10, 784]}, {"name": "y", "dtype": "i32", "shape": [10]}],
    "params": [{"name": "w1", "shape": [784, 30], "init": "normal", "a": 0, "b": 0.5}],
    "output": {"shape": [10, 10]},
    "rng": false,
    "train": {"data": "idx_images", "data_dir": "/some dir/with space", "batch": 10, "epochs": 3, "steps": 0,
              "seed": 7, "validation": 100, "eval_interval": 0, "eval_iters": 0, "grad_accum": 1, "clip": 0,
              "optimizer": "adamw", "lr": 0.001, "momentum": 0, "weight_decay": 0.1, "beta1": 0.9, "beta2": 0.99,
              "eps": 1e-8, "schedule": "cosine", "warmup": 5, "decay_steps": 0, "min_lr": 0.0001,
              "noam_d_model": 0, "noam_scale": 1, "src_lang": "de", "tgt_lang": "en", "min_count": 2,
              "src_vocab": 0, "tgt_vocab": 0, "shared_vocab": false, "buckets": []}
  })");
}

std::string errorOf(const json &j) {
  try {
    gptc::parseManifest(j.dump());
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "(parsed)";
}

TEST(Manifest, ParsesEveryKey) {
  gptc::Manifest m = gptc::parseManifest(goodManifest().dump());
  EXPECT_EQ(m.floatType, gptc::DType::F64);
  EXPECT_EQ(m.model, "mlp");
  ASSERT_EQ(m.inputs.size(), 2u);
  EXPECT_EQ(m.inputs[0].dtype, gptc::DType::F64);
  EXPECT_EQ(m.inputs[1].dtype, gptc::DType::I32);
  EXPECT_EQ(m.inputs[1].shape, (std::vector<int64_t>{10}));
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].init, gptc::InitKind::Normal);
  EXPECT_EQ(m.params[0].b, 0.5);
  EXPECT_EQ(m.params[0].shape, (std::vector<int64_t>{784, 30}));
  EXPECT_TRUE(m.hasOutput);
  EXPECT_EQ(m.train.optimizer, gptc::OptimizerKind::AdamW);
  EXPECT_EQ(m.stateNames(), (std::vector<std::string>{"m", "v"}));
  EXPECT_EQ(m.train.beta2, 0.99);
  EXPECT_EQ(m.train.dataDir, "/some dir/with space");
  EXPECT_EQ(m.train.seed, 7);
  EXPECT_EQ(m.train.schedule, gptc::ScheduleKind::Cosine);
  EXPECT_EQ(m.train.warmup, 5);
  EXPECT_EQ(m.train.minLr, 0.0001);
}

TEST(Manifest, WritesWhatItReads) {
  gptc::Manifest m = gptc::parseManifest(goodManifest().dump());
  EXPECT_EQ(json::parse(gptc::manifestToJson(m)), goodManifest());
}

TEST(Manifest, TargetAndMatmulPrecision) {
  json j = goodManifest();
  EXPECT_FALSE(gptc::parseManifest(j.dump()).cuda);
  EXPECT_FALSE(gptc::parseManifest(j.dump()).bf16Matmuls);
  j["target"] = "cuda";
  j["matmul_precision"] = "bf16";
  gptc::Manifest m = gptc::parseManifest(j.dump());
  EXPECT_TRUE(m.cuda);
  EXPECT_TRUE(m.bf16Matmuls);
  EXPECT_EQ(json::parse(gptc::manifestToJson(m)), j);
  j["matmul_precision"] = "fp8";
  EXPECT_EQ(errorOf(j), "model manifest: manifest.matmul_precision: 'fp8', but this runtime knows only 'bf16' (absent: f32)");
}

TEST(Manifest, RejectsUnknownKeys) {
  json j = goodManifest();
  j["train"]["learning_rate"] = 0.1;
  EXPECT_EQ(errorOf(j), "model manifest: train: unknown key 'learning_rate'");
  j = goodManifest();
  j["params"][0]["std"] = 1;
  EXPECT_EQ(errorOf(j), "model manifest: params[0]: unknown key 'std'");
}

TEST(Manifest, RejectsMissingKeysAndWrongTypes) {
  json j = goodManifest();
  j["train"].erase("batch");
  EXPECT_EQ(errorOf(j), "model manifest: train: missing key 'batch'");
  j = goodManifest();
  j["train"]["batch"] = "ten";
  EXPECT_EQ(errorOf(j), "model manifest: train.batch: expected an integer");
  j = goodManifest();
  j["train"]["optimizer"] = "lion";
  EXPECT_EQ(errorOf(j), "model manifest: train.optimizer: 'lion' is not one of sgd or adamw");
  j = goodManifest();
  j["inputs"][0]["shape"] = {10, -1};
  EXPECT_EQ(errorOf(j), "model manifest: inputs[0].shape: expected positive integer dimensions");
}

TEST(Manifest, RejectsOtherVersionsAndText) {
  json j = goodManifest();
  j["gptc_manifest"] = 1;
  EXPECT_EQ(errorOf(j), "model manifest: manifest.gptc_manifest: version 1, but this runtime reads version 3 "
                        "(recompile the model)");
  EXPECT_THROW(gptc::parseManifest("gptc-manifest 1\nbatch 10\n"), std::runtime_error);
  EXPECT_THROW(gptc::parseManifest("[1, 2]"), std::runtime_error);
}

} // namespace

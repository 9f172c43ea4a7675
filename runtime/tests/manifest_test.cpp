// The manifest gptc embeds parses into the runtime's model description.
#include "gptc/manifest.h"

#include <gtest/gtest.h>

#include <stdexcept>

TEST(Manifest, ParsesEveryLine) {
  gptc::Manifest m = gptc::parseManifest(
      "gptc-manifest 1\ndtype f64\nmodel mlp\ninput x f32 2 10 784\ninput y i32 1 10\n"
      "param w1 normal 0 0.5 2 784 30\noutput out 2 10 10\n"
      "optimizer adamw 0.001 0 0.1 0.9 0.99 1e-08\ndata idx_images /some dir/with space\n"
      "batch 10\nepochs 3\nsteps 0\nseed 7\nvalidation 100\n");
  EXPECT_EQ(m.floatType, gptc::DType::F64);
  EXPECT_EQ(m.model, "mlp");
  ASSERT_EQ(m.inputs.size(), 2u);
  EXPECT_EQ(m.inputs[0].dtype, gptc::DType::F64);
  EXPECT_EQ(m.inputs[1].dtype, gptc::DType::I32);
  EXPECT_EQ(m.inputs[1].shape, (std::vector<int64_t>{10}));
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].init, "normal");
  EXPECT_EQ(m.params[0].b, 0.5);
  EXPECT_EQ(m.params[0].shape, (std::vector<int64_t>{784, 30}));
  EXPECT_TRUE(m.hasOutput);
  EXPECT_EQ(m.optimizer, "adamw");
  EXPECT_EQ(m.stateNames(), (std::vector<std::string>{"m", "v"}));
  EXPECT_EQ(m.train.beta2, 0.99);
  EXPECT_EQ(m.train.dataDir, "/some dir/with space");
  EXPECT_EQ(m.train.seed, 7);
}

TEST(Manifest, RejectsMalformedText) {
  EXPECT_THROW(gptc::parseManifest("dtype f32\n"), std::runtime_error);
  EXPECT_THROW(gptc::parseManifest("gptc-manifest 2\n"), std::runtime_error);
  EXPECT_THROW(gptc::parseManifest("gptc-manifest 1\nbatch ten\n"), std::runtime_error);
}

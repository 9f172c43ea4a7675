// Learning-rate schedules (learningRateAt): the Transformer paper's noam
// schedule, lr = scale * d_model^-0.5 * min(n^-0.5, n * warmup^-1.5) with
// n = step + 1.
#include "gptc/settings.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

gptc::Settings noam(double dModel, int64_t warmup, double scale = 1) {
  gptc::Settings s;
  s.schedule = gptc::ScheduleKind::Noam;
  s.noamDModel = dModel;
  s.warmup = warmup;
  s.noamScale = scale;
  s.lr = 123; // not used by noam
  return s;
}

TEST(Schedule, NoamStartsAtTheFirstWarmupStep) {
  gptc::Settings s = noam(512, 4000);
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 0, 100000), std::pow(512, -0.5) * std::pow(4000, -1.5));
}

TEST(Schedule, NoamRisesLinearlyToItsPeakAtTheLastWarmupStep) {
  gptc::Settings s = noam(512, 4000);
  double first = gptc::learningRateAt(s, 0, 0);
  for (int64_t step : {1, 10, 999, 3998})
    EXPECT_NEAR(gptc::learningRateAt(s, step, 0), (double)(step + 1) * first, 1e-15) << step;
  double peak = gptc::learningRateAt(s, 3999, 0);
  EXPECT_DOUBLE_EQ(peak, std::pow(512, -0.5) * std::pow(4000, -0.5)); // ~7.0e-4, the paper's peak
  EXPECT_NEAR(peak, 6.9877e-4, 1e-8);
  EXPECT_LT(gptc::learningRateAt(s, 3998, 0), peak);
  EXPECT_LT(gptc::learningRateAt(s, 4000, 0), peak);
}

TEST(Schedule, NoamDecaysAsTheInverseSquareRootAfterWarmup) {
  gptc::Settings s = noam(256, 100);
  for (int64_t n : {101, 400, 10000})
    EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, n - 1, 0), std::pow(256, -0.5) / std::sqrt((double)n)) << n;
  // Four times the steps, half the rate; the total steps do not matter.
  EXPECT_NEAR(gptc::learningRateAt(s, 1599, 0) / gptc::learningRateAt(s, 399, 0), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(s, 999, 10), gptc::learningRateAt(s, 999, 1000000));
}

TEST(Schedule, NoamScaleMultipliesAndNoWarmupStartsAtThePeak) {
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(noam(512, 4000, 2), 123, 0), 2 * gptc::learningRateAt(noam(512, 4000), 123, 0));
  // warmup 0 counts as 1: the first step is the peak d_model^-0.5.
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(noam(64, 0), 0, 0), 0.125);
  EXPECT_DOUBLE_EQ(gptc::learningRateAt(noam(64, 0), 3, 0), 0.125 / 2);
}

} // namespace

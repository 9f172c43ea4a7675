// Counter-based RNG: determinism, independence from draw order, sane statistics.
#include "gptc/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

TEST(Rng, SameSeedSameNumbers) {
  for (uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(gptc::normalAt(7, 3, i), gptc::normalAt(7, 3, i));
    EXPECT_EQ(gptc::uniformAt(7, 3, i), gptc::uniformAt(7, 3, i));
  }
}

TEST(Rng, SeedsAndStreamsDiffer) {
  EXPECT_NE(gptc::uniformAt(1, 0, 0), gptc::uniformAt(2, 0, 0));
  EXPECT_NE(gptc::uniformAt(1, 0, 0), gptc::uniformAt(1, 1, 0));
  EXPECT_NE(gptc::uniformAt(1, 0, 0), gptc::uniformAt(1, 0, 1));
}

TEST(Rng, NormalHasUnitMomentsAndUniformIsInRange) {
  const int n = 200000;
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    double x = gptc::normalAt(1337, 5, i);
    sum += x;
    sq += x * x;
    double u = gptc::uniformAt(1337, 6, i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.01);
}

TEST(Rng, PermutationIsDeterministicAndComplete) {
  auto p = gptc::permutation(42, 9, 1000);
  EXPECT_EQ(p, gptc::permutation(42, 9, 1000));
  EXPECT_NE(p, gptc::permutation(42, 10, 1000));
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 1000; ++i)
    ASSERT_EQ(sorted[i], i);
}

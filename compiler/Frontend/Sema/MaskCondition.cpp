// The condition of mask(x, condition, fill): arithmetic and comparisons over
// `row` and `col` (the position in the last two dimensions) and config
// constants, evaluated at every position into a constant mask.
#include "compiler/Frontend/Sema/Checker.h"

namespace gptc::sema {

std::optional<std::vector<uint8_t>> Checker::maskOf(const Expr &condition, int64_t rows, int64_t cols) {
  std::vector<uint8_t> mask(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      // Errors do not depend on the position: report them at the first one.
      auto v = evalCondition(condition, r, c, /*report=*/r == 0 && c == 0);
      if (!v)
        return std::nullopt;
      mask[r * cols + c] = *v != 0;
    }
  return mask;
}

/// The condition at one (row, col).
std::optional<double> Checker::evalCondition(const Expr &e, int64_t row, int64_t col, bool report) {
  switch (e.kind) {
  case Expr::Number: return e.number;
  case Expr::Name:
    if (e.name == "row")
      return (double)row;
    if (e.name == "col")
      return (double)col;
    if (auto v = constant(e.name))
      return v;
    if (report)
      error(e.loc, "a mask condition can use row, col and config constants; '" + e.name + "' is none of them");
    return std::nullopt;
  case Expr::Unary: {
    auto v = evalCondition(*e.args[0], row, col, report);
    return v ? std::optional<double>(-*v) : std::nullopt;
  }
  case Expr::Binary: {
    auto a = evalCondition(*e.args[0], row, col, report);
    auto b = evalCondition(*e.args[1], row, col, report);
    if (!a || !b)
      return std::nullopt;
    if (e.op == BinaryOp::Matmul) {
      if (report)
        error(e.loc, "'@' cannot appear in a mask condition");
      return std::nullopt;
    }
    return applyBinary(e.op, *a, *b);
  }
  default:
    if (report)
      error(e.loc, "a mask condition is arithmetic and comparisons over row and col, such as col > row");
    return std::nullopt;
  }
}

} // namespace gptc::sema

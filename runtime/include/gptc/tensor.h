// A host tensor: 64-byte-aligned storage of f32, f64 or i32 elements.
#ifndef GPTC_RUNTIME_TENSOR_H
#define GPTC_RUNTIME_TENSOR_H

#include <cstdint>
#include <string>
#include <vector>

namespace gptc {

enum class DType { F32, F64, I32 };

const char *dtypeName(DType t); // "F32", "F64", "I32" (safetensors spelling)
size_t dtypeSize(DType t);

class Tensor {
public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape);
  Tensor(const Tensor &other);
  Tensor &operator=(const Tensor &other);
  Tensor(Tensor &&other) noexcept;
  Tensor &operator=(Tensor &&other) noexcept;
  ~Tensor();

  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  size_t numel() const { return numel_; }
  size_t bytes() const { return numel_ * dtypeSize(dtype_); }
  void *data() { return data_; }
  const void *data() const { return data_; }
  template <typename T> T *as() { return static_cast<T *>(data_); }
  template <typename T> const T *as() const { return static_cast<const T *>(data_); }

  double get(size_t i) const;
  void set(size_t i, double v);
  void fill(double v);
  std::string shapeString() const; // "[10, 784]"

private:
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  size_t numel_ = 0;
  void *data_ = nullptr;
};

} // namespace gptc

#endif

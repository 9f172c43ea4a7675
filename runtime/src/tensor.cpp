#include "gptc/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

namespace gptc {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "F32";
  case DType::F64: return "F64";
  case DType::I32: return "I32";
  }
  return "?";
}

size_t dtypeSize(DType t) { return t == DType::F64 ? 8 : 4; }

Tensor::Tensor(DType dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = 1;
  for (int64_t d : shape_)
    numel_ *= (size_t)d;
  size_t bytes = (this->bytes() + 63) / 64 * 64;
  data_ = std::aligned_alloc(64, bytes ? bytes : 64);
  if (!data_)
    throw std::bad_alloc();
  std::memset(data_, 0, bytes ? bytes : 64);
}

Tensor::Tensor(const Tensor &other) : Tensor(other.dtype_, other.shape_) {
  std::memcpy(data_, other.data_, bytes());
}

Tensor &Tensor::operator=(const Tensor &other) {
  if (this != &other) {
    Tensor copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Tensor::Tensor(Tensor &&other) noexcept
    : dtype_(other.dtype_), shape_(std::move(other.shape_)), numel_(other.numel_), data_(other.data_) {
  other.data_ = nullptr;
  other.numel_ = 0;
}

Tensor &Tensor::operator=(Tensor &&other) noexcept {
  if (this != &other) {
    std::free(data_);
    dtype_ = other.dtype_;
    shape_ = std::move(other.shape_);
    numel_ = other.numel_;
    data_ = other.data_;
    other.data_ = nullptr;
    other.numel_ = 0;
  }
  return *this;
}

Tensor::~Tensor() { std::free(data_); }

double Tensor::get(size_t i) const {
  switch (dtype_) {
  case DType::F32: return as<float>()[i];
  case DType::F64: return as<double>()[i];
  case DType::I32: return as<int32_t>()[i];
  }
  return 0;
}

void Tensor::set(size_t i, double v) {
  switch (dtype_) {
  case DType::F32: as<float>()[i] = (float)v; break;
  case DType::F64: as<double>()[i] = v; break;
  case DType::I32: as<int32_t>()[i] = (int32_t)v; break;
  }
}

void Tensor::fill(double v) {
  for (size_t i = 0; i < numel_; ++i)
    set(i, v);
}

std::string Tensor::shapeString() const {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape_.size(); ++i)
    os << (i ? ", " : "") << shape_[i];
  os << "]";
  return os.str();
}

} // namespace gptc

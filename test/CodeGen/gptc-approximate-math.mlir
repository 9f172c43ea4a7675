// Constant powers become multiplies of x, sqrt(x) or rsqrt(x); f32
// transcendentals become polynomials (no math.exp/tanh/log left, so no libm
// call per element); f64 keeps the exact functions.
// RUN: gptc-opt %s -split-input-file --gptc-approximate-math | FileCheck %s

// CHECK-LABEL: func.func @cube
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK: %[[X2:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK: %[[X3:.*]] = arith.mulf %[[X2]], %[[X]]
// CHECK-NOT: math.powf
// CHECK: return %[[X3]]
func.func @cube(%x: f32) -> f32 {
  %c = arith.constant 3.0 : f32
  %y = math.powf %x, %c : f32
  return %y : f32
}

// -----

// layernorm backward's (var + eps)^-1.5: three multiplies of one rsqrt.
// CHECK-LABEL: func.func @minus_three_halves
// CHECK: %[[R:.*]] = math.rsqrt %arg0
// CHECK: %[[R2:.*]] = arith.mulf %[[R]], %[[R]]
// CHECK: arith.mulf %[[R2]], %[[R]]
// CHECK-NOT: math.powf
func.func @minus_three_halves(%x: f32) -> f32 {
  %c = arith.constant -1.5 : f32
  %y = math.powf %x, %c : f32
  return %y : f32
}

// -----

// CHECK-LABEL: func.func @powers
// CHECK: math.rsqrt
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK-NOT: math.powf
func.func @powers(%x: f32) -> (f32, f32, f32) {
  %a = arith.constant -0.5 : f32
  %b = arith.constant 0.5 : f32
  %c = arith.constant -2.0 : f32
  %ya = math.powf %x, %a : f32
  %yb = math.powf %x, %b : f32
  %yc = math.powf %x, %c : f32
  return %ya, %yb, %yc : f32, f32, f32
}

// -----

// Exponents that are not multiples of 1/2, or too large, or not constants,
// stay powers.
// CHECK-LABEL: func.func @kept_powers
// CHECK-COUNT-3: math.powf
func.func @kept_powers(%x: f32, %e: f32) -> (f32, f32, f32) {
  %a = arith.constant 0.3 : f32
  %b = arith.constant 10.0 : f32
  %ya = math.powf %x, %a : f32
  %yb = math.powf %x, %b : f32
  %yc = math.powf %x, %e : f32
  return %ya, %yb, %yc : f32, f32, f32
}

// -----

// CHECK-LABEL: func.func @transcendentals_f32
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log
// CHECK: math.fma
// CHECK: return
func.func @transcendentals_f32(%x: f32) -> (f32, f32, f32) {
  %e = math.exp %x : f32
  %t = math.tanh %x : f32
  %l = math.log %x : f32
  return %e, %t, %l : f32, f32, f32
}

// -----

// CHECK-LABEL: func.func @transcendentals_f64
// CHECK: math.exp
// CHECK: math.tanh
// CHECK: math.log
func.func @transcendentals_f64(%x: f64) -> (f64, f64, f64) {
  %e = math.exp %x : f64
  %t = math.tanh %x : f64
  %l = math.log %x : f64
  return %e, %t, %l : f64, f64, f64
}

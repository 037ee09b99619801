// Shorthands for building loop IR by hand in the codegen tests, and one shared compiler for the
// host (starting an LLJIT per test would only cost time).
#pragma once

#include <string>
#include <vector>

#include "codegen/jit.h"
#include "ir/loop/stmt.h"
#include "ir/ndarray.h"

namespace tt::testing {

inline Buffer param(const std::string& name, std::vector<int64_t> shape,
                    DType dtype = DType::float32()) {
  return BufferNode::make(name, dtype, std::move(shape), BufferScope::Param);
}

inline Buffer local(const std::string& name, std::vector<int64_t> shape,
                    DType dtype = DType::float32()) {
  return BufferNode::make(name, dtype, std::move(shape), BufferScope::Local);
}

inline Expr load(const Buffer& buffer, Expr index) {
  return LoadNode::make(buffer, std::move(index));
}

inline Stmt store(const Buffer& buffer, Expr index, Expr value) {
  return StoreNode::make(buffer, std::move(index), std::move(value));
}

inline Stmt loop(const Var& var, int extent, Stmt body, ForKind kind = ForKind::Serial) {
  return ForNode::make(var, Expr(0), Expr(extent), kind, std::move(body));
}

inline Expr ramp(Expr base, int stride, int lanes) {
  return RampNode::make(std::move(base), Expr(stride), lanes);
}

inline Expr broadcast(Expr value, int lanes) {
  return BroadcastNode::make(std::move(value), lanes);
}

inline KernelCompiler& host_compiler() {
  static KernelCompiler compiler;
  return compiler;
}

inline CompiledKernel compile(const std::string& name, std::vector<Buffer> params, Stmt body) {
  return host_compiler().compile(LoweredFunc{name, std::move(params), std::move(body)});
}

inline NDArray filled(std::vector<int64_t> shape, float low, float high, uint64_t seed = 7) {
  NDArray array(std::move(shape), DType::float32());
  std::mt19937_64 rng(seed);
  array.fill_uniform(rng, low, high);
  return array;
}

}  // namespace tt::testing

// The text outputs (optimized IR, assembly), their determinism, and compiling many kernels without
// memory growing with their number.
#include "codegen/jit.h"

#include <gtest/gtest.h>

#include <fstream>

#include "codegen/llvm_codegen.h"
#include "codegen_test_util.h"

namespace tt {
namespace {

using namespace tt::testing;

LoweredFunc vector_kernel(int lanes) {
  const int n = 1024;
  Buffer a = param("a", {n}), b = param("b", {n}), c = param("c", {n});
  Var io("io");
  Expr index = ramp(io * lanes, 1, lanes);
  Stmt body = store(c, index, load(a, index) * load(b, index) + broadcast(Expr(1.0f), lanes));
  return LoweredFunc{"vector_kernel", {a, b, c}, loop(io, n / lanes, body)};
}

TEST(Jit, AssemblyUsesTheWidestVectorRegisters) {
  Target host = Target::host();
  std::string assembly = emit_assembly(vector_kernel(host.vector_lanes(DType::float32())), host);
  const char* reg = host.vector_bits() == 512 ? "zmm" : host.vector_bits() == 256 ? "ymm" : "xmm";
  EXPECT_NE(assembly.find(reg), std::string::npos) << assembly;
  EXPECT_NE(assembly.find("vector_kernel_packed"), std::string::npos);

  // Any target can be printed, whatever this machine runs.
  std::string zen4 = emit_assembly(vector_kernel(16), Target::parse("llvm -mcpu=znver4"));
  EXPECT_NE(zen4.find("zmm"), std::string::npos);
  std::string zen3 = emit_assembly(vector_kernel(16), Target::parse("llvm -mcpu=znver3"));
  EXPECT_EQ(zen3.find("zmm"), std::string::npos);
  EXPECT_NE(zen3.find("ymm"), std::string::npos);
  EXPECT_NE(zen3.find("vfmadd"), std::string::npos) << "a*b+1 should contract into an FMA";
}

TEST(Jit, IrHasNoaliasArgumentsAndOnlyContraction) {
  std::string ir = emit_llvm_ir(vector_kernel(8), Target::parse("llvm -mcpu=znver3"));
  EXPECT_NE(ir.find("noalias"), std::string::npos);
  EXPECT_NE(ir.find("align 64"), std::string::npos);
  EXPECT_NE(ir.find("\"target-cpu\"=\"znver3\""), std::string::npos);
  EXPECT_EQ(ir.find(" fast "), std::string::npos);
  EXPECT_EQ(ir.find("reassoc"), std::string::npos);
  std::string raw = emit_unoptimized_llvm_ir(vector_kernel(8), Target::parse("llvm -mcpu=znver3"));
  EXPECT_NE(raw.find("fmul contract <8 x float>"), std::string::npos) << raw;
}

TEST(Jit, OutputIsDeterministic) {
  Target host = Target::host();
  LoweredFunc func = vector_kernel(8);
  EXPECT_EQ(emit_assembly(func, host), emit_assembly(func, host));
  EXPECT_EQ(emit_llvm_ir(func, host), emit_llvm_ir(func, host));
}

long resident_kilobytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// 200 compile/run/destroy cycles with the same kernel name: each kernel's JITDylib goes away with
// it, so the second hundred must not cost what the first did.
TEST(Jit, CompilingManyKernelsDoesNotLeak) {
  KernelCompiler compiler;
  LoweredFunc func = vector_kernel(8);
  NDArray a = filled({1024}, -1, 1), b = filled({1024}, -1, 1), c({1024}, DType::float32());
  long after_warmup = 0;
  for (int k = 0; k < 200; ++k) {
    CompiledKernel kernel = compiler.compile(func);
    kernel.run({&a, &b, &c});
    ASSERT_EQ(c.as<float>()[5], a.as<float>()[5] * b.as<float>()[5] + 1.0f);
    if (k == 99) after_warmup = resident_kilobytes();
  }
  long growth = resident_kilobytes() - after_warmup;
  EXPECT_LT(growth, 20 * 1024) << "resident memory grew by " << growth << " KiB over 100 kernels";
}

}  // namespace
}  // namespace tt

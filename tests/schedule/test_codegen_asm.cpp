// Pins that a scheduled matmul becomes vector FMA code: ramp loads in the loop IR, and vfmadd on
// ymm (AVX2) or zmm (AVX-512) registers in the assembly, with zmm only for targets that have
// AVX-512.
#include <gtest/gtest.h>

#include <regex>

#include "codegen/llvm_codegen.h"
#include "codegen/target.h"
#include "ir/schedule/default_schedule.h"
#include "ir/te/ops.h"
#include "search/measure/build.h"

namespace tt {
namespace {

std::vector<Tensor> matmul_graph(int64_t n) {
  return {ops::matmul(placeholder({n, n}, DType::float32(), "A"),
                      placeholder({n, n}, DType::float32(), "B"), "C")};
}

LoweredFunc lower_default(const Target& target) {
  std::vector<Tensor> outputs = matmul_graph(64);
  ScheduleState state(outputs);
  state.apply(default_schedule(outputs, hardware_params(target, 1)));
  return lower(state, "matmul");
}

// A hand schedule: a 4 x `lanes` register tile, vectorized over j.
LoweredFunc lower_hand_vectorized(int lanes) {
  ScheduleState state(matmul_graph(64));
  state.apply(std::vector<Step>{
      CacheWriteStep{"C"},
      SplitStep{"C", "i", {4}},
      SplitStep{"C", "j", {lanes}},
      ReorderStep{"C", {"i.0", "j.0", "i.1", "j.1"}},
      AnnotateStep{"C", "j.1", LoopAnnotation::Vectorize},
      ComputeAtStep{"C.local", "C", "j.0"},
      ReorderStep{"C.local", {"rk", "i", "j"}},
      AnnotateStep{"C.local", "i", LoopAnnotation::Unroll},
      AnnotateStep{"C.local", "j", LoopAnnotation::Vectorize},
  });
  return lower(state, "matmul");
}

bool has_fma_on(const std::string& assembly, const std::string& reg) {
  return std::regex_search(assembly, std::regex("vfmadd[0-9]+ps[^\n]*%" + reg + "[0-9]+"));
}

TEST(CodegenAssembly, VectorizedMatmulLoopIRHasRampLoads) {
  std::string text = to_string(lower_hand_vectorized(8));
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(B\[ramp\([^\n]*, 1, 8\)\])"))) << text;
  EXPECT_NE(text.find("x8(A["), std::string::npos) << "A is broadcast\n" << text;
  EXPECT_EQ(text.find("vectorized ("), std::string::npos)
      << "vectorized loops are gone after lowering\n"
      << text;
}

TEST(CodegenAssembly, DefaultMatmulLoopIRHasRampLoads) {
  std::string text = to_string(lower_default(Target::host()));
  EXPECT_NE(text.find("ramp("), std::string::npos) << text;
}

TEST(CodegenAssembly, HostMatmulUsesVectorFma) {
  Target host = Target::host();
  ASSERT_TRUE(host.has("avx2") && host.has("fma"))
      << "the machines here all have AVX2 and FMA: " << host.to_string();
  for (const LoweredFunc& func :
       {lower_default(host), lower_hand_vectorized(host.vector_lanes(DType::float32()))}) {
    std::string assembly = emit_assembly(func, host);
    bool ymm = has_fma_on(assembly, "ymm"), zmm = has_fma_on(assembly, "zmm");
    EXPECT_TRUE(ymm || zmm) << "no vector FMA in the host's assembly of\n" << to_string(func);
    if (!host.has("avx512f")) {
      EXPECT_EQ(assembly.find("%zmm"), std::string::npos)
          << "zmm registers on a host without AVX-512";
    }
  }
}

// Assembly for a target needs no such CPU to run on, so both widths are checked on any host.
TEST(CodegenAssembly, Avx2TargetUsesYmmAndNeverZmm) {
  Target avx2 = Target::parse("llvm -mcpu=znver3");
  ASSERT_FALSE(avx2.has("avx512f"));
  std::string assembly = emit_assembly(lower_default(avx2), avx2);
  EXPECT_TRUE(has_fma_on(assembly, "ymm"));
  EXPECT_EQ(assembly.find("%zmm"), std::string::npos);
}

TEST(CodegenAssembly, Avx512TargetUsesZmm) {
  Target avx512 = Target::parse("llvm -mcpu=znver4");
  ASSERT_TRUE(avx512.has("avx512f"));
  EXPECT_EQ(avx512.vector_lanes(DType::float32()), 16);
  EXPECT_TRUE(has_fma_on(emit_assembly(lower_default(avx512), avx512), "zmm"));
  EXPECT_TRUE(has_fma_on(emit_assembly(lower_hand_vectorized(16), avx512), "zmm"));
}

}  // namespace
}  // namespace tt

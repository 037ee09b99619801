// Target strings: parsing, printing, feature implications, host detection, and the refusal to run
// code for features this machine lacks.
#include "codegen/target.h"

#include <gtest/gtest.h>

#include "codegen/jit.h"
#include "ir/error.h"

namespace tt {
namespace {

TEST(Target, HostIsSane) {
  Target host = Target::host();
  EXPECT_FALSE(host.cpu.empty());
  EXPECT_FALSE(host.triple.empty());
  EXPECT_GE(host.num_cores, 1);
  EXPECT_TRUE(host_supports(host));
  EXPECT_NO_THROW(check_host_supports(host));
  int bits = host.vector_bits();
  EXPECT_TRUE(bits == 128 || bits == 256 || bits == 512);
  EXPECT_EQ(host.vector_lanes(DType::float32()), bits / 32);
  if (host.has("avx512f")) {
    EXPECT_TRUE(host.has("avx2"));
  }
  // Printing and parsing give the same target back.
  EXPECT_EQ(Target::parse(host.to_string()), host);
  EXPECT_EQ(Target::parse("llvm"), host);
}

TEST(Target, ParsesCpuAndFeatures) {
  Target zen4 = Target::parse("llvm -mcpu=znver4");
  EXPECT_EQ(zen4.cpu, "znver4");
  EXPECT_TRUE(zen4.has("+avx512f"));
  EXPECT_TRUE(zen4.has("avx512bw"));
  EXPECT_TRUE(zen4.has("fma"));
  EXPECT_EQ(zen4.vector_bits(), 512);
  EXPECT_EQ(zen4.vector_lanes(DType::float32()), 16);

  Target zen3 = Target::parse("llvm -mcpu=znver3");
  EXPECT_FALSE(zen3.has("avx512f"));
  EXPECT_TRUE(zen3.has("avx2"));
  EXPECT_EQ(zen3.vector_bits(), 256);
  EXPECT_EQ(zen3.to_string(), "llvm -mcpu=znver3 -mattr=+sse4.2,+avx,+avx2,+fma,+f16c");

  // -avx512f also drops every AVX-512 extension that needs it.
  Target no512 = Target::parse("llvm -mcpu=znver4 -mattr=-avx512f");
  EXPECT_FALSE(no512.has("avx512f"));
  EXPECT_FALSE(no512.has("avx512bw"));
  EXPECT_TRUE(no512.has("avx2"));
  EXPECT_EQ(no512.vector_bits(), 256);

  Target added = Target::parse("llvm -mcpu=znver3 -mattr=+avx512bw,+avx2");
  EXPECT_TRUE(added.has("avx512f"));  // implied by avx512bw
  EXPECT_EQ(Target::parse(added.to_string()), added);

  Target generic = Target::parse("llvm -mcpu=x86-64");
  EXPECT_FALSE(generic.has("avx"));
  EXPECT_EQ(generic.vector_bits(), 128);
}

// Found by fuzz_target: a feature turned off that the CPU has by default must survive the target's
// string (records store it), or a replay would build for the CPU's defaults.
TEST(Target, FeaturesTurnedOffReadBackOff) {
  Target t = Target::parse("llvm -mcpu=znver3 -mattr=-avx2,+fma");
  EXPECT_FALSE(t.has("avx2"));
  EXPECT_TRUE(t.has("fma"));
  Target again = Target::parse(t.to_string());
  EXPECT_EQ(again.to_string(), t.to_string());
  EXPECT_FALSE(again.has("avx2")) << t.to_string();
  // A CPU at its defaults prints no "-" features.
  EXPECT_EQ(Target::parse("llvm -mcpu=znver3").to_string().find(",-"), std::string::npos);
}

TEST(Target, RejectsBadStrings) {
  auto message_of = [](const std::string& text) {
    try {
      Target::parse(text);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of("cuda").find("cuda"), std::string::npos);
  EXPECT_NE(message_of("llvm -mcpu=pentium9000").find("pentium9000"), std::string::npos);
  EXPECT_NE(message_of("llvm -O3").find("-O3"), std::string::npos);
  EXPECT_NE(message_of("llvm -mattr=+avx9").find("+avx9"), std::string::npos);
  EXPECT_NE(message_of("llvm -mattr=avx2").find("avx2"), std::string::npos);
  EXPECT_NE(message_of("").find("llvm"), std::string::npos);
}

TEST(Target, RefusesFeaturesTheHostLacks) {
  Target host = Target::host();
  Target zen4 = Target::parse("llvm -mcpu=znver4");
  if (host.has("avx512f")) {
    EXPECT_TRUE(host_supports(zen4));
  } else {
    EXPECT_FALSE(host_supports(zen4));
    EXPECT_THROW(check_host_supports(zen4), UserError);
    KernelCompiler compiler(zen4);
    LoweredFunc empty{"unused", {}, Stmt()};
    EXPECT_THROW(compiler.compile(empty), UserError);
  }
  EXPECT_TRUE(host_supports(Target::parse("llvm -mcpu=x86-64")));
}

}  // namespace
}  // namespace tt

// What a schedule needs to know about the machine, as plain numbers: codegen's Target fills it in
// (ir/ cannot see codegen/). Default schedules and search spaces size their tiles from it.
#pragma once

namespace tt {

struct HardwareParams {
  int vector_lanes = 8;       // float32 lanes of one native vector (8 with AVX2, 16 with AVX-512)
  int vector_registers = 16;  // architectural vector registers (16 with AVX2, 32 with AVX-512)
  int num_threads = 1;        // threads the kernel will run on
};

}  // namespace tt

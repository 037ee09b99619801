// NumPy .npy files: how model inputs and outputs enter and leave `tensortune run`. Reads versions
// 1.0, 2.0 and 3.0 with little-endian float32 ('<f4') or int64 ('<i8') data in C order; writes
// version 1.0 with the array's dtype. Anything else is a UserError naming the file and the problem.
#pragma once

#include <string>

#include "ir/ndarray.h"

namespace tt {

NDArray load_npy(const std::string& path);
// Parses .npy bytes held in memory; `source` names them in messages.
NDArray parse_npy(const std::string& bytes, const std::string& source);

void save_npy(const std::string& path, const NDArray& array);
std::string serialize_npy(const NDArray& array);

}  // namespace tt

// Printing and parsing of element types.
#include "ir/expr/dtype.h"

#include "ir/error.h"

namespace tt {

std::string DType::to_string() const {
  std::string base;
  if (is_bool()) {
    base = "bool";
  } else {
    switch (code) {
      case TypeCode::Int: base = "int"; break;
      case TypeCode::UInt: base = "uint"; break;
      case TypeCode::Float: base = "float"; break;
      case TypeCode::BFloat: base = "bfloat"; break;
    }
    base += std::to_string(bits);
  }
  return lanes > 1 ? base + "x" + std::to_string(lanes) : base;
}

DType parse_dtype(const std::string& text) {
  for (DType t : {DType::float32(), DType::float16(), DType::bfloat16(), DType::int32(), DType::int64(),
                  DType::int8(), DType::boolean()}) {
    if (t.to_string() == text) return t;
  }
  user_error("unknown dtype '{}' (expected float32, float16, bfloat16, int32, int64, int8 or bool)", text);
}

}  // namespace tt

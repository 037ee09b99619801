// Scalar and vector element types shared by every IR: a type code, a bit width and a lane count.
// float32 is what the operators use today; the other codes exist so int8/int32/float16/bfloat16
// kernels can follow without touching the IR's shape.
#pragma once

#include <cstdint>
#include <string>

namespace tt {

enum class TypeCode : uint8_t { Int, UInt, Float, BFloat };

struct DType {
  TypeCode code = TypeCode::Float;
  uint8_t bits = 32;
  uint16_t lanes = 1;

  static constexpr DType float32(int lanes = 1) { return {TypeCode::Float, 32, uint16_t(lanes)}; }
  static constexpr DType float16(int lanes = 1) { return {TypeCode::Float, 16, uint16_t(lanes)}; }
  static constexpr DType bfloat16(int lanes = 1) { return {TypeCode::BFloat, 16, uint16_t(lanes)}; }
  static constexpr DType int32(int lanes = 1) { return {TypeCode::Int, 32, uint16_t(lanes)}; }
  static constexpr DType int64(int lanes = 1) { return {TypeCode::Int, 64, uint16_t(lanes)}; }
  static constexpr DType int8(int lanes = 1) { return {TypeCode::Int, 8, uint16_t(lanes)}; }
  static constexpr DType boolean(int lanes = 1) { return {TypeCode::UInt, 1, uint16_t(lanes)}; }

  bool is_float() const { return code == TypeCode::Float || code == TypeCode::BFloat; }
  bool is_int() const { return code == TypeCode::Int; }
  bool is_uint() const { return code == TypeCode::UInt && bits > 1; }
  bool is_bool() const { return code == TypeCode::UInt && bits == 1; }
  bool is_integer_like() const { return code == TypeCode::Int || code == TypeCode::UInt; }
  bool is_vector() const { return lanes > 1; }
  DType element_of() const { return {code, bits, 1}; }
  DType with_lanes(int n) const { return {code, bits, uint16_t(n)}; }
  int bytes() const { return (bits + 7) / 8; }  // of one lane

  bool operator==(const DType&) const = default;
  std::string to_string() const;  // "float32", "int32x8", "bool"
};

// Parses the names to_string() prints; throws UserError for anything else.
DType parse_dtype(const std::string& text);

}  // namespace tt

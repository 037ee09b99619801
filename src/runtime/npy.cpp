// .npy reading and writing. The header is a Python dict literal; the reader accepts the exact
// subset numpy writes ('descr', 'fortran_order', 'shape' in any order, single or double quotes)
// and checks the data length against the shape so a truncated file never reads past its end.
#include "src/runtime/npy.h"

#include <fmt/ranges.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "ir/error.h"
#include "ir/int_math.h"

namespace tt {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// A cursor over the header dict with the few token readers it needs.
struct HeaderParser {
  const std::string& text;
  const std::string& source;
  size_t pos = 0;

  [[noreturn]] void fail(const std::string& problem) const {
    user_error("{}: bad .npy header ({}): {}", source, problem, text);
  }
  void skip_space() {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  bool accept(char c) {
    skip_space();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(fmt::format("expected '{}' at offset {}", c, pos));
  }
  std::string string_literal() {
    skip_space();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"')) fail("expected a string");
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string::npos) fail("unterminated string");
    std::string s = text.substr(pos, end - pos);
    pos = end + 1;
    return s;
  }
  bool boolean() {
    skip_space();
    for (const char* word : {"True", "False"}) {
      if (text.compare(pos, std::strlen(word), word) == 0) {
        pos += std::strlen(word);
        return word[0] == 'T';
      }
    }
    fail("expected True or False");
  }
  std::vector<int64_t> shape_tuple() {
    expect('(');
    std::vector<int64_t> shape;
    while (!accept(')')) {
      skip_space();
      size_t start = pos;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
      if (start == pos) fail("expected a dimension");
      if (pos - start > 15) fail("dimension too large");
      shape.push_back(std::stoll(text.substr(start, pos - start)));
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
};

uint32_t read_le(const std::string& bytes, size_t offset, size_t size) {
  uint32_t v = 0;
  for (size_t i = 0; i < size; ++i) v |= uint32_t(uint8_t(bytes[offset + i])) << (8 * i);
  return v;
}

}  // namespace

NDArray parse_npy(const std::string& bytes, const std::string& source) {
  if (bytes.size() < kMagicSize + 4 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    user_error("{}: not a .npy file (no \\x93NUMPY magic)", source);
  }
  int major = uint8_t(bytes[6]);
  if (major < 1 || major > 3)
    user_error("{}: unsupported .npy version {}.{}", source, major, int(uint8_t(bytes[7])));
  size_t length_size = major == 1 ? 2 : 4;
  size_t header_start = 8 + length_size;
  if (bytes.size() < header_start) user_error("{}: truncated .npy header", source);
  size_t header_length = read_le(bytes, 8, length_size);
  if (bytes.size() < header_start + header_length) user_error("{}: truncated .npy header", source);
  std::string header = bytes.substr(header_start, header_length);

  HeaderParser p{header, source};
  std::string descr;
  bool fortran_order = false, has_descr = false, has_order = false, has_shape = false;
  std::vector<int64_t> shape;
  p.expect('{');
  while (!p.accept('}')) {
    std::string key = p.string_literal();
    p.expect(':');
    if (key == "descr") {
      descr = p.string_literal();
      has_descr = true;
    } else if (key == "fortran_order") {
      fortran_order = p.boolean();
      has_order = true;
    } else if (key == "shape") {
      shape = p.shape_tuple();
      has_shape = true;
    } else {
      p.fail(fmt::format("unknown key '{}'", key));
    }
    if (!p.accept(',')) {
      p.expect('}');
      break;
    }
  }
  if (!has_descr || !has_order || !has_shape) p.fail("needs 'descr', 'fortran_order' and 'shape'");
  if (fortran_order)
    user_error("{}: the array is in Fortran order; tensortune reads C-order arrays only", source);
  DType dtype;
  if (descr == "<f4")
    dtype = DType::float32();
  else if (descr == "<i8")
    dtype = DType::int64();
  else if (descr == ">f4" || descr == ">i8")
    user_error("{}: big-endian data ('{}') is not supported", source, descr);
  else
    user_error("{}: element type '{}' is not supported (float32 '<f4' or int64 '<i8')", source,
               descr);

  // The data length is checked against the header before anything is allocated, so a header
  // claiming a huge shape costs nothing.
  std::optional<int64_t> count = checked_product(shape);
  int64_t needed = 0;
  if (!count || __builtin_mul_overflow(*count, int64_t(dtype.bytes()), &needed))
    user_error("{}: shape {} has more elements than 64-bit sizes can count", source, shape_to_string(shape));
  size_t data_start = header_start + header_length;
  size_t available = bytes.size() - data_start;
  if (available < size_t(needed)) {
    user_error("{}: truncated data: shape {} needs {} bytes, the file has {}", source,
               shape_to_string(shape), needed, available);
  }
  if (available > size_t(needed)) {
    user_error("{}: {} bytes after the data of shape {}", source, available - size_t(needed),
               shape_to_string(shape));
  }
  NDArray array(shape, dtype);
  std::memcpy(array.data(), bytes.data() + data_start, array.bytes());
  return array;
}

NDArray load_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) user_error("{}: cannot open the .npy file", path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return parse_npy(bytes.str(), path);
}

std::string serialize_npy(const NDArray& array) {
  std::string descr;
  if (array.dtype() == DType::float32())
    descr = "<f4";
  else if (array.dtype() == DType::int64())
    descr = "<i8";
  else
    user_error("cannot write a {} array to .npy (float32 or int64 only)",
               array.dtype().to_string());
  // Python's tuple syntax: "()", "(3,)", "(2, 3)".
  std::string shape = fmt::format("{}", fmt::join(array.shape(), ", "));
  if (array.shape().size() == 1) shape += ",";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape);
  // numpy pads the header with spaces and a newline so the data starts 64-byte aligned.
  size_t total = kMagicSize + 2 + 2 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 0xffff)
    user_error("array of shape {} has too many dimensions for .npy 1.0",
               shape_to_string(array.shape()));
  std::string out(kMagic, kMagicSize);
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(array.data()), array.bytes());
  return out;
}

void save_npy(const std::string& path, const NDArray& array) {
  std::string bytes = serialize_npy(array);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) user_error("{}: cannot open for writing", path);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) user_error("{}: writing the .npy file failed", path);
}

}  // namespace tt

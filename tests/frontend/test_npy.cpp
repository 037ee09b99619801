// .npy reading and writing: round trips, the shared reference inputs numpy wrote, and each kind of
// malformed file ending in a UserError that names the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ir/error.h"
#include "src/runtime/npy.h"

namespace tt {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / name).string();
}

std::string npy_error(const std::string& bytes) {
  try {
    parse_npy(bytes, "x.npy");
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UserError";
  return "";
}

// A version 1.0 file with `header` (padded like numpy's) and `data_bytes` zero bytes of data.
std::string npy_with_header(std::string header, size_t data_bytes, char major = 1) {
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + major + '\0';
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  if (major != 1) out += std::string(2, '\0');
  return out + header + std::string(data_bytes, '\0');
}

TEST(Npy, RoundTripsFloatAndInt64Arrays) {
  NDArray a({2, 3, 5}, DType::float32());
  for (int i = 0; i < 30; ++i) a.as<float>()[i] = float(i) * 0.5f - 3.0f;
  std::string path = temp_path("round_trip.npy");
  save_npy(path, a);
  NDArray b = load_npy(path);
  ASSERT_EQ(b.shape(), a.shape());
  ASSERT_EQ(b.dtype(), DType::float32());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.bytes()), 0);

  // numpy aligns the data to 64 bytes and writes Python tuples: "(7,)" for one dimension.
  NDArray v({7}, DType::int64());
  for (int i = 0; i < 7; ++i) v.as<int64_t>()[i] = int64_t(i) << 40;
  std::string bytes = serialize_npy(v);
  EXPECT_EQ((bytes.size() - v.bytes()) % 64, 0u);
  EXPECT_NE(bytes.find("'shape': (7,)"), std::string::npos);
  NDArray w = parse_npy(bytes, "v.npy");
  EXPECT_EQ(w.shape(), v.shape());
  EXPECT_EQ(std::memcmp(v.data(), w.data(), v.bytes()), 0);

  NDArray scalar({}, DType::float32());
  scalar.as<float>()[0] = 2.5f;
  EXPECT_NE(serialize_npy(scalar).find("'shape': ()"), std::string::npos);
  EXPECT_EQ(parse_npy(serialize_npy(scalar), "s.npy").as<float>()[0], 2.5f);
}

TEST(Npy, ReadsTheSharedReferenceInputs) {
  NDArray input = load_npy(std::string(TT_SHARED_DIR) + "/models/resnet18.input.npy");
  EXPECT_EQ(input.shape(), (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(input.dtype(), DType::float32());
  NDArray output = load_npy(std::string(TT_SHARED_DIR) + "/models/resnet18.output.npy");
  EXPECT_EQ(output.shape(), (std::vector<int64_t>{1, 1000}));
}

TEST(Npy, ReadsVersion2AndDoubleQuotedHeaders) {
  NDArray a = parse_npy(
      npy_with_header("{\"descr\": \"<f4\", \"shape\": (2, 2), \"fortran_order\": False}", 16, 2),
      "v2.npy");
  EXPECT_EQ(a.shape(), (std::vector<int64_t>{2, 2}));
}

TEST(Npy, MalformedFilesAreUserErrors) {
  EXPECT_NE(npy_error("hello world, not numpy").find("x.npy: not a .npy file"), std::string::npos);
  EXPECT_NE(npy_error(std::string("\x93NUMPY\x01\x00\xff\x00{", 11)).find("truncated .npy header"),
            std::string::npos);
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20))
          .find("x.npy: truncated data: shape 2x3 needs 24 bytes, the file has 20"),
      std::string::npos);
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24))
          .find("Fortran order"),
      std::string::npos);
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8))
          .find("big-endian"),
      std::string::npos);
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16))
          .find("element type '<f8' is not supported"),
      std::string::npos);
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '<f4', 'shape': (2,), }", 8)).find("bad .npy header"),
      std::string::npos);
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 8))
          .find("bad .npy header"),
      std::string::npos);
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12))
          .find("4 bytes after"),
      std::string::npos);
  // A header claiming a huge shape is refused by the data length, before anything is allocated
  // (4 TiB here), and one whose size overflows 64 bits by that.
  EXPECT_NE(
      npy_error(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", 8))
          .find("truncated data: shape 1099511627776 needs 4398046511104 bytes, the file has 8"),
      std::string::npos);
  EXPECT_NE(npy_error(npy_with_header(
                          "{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999, 999999999999999), }", 8))
                .find("more elements than 64-bit sizes can count"),
            std::string::npos);
  EXPECT_NE(npy_error(std::string("\x93NUMPY\x07\x00", 8) + std::string(8, ' '))
                .find("unsupported .npy version 7.0"),
            std::string::npos);

  // A real file cut short, and one that does not exist.
  std::string path = temp_path("cut.npy");
  std::string bytes = serialize_npy(NDArray({4, 4}, DType::float32()));
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() - 5));
  try {
    load_npy(path);
    ADD_FAILURE() << "no UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": truncated data"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_npy(temp_path("missing.npy")), UserError);
  EXPECT_THROW(save_npy("/nonexistent/dir/y.npy", NDArray({1}, DType::float32())), UserError);
}

}  // namespace
}  // namespace tt

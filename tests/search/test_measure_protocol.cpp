// The pieces under the measurer: which inputs get positive values, the timer's cut-short, the
// message framing over real pipes (including a reader that is gone) and the worker messages'
// round trips.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <thread>

#include "ir/error.h"
#include "ir/te/ops.h"
#include "search/measure/task_inputs.h"
#include "search/measure/timer.h"
#include "search/measure/wire.h"
#include "search/measure/worker_protocol.h"

namespace tt {
namespace {

Tensor input(const std::string& name, std::vector<int64_t> shape = {4, 8}) {
  return placeholder(std::move(shape), DType::float32(), name);
}

TEST(TaskInputs, PositiveWhereLogSqrtPowBaseOrDivisorRead) {
  Tensor x = input("x"), a = input("a"), b = input("b"), p = input("p"), q = input("q"),
         m = input("m");
  auto ranges = input_ranges({ops::log(x)});
  EXPECT_EQ(ranges.at(x.op().get()), kPositiveInputRange);

  ranges = input_ranges({ops::divide(a, b)});
  EXPECT_EQ(ranges.at(a.op().get()), kSignedInputRange);
  EXPECT_EQ(ranges.at(b.op().get()), kPositiveInputRange);

  ranges = input_ranges({ops::power(p, q)});
  EXPECT_EQ(ranges.at(p.op().get()), kPositiveInputRange);
  EXPECT_EQ(ranges.at(q.op().get()), kSignedInputRange) << "the exponent may be negative";

  // Through an intermediate compute: sqrt(relu(m) + 1) makes relu positive, and so m.
  Tensor inner = ops::relu(m, "inner");
  Tensor outer = compute(
      {4, 8},
      [&](const std::vector<Var>& i) {
        return Expr(CallNode::make(Intrinsic::sqrt, {inner(i[0], i[1]) + 1.0f}));
      },
      "outer");
  ranges = input_ranges({outer});
  EXPECT_EQ(ranges.at(m.op().get()), kPositiveInputRange);

  Tensor w = input("w", {8, 8});
  ranges = input_ranges({ops::matmul(x, w)});
  EXPECT_EQ(ranges.at(x.op().get()), kSignedInputRange);
  EXPECT_EQ(ranges.at(w.op().get()), kSignedInputRange);
}

TEST(TaskInputs, BatchNormVarianceIsPositive) {
  Tensor x = placeholder({1, 3, 4, 4}, DType::float32(), "x");
  Tensor gamma = input("gamma", {3}), beta = input("beta", {3}), mean = input("mean", {3}),
         var = input("var", {3});
  auto ranges = input_ranges({ops::batch_norm(x, gamma, beta, mean, var)});
  EXPECT_EQ(ranges.at(var.op().get()), kPositiveInputRange);
  EXPECT_EQ(ranges.at(mean.op().get()), kSignedInputRange);
  EXPECT_EQ(ranges.at(x.op().get()), kSignedInputRange);
}

TEST(TaskInputs, SeededValuesAreReproducibleAndInRange) {
  Tensor a = input("a"), b = input("b");
  Tensor out = ops::divide(a, b);
  std::vector<NDArray> first = seeded_inputs({a, b}, {out}, 7),
                       again = seeded_inputs({a, b}, {out}, 7),
                       other = seeded_inputs({a, b}, {out}, 8);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(std::memcmp(first[0].data(), again[0].data(), first[0].bytes()), 0);
  EXPECT_NE(std::memcmp(first[0].data(), other[0].data(), first[0].bytes()), 0);
  for (int64_t i = 0; i < first[1].num_elements(); ++i) {
    float v = first[1].as<float>()[i];
    EXPECT_GE(v, 0.5f);
    EXPECT_LT(v, 1.5f);
  }
  std::vector<NDArray> overridden =
      seeded_inputs({a, b}, {out}, 7, {{"a", InputRange{10.0f, 11.0f}}});
  for (int64_t i = 0; i < overridden[0].num_elements(); ++i)
    EXPECT_GE(overridden[0].as<float>()[i], 10.0f);
}

TEST(Timer, CutShortStopsAfterTheFirstGroup) {
  int calls = 0;
  TimingOptions o;
  o.repeat = 5;
  o.min_repeat_ms = 0;
  o.warmup = 0;
  o.cut_short_above_s = 0;  // anything is slower than that
  TimingResult r = time_function([&] { ++calls; }, o);
  EXPECT_TRUE(r.cut_short);
  EXPECT_EQ(r.samples_s.size(), 1u);
  EXPECT_EQ(calls, r.number);

  o.cut_short_above_s = std::numeric_limits<double>::infinity();
  int before = 0;
  o.before_run = [&] { ++before; };
  calls = 0;
  r = time_function([&] { ++calls; }, o);
  EXPECT_FALSE(r.cut_short);
  EXPECT_EQ(r.samples_s.size(), 5u);
  EXPECT_EQ(r.number, 1) << "with a flush before every run, a group is one run";
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(before, 5);
}

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
};

TEST(Wire, MessagesRoundTripWithLargePayloads) {
  Pipe pipe;
  WireMessage sent;
  sent.header = {{"type", "test"}, {"value", 3.5}};
  sent.payloads = {std::string(300000, 'x'), "", std::string("\0\1\2", 3)};
  // Larger than a pipe's buffer: the writer needs a reader running at the same time.
  std::thread writer([&] { EXPECT_TRUE(write_message(pipe.write, sent)); });
  WireMessage got;
  EXPECT_EQ(read_message(pipe.read, got, 10.0), ReadStatus::Ok);
  writer.join();
  EXPECT_EQ(got.header, sent.header);
  EXPECT_EQ(got.payloads, sent.payloads);
}

TEST(Wire, TimeoutClosedAndAGoneReader) {
  Pipe pipe;
  WireMessage m;
  EXPECT_EQ(read_message(pipe.read, m, 0.05), ReadStatus::TimedOut);
  ::close(pipe.write);
  pipe.write = -1;
  EXPECT_EQ(read_message(pipe.read, m, 1.0), ReadStatus::Closed);

  // Writing to a pipe nobody reads any more is a false return, not a SIGPIPE death.
  Pipe gone;
  ::close(gone.read);
  gone.read = -1;
  WireMessage hello;
  hello.header = {{"type", "hello"}};
  EXPECT_FALSE(write_message(gone.write, hello));
}

TEST(WorkerProtocol, TaskCandidateAndResultRoundTrip) {
  WorkerTask task;
  task.target = "llvm -mcpu=x86-64";
  task.params = {BufferNode::make("A", DType::float32(), {2, 3}, BufferScope::Param),
                 BufferNode::make("C", DType::float32(), {3}, BufferScope::Param)};
  NDArray a({2, 3}, DType::float32()), c({3}, DType::float32());
  for (int i = 0; i < 6; ++i) a.as<float>()[i] = float(i) * 0.5f;
  for (int i = 0; i < 3; ++i) c.as<float>()[i] = -float(i);
  task.inputs = {a};
  task.expected = {c};
  task.repeat = 7;
  task.flush_cache = true;
  task.memory_limit_bytes = 12345;
  WorkerTask back = decode_task(encode_task(task));
  ASSERT_EQ(back.params.size(), 2u);
  EXPECT_EQ(back.params[0]->name, "A");
  EXPECT_EQ(back.params[0]->shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(back.inputs.size(), 1u);
  ASSERT_EQ(back.expected.size(), 1u);
  EXPECT_EQ(std::memcmp(back.inputs[0].data(), a.data(), a.bytes()), 0);
  EXPECT_EQ(std::memcmp(back.expected[0].data(), c.data(), c.bytes()), 0);
  EXPECT_EQ(back.repeat, 7);
  EXPECT_TRUE(back.flush_cache);
  EXPECT_EQ(back.memory_limit_bytes, 12345);
  EXPECT_EQ(back.target, task.target);

  WorkerCandidate candidate{"k",
                            std::string("\x7f"
                                        "ELF\0\1",
                                        6),
                            std::numeric_limits<double>::infinity(), "hang",
                            {"", R"(["layout_rewrite","W",[[8],[]],[[0,0],[1,0],[0,1]]])"}};
  WorkerCandidate c2 = decode_candidate(encode_candidate(candidate));
  EXPECT_EQ(c2.bytes, candidate.bytes);
  EXPECT_TRUE(std::isinf(c2.cut_short_above_s));
  EXPECT_EQ(c2.fault, "hang");
  EXPECT_EQ(c2.input_layouts, candidate.input_layouts);

  WorkerResult result;
  result.error = MeasureError::WrongAnswer;
  result.message = "3 of 64 elements differ";
  result.costs_s = {1e-3, 2e-3};
  result.cut_short = true;
  result.number = 4;
  WorkerResult r2 = decode_result(encode_result(result));
  EXPECT_EQ(r2.error, MeasureError::WrongAnswer);
  EXPECT_EQ(r2.message, result.message);
  EXPECT_EQ(r2.costs_s, result.costs_s);
  EXPECT_TRUE(r2.cut_short);
  EXPECT_EQ(r2.number, 4);
  EXPECT_THROW(decode_result(encode_ready()), InternalError);
}

}  // namespace
}  // namespace tt

// Encoding and decoding of the worker messages, see worker_protocol.h. Arrays travel as raw
// payloads in parameter order; their shapes and dtypes come from the parameter list.
#include "search/measure/worker_protocol.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "ir/error.h"

namespace tt {
namespace {

using nlohmann::json;

std::string array_bytes(const NDArray& array) {
  return std::string(static_cast<const char*>(array.data()), array.bytes());
}

NDArray array_from_bytes(const BufferNode& param, const std::string& bytes) {
  NDArray array(param.shape.empty() ? std::vector<int64_t>{param.size} : param.shape, param.dtype);
  if (bytes.size() != array.bytes())
    internal_error("measurement message: {} bytes for parameter '{}' of {} bytes", bytes.size(),
                   param.name, array.bytes());
  std::memcpy(array.data(), bytes.data(), bytes.size());
  return array;
}

// Infinity has no JSON form: it travels as null.
json finite_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }
double null_is_infinity(const json& value) {
  return value.is_null() ? std::numeric_limits<double>::infinity() : value.get<double>();
}

// Runs a decoder, turning JSON type and key errors into InternalError: both sides are this program,
// so a malformed message is a bug.
template <typename F>
auto decoding(const char* what, F&& decode) {
  try {
    return decode();
  } catch (const json::exception& e) {
    internal_error("malformed measurement {} message: {}", what, e.what());
  }
}

void expect_type(const WireMessage& message, const char* type) {
  if (message_type(message) != type)
    internal_error("expected a measurement {} message, got '{}'", type, message_type(message));
}

}  // namespace

std::string message_type(const WireMessage& message) {
  auto it = message.header.find("type");
  return it != message.header.end() && it->is_string() ? it->get<std::string>() : "";
}

WireMessage encode_task(const WorkerTask& task) {
  TT_ASSERT(task.inputs.size() + task.expected.size() == task.params.size(),
            "{} inputs and {} outputs for {} parameters", task.inputs.size(), task.expected.size(),
            task.params.size());
  WireMessage m;
  json params = json::array();
  for (const Buffer& p : task.params)
    params.push_back({{"name", p->name},
                      {"dtype", p->dtype.to_string()},
                      {"shape", p->shape},
                      {"size", p->size}});
  m.header = {{"type", "task"},
              {"target", task.target},
              {"params", params},
              {"num_inputs", task.inputs.size()},
              {"rtol", task.rtol},
              {"atol", task.atol},
              {"num_threads", task.num_threads},
              {"warmup", task.warmup},
              {"repeat", task.repeat},
              {"min_repeat_ms", task.min_repeat_ms},
              {"flush_cache", task.flush_cache},
              {"memory_limit_bytes", task.memory_limit_bytes}};
  for (const NDArray& a : task.inputs) m.payloads.push_back(array_bytes(a));
  for (const NDArray& a : task.expected) m.payloads.push_back(array_bytes(a));
  return m;
}

WorkerTask decode_task(const WireMessage& m) {
  expect_type(m, "task");
  return decoding("task", [&] {
    const json& h = m.header;
    WorkerTask task;
    task.target = h.at("target").get<std::string>();
    for (const json& p : h.at("params")) {
      Buffer buffer = BufferNode::make(
          p.at("name").get<std::string>(), parse_dtype(p.at("dtype").get<std::string>()),
          p.at("shape").get<std::vector<int64_t>>(), BufferScope::Param);
      if (buffer->size != p.at("size").get<int64_t>())
        internal_error("measurement task: parameter '{}' has {} elements, the message says {}",
                       buffer->name, buffer->size, p.at("size").dump());
      task.params.push_back(buffer);
    }
    size_t num_inputs = h.at("num_inputs").get<size_t>();
    if (num_inputs > task.params.size() || m.payloads.size() != task.params.size())
      internal_error("measurement task: {} payloads and {} inputs for {} parameters",
                     m.payloads.size(), num_inputs, task.params.size());
    for (size_t i = 0; i < task.params.size(); ++i) {
      NDArray array = array_from_bytes(*task.params[i], m.payloads[i]);
      (i < num_inputs ? task.inputs : task.expected).push_back(std::move(array));
    }
    task.rtol = h.at("rtol").get<double>();
    task.atol = h.at("atol").get<double>();
    task.num_threads = h.at("num_threads").get<int>();
    task.warmup = h.at("warmup").get<int>();
    task.repeat = h.at("repeat").get<int>();
    task.min_repeat_ms = h.at("min_repeat_ms").get<double>();
    task.flush_cache = h.at("flush_cache").get<bool>();
    task.memory_limit_bytes = h.at("memory_limit_bytes").get<int64_t>();
    return task;
  });
}

WireMessage encode_candidate(const WorkerCandidate& c) {
  WireMessage m;
  m.header = {{"type", "candidate"},
              {"name", c.name},
              {"cut_short_above_s", finite_or_null(c.cut_short_above_s)},
              {"fault", c.fault},
              {"input_layouts", c.input_layouts},
              {"input_winograd_tiles", c.input_winograd_tiles},
              {"output_layouts", c.output_layouts}};
  m.payloads.push_back(c.bytes);
  return m;
}

WorkerCandidate decode_candidate(const WireMessage& m) {
  expect_type(m, "candidate");
  return decoding("candidate", [&] {
    if (m.payloads.size() != 1)
      internal_error("measurement candidate: {} payloads, not 1", m.payloads.size());
    WorkerCandidate c;
    c.name = m.header.at("name").get<std::string>();
    c.cut_short_above_s = null_is_infinity(m.header.at("cut_short_above_s"));
    c.fault = m.header.at("fault").get<std::string>();
    c.input_layouts = m.header.at("input_layouts").get<std::vector<std::string>>();
    c.input_winograd_tiles = m.header.at("input_winograd_tiles").get<std::vector<int64_t>>();
    c.output_layouts = m.header.at("output_layouts").get<std::vector<std::string>>();
    c.bytes = m.payloads[0];
    return c;
  });
}

WireMessage encode_result(const WorkerResult& r) {
  WireMessage m;
  m.header = {{"type", "result"},
              {"error", int(r.error)},
              {"message", r.message},
              {"check", r.check},
              {"max_abs_error", finite_or_null(r.max_abs_error)},
              {"max_rel_error", finite_or_null(r.max_rel_error)},
              {"costs_s", r.costs_s},
              {"number", r.number},
              {"cut_short", r.cut_short}};
  return m;
}

WorkerResult decode_result(const WireMessage& m) {
  expect_type(m, "result");
  return decoding("result", [&] {
    const json& h = m.header;
    WorkerResult r;
    int error = h.at("error").get<int>();
    if (error < 0 || error >= kNumMeasureErrors)
      internal_error("measurement result: error code {}", error);
    r.error = MeasureError(error);
    r.message = h.at("message").get<std::string>();
    r.check = h.at("check").get<std::string>();
    r.max_abs_error = null_is_infinity(h.at("max_abs_error"));
    r.max_rel_error = null_is_infinity(h.at("max_rel_error"));
    r.costs_s = h.at("costs_s").get<std::vector<double>>();
    r.number = h.at("number").get<int>();
    r.cut_short = h.at("cut_short").get<bool>();
    return r;
  });
}

WireMessage encode_ready(const std::string& error) {
  WireMessage m;
  m.header = {{"type", "ready"}, {"error", error}};
  return m;
}

std::string decode_ready(const WireMessage& m) {
  expect_type(m, "ready");
  return decoding("ready", [&] { return m.header.at("error").get<std::string>(); });
}

}  // namespace tt

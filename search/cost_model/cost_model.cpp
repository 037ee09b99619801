// The XGBoost cost model (through XGBoost's C API, with Ansor's pack-sum objective computed here
// round by round) and the random baseline model.
#include "search/cost_model/cost_model.h"

#include <xgboost/c_api.h>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ir/error.h"

namespace tt {

namespace {

constexpr const char* kXGBoostHeader = "tensortune-xgboost-cost-model 1";
constexpr const char* kRandomHeader = "tensortune-random-cost-model 1";

// XGBoost reports errors through a return code and a message buffer that its next call overwrites,
// so the message is copied into the exception at once.
void check_xgboost(int rc, const char* what) {
  if (rc != 0) internal_error("XGBoost {} failed: {}", what, std::string(XGBGetLastError()));
}

// The feature rows of `programs` as one row-major matrix, and the program index of each row.
struct PackedRows {
  std::vector<float> data;
  std::vector<size_t> program_of_row;
};

template <typename GetFeatures>
PackedRows pack_rows(size_t num_programs, GetFeatures get) {
  PackedRows packed;
  for (size_t p = 0; p < num_programs; ++p) {
    for (const std::vector<float>& row : get(p).rows) {
      TT_ASSERT(row.size() == size_t(kFeatureLength), "a feature row of {} floats, expected {}",
                row.size(), kFeatureLength);
      packed.data.insert(packed.data.end(), row.begin(), row.end());
      packed.program_of_row.push_back(p);
    }
  }
  return packed;
}

// An owned DMatrix handle.
class DMatrix {
 public:
  explicit DMatrix(const PackedRows& rows) {
    check_xgboost(
        XGDMatrixCreateFromMat_omp(rows.data.data(), rows.program_of_row.size(), kFeatureLength,
                                   std::numeric_limits<float>::quiet_NaN(), &handle_, 1),
        "creating a matrix");
  }
  ~DMatrix() { XGDMatrixFree(handle_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

// Raw margins (the trees' sums) for every row; `training` as XGBoost defines it for prediction.
std::vector<float> predict_rows(BoosterHandle booster, const DMatrix& matrix, bool training) {
  bst_ulong length = 0;
  const float* out = nullptr;
  check_xgboost(XGBoosterPredict(booster, matrix.get(), /*option_mask=output margin*/ 1, 0,
                                 training ? 1 : 0, &length, &out),
                "predicting");
  return std::vector<float>(out, out + length);  // copied before the next call reuses the buffer
}

std::vector<double> pack_sums(const std::vector<float>& row_scores, const PackedRows& rows,
                              size_t num_programs) {
  std::vector<double> sums(num_programs, 0.0);
  for (size_t r = 0; r < row_scores.size(); ++r)
    sums[rows.program_of_row[r]] += double(row_scores[r]);
  return sums;
}

void set_param(BoosterHandle booster, const char* name, const std::string& value) {
  check_xgboost(XGBoosterSetParam(booster, name, value.c_str()), name);
}

void configure(BoosterHandle booster, const XGBoostParams& p) {
  set_param(booster, "nthread",
            "1");  // deterministic, and the machine's cores belong to measurement
  set_param(booster, "tree_method", "hist");
  set_param(booster, "max_depth", fmt::format("{}", p.max_depth));
  set_param(booster, "eta", fmt::format("{}", p.eta));
  set_param(booster, "gamma", fmt::format("{}", p.gamma));
  set_param(booster, "min_child_weight", fmt::format("{}", p.min_child_weight));
  set_param(booster, "seed", fmt::format("{}", p.seed));
  set_param(booster, "base_score", "0");  // margins start at 0, so a pack sum starts at 0 too
  set_param(booster, "disable_default_eval_metric", "1");
}

nlohmann::json params_to_json(const XGBoostParams& p) {
  return {{"max_depth", p.max_depth},
          {"eta", p.eta},
          {"gamma", p.gamma},
          {"min_child_weight", p.min_child_weight},
          {"num_rounds", p.num_rounds},
          {"early_stopping_rounds", p.early_stopping_rounds},
          {"seed", p.seed},
          {"num_warmup_samples", p.num_warmup_samples},
          {"min_sample_weight", p.min_sample_weight}};
}

XGBoostParams params_from_json(const nlohmann::json& j) {
  XGBoostParams p;
  p.max_depth = j.at("max_depth").get<int>();
  p.eta = j.at("eta").get<double>();
  p.gamma = j.at("gamma").get<double>();
  p.min_child_weight = j.at("min_child_weight").get<double>();
  p.num_rounds = j.at("num_rounds").get<int>();
  p.early_stopping_rounds = j.at("early_stopping_rounds").get<int>();
  p.seed = j.at("seed").get<uint64_t>();
  p.num_warmup_samples = j.at("num_warmup_samples").get<int>();
  p.min_sample_weight = j.at("min_sample_weight").get<double>();
  return p;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) user_error("cannot read {} '{}'", what, path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Written beside `path` and renamed over it, so a reader, a second tuner saving the same file or a
// kill in the middle sees the old content or the new, never a torn file that would stop a resume.
void write_file(const std::string& path, const std::string& content, const char* what) {
  static std::atomic<uint64_t> writes{0};
  std::string temp = fmt::format("{}.tmp.{}.{}", path, ::getpid(), writes++);
  bool written = false;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) user_error("cannot write {} '{}': cannot create '{}'", what, path, temp);
    out.write(content.data(), std::streamsize(content.size()));
    out.flush();
    written = bool(out);
  }
  if (!written) {
    std::remove(temp.c_str());
    user_error("cannot write {} '{}' (is the disk full?)", what, path);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temp.c_str());
    user_error("cannot write {} '{}': {}", what, path, std::strerror(error));
  }
}

std::string rng_state(const std::mt19937_64& rng) {
  std::ostringstream s;
  s << rng;
  return s.str();
}

void set_rng_state(std::mt19937_64& rng, const std::string& state, const std::string& path) {
  std::istringstream s(state);
  s >> rng;
  if (!s) user_error("cost model file '{}': corrupt random generator state", path);
}

// Splits off the first line of `content` starting at `*pos`.
std::string next_line(const std::string& content, size_t* pos) {
  size_t end = content.find('\n', *pos);
  if (end == std::string::npos) end = content.size();
  std::string line = content.substr(*pos, end - *pos);
  *pos = std::min(content.size(), end + 1);
  return line;
}

std::vector<double> random_scores(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> scores(n);
  for (double& s : scores) s = uniform(rng);
  return scores;
}

}  // namespace

XGBoostCostModel::XGBoostCostModel(XGBoostParams params)
    : params_(params), warmup_rng_(params.seed) {
  if (params_.num_rounds < 1)
    user_error("XGBoost cost model: num_rounds must be at least 1, not {}", params_.num_rounds);
  if (params_.early_stopping_rounds < 1)
    user_error("XGBoost cost model: early_stopping_rounds must be at least 1, not {}",
               params_.early_stopping_rounds);
  if (params_.max_depth < 1)
    user_error("XGBoost cost model: max_depth must be at least 1, not {}", params_.max_depth);
}

XGBoostCostModel::~XGBoostCostModel() { reset_booster(); }

void XGBoostCostModel::reset_booster() {
  if (booster_) XGBoosterFree(booster_);
  booster_ = nullptr;
  rounds_ = 0;
}

void XGBoostCostModel::update(const std::vector<TrainingSample>& all_samples) {
  // Too few samples: the model stays as it is (random scores, or a model loaded from a file).
  if (int64_t(all_samples.size()) < int64_t(params_.num_warmup_samples)) return;

  std::map<int, double> best_of_task;
  for (const TrainingSample& s : all_samples) {
    if (!(s.throughput >= 0) || !std::isfinite(s.throughput))
      user_error(
          "cost model training sample of task {}: throughput {} is not a finite non-negative "
          "number",
          s.task, s.throughput);
    double& best = best_of_task[s.task];
    best = std::max(best, s.throughput);
  }
  PackedRows rows = pack_rows(all_samples.size(), [&](size_t p) -> const ProgramFeatures& {
    return all_samples[p].features;
  });
  if (rows.program_of_row.empty()) return;
  std::vector<double> label(all_samples.size()), weight(all_samples.size());
  for (size_t p = 0; p < all_samples.size(); ++p) {
    double best = best_of_task.at(all_samples[p].task);
    label[p] = best > 0 ? all_samples[p].throughput / best : 0;
    weight[p] = std::max(label[p], params_.min_sample_weight);
  }

  reset_booster();
  DMatrix matrix(rows);
  DMatrixHandle handles[] = {matrix.get()};
  BoosterHandle booster = nullptr;
  check_xgboost(XGBoosterCreate(handles, 1, &booster), "creating a booster");
  configure(booster, params_);

  std::vector<float> grad(rows.program_of_row.size()), hess(rows.program_of_row.size());
  double best_rmse = std::numeric_limits<double>::infinity();
  int best_rounds = 0;
  int rounds = 0;
  for (;;) {
    // The model of `rounds` trees: its weighted pack-sum error, then (unless stopping) one more
    // tree.
    std::vector<double> sums =
        pack_sums(predict_rows(booster, matrix, true), rows, all_samples.size());
    double error = 0, total_weight = 0;
    for (size_t p = 0; p < sums.size(); ++p) {
      if (all_samples[p].features.rows.empty()) continue;
      error += weight[p] * (sums[p] - label[p]) * (sums[p] - label[p]);
      total_weight += weight[p];
    }
    double rmse = std::sqrt(error / total_weight);
    if (rmse < best_rmse) {
      best_rmse = rmse;
      best_rounds = rounds;
    }
    if (rounds == params_.num_rounds || rounds - best_rounds >= params_.early_stopping_rounds)
      break;
    for (size_t r = 0; r < grad.size(); ++r) {
      size_t p = rows.program_of_row[r];
      grad[r] = float(weight[p] * (sums[p] - label[p]));
      hess[r] = float(weight[p]);
    }
    check_xgboost(
        XGBoosterBoostOneIter(booster, matrix.get(), grad.data(), hess.data(), grad.size()),
        "boosting");
    ++rounds;
  }
  best_rounds = std::max(best_rounds, 1);
  if (best_rounds < rounds) {
    BoosterHandle sliced = nullptr;
    check_xgboost(XGBoosterSlice(booster, 0, best_rounds, 1, &sliced), "keeping the best rounds");
    XGBoosterFree(booster);
    booster = sliced;
    set_param(booster, "nthread", "1");
  }
  booster_ = booster;
  rounds_ = best_rounds;
}

std::vector<double> XGBoostCostModel::predict(const std::vector<ProgramFeatures>& programs) const {
  if (!trained()) return random_scores(warmup_rng_, programs.size());
  PackedRows rows =
      pack_rows(programs.size(), [&](size_t p) -> const ProgramFeatures& { return programs[p]; });
  std::vector<double> scores(programs.size(), -std::numeric_limits<double>::infinity());
  if (rows.program_of_row.empty()) return scores;
  DMatrix matrix(rows);
  std::vector<double> sums =
      pack_sums(predict_rows(booster_, matrix, false), rows, programs.size());
  for (size_t p = 0; p < programs.size(); ++p)
    if (!programs[p].rows.empty()) scores[p] = sums[p];
  return scores;
}

void XGBoostCostModel::save(const std::string& path) const {
  nlohmann::json meta = {{"params", params_to_json(params_)},
                         {"trained", trained()},
                         {"rounds", rounds_},
                         {"feature_length", kFeatureLength},
                         {"warmup_rng", rng_state(warmup_rng_)}};
  std::string content = std::string(kXGBoostHeader) + "\n" + meta.dump() + "\n";
  if (trained()) {
    bst_ulong length = 0;
    const char* bytes = nullptr;
    check_xgboost(XGBoosterSaveModelToBuffer(booster_, R"({"format": "ubj"})", &length, &bytes),
                  "saving");
    content.append(bytes, length);  // copied before the next call reuses the buffer
  }
  write_file(path, content, "cost model file");
}

void XGBoostCostModel::load(const std::string& path) {
  std::string content = read_file(path, "cost model file");
  size_t pos = 0;
  if (next_line(content, &pos) != kXGBoostHeader)
    user_error("cost model file '{}': not an XGBoost cost model (expected the header '{}')", path,
               kXGBoostHeader);
  nlohmann::json meta;
  XGBoostParams params;
  bool has_model = false;
  int rounds = 0;
  std::string rng;
  try {
    meta = nlohmann::json::parse(next_line(content, &pos));
    params = params_from_json(meta.at("params"));
    has_model = meta.at("trained").get<bool>();
    rounds = meta.at("rounds").get<int>();
    rng = meta.at("warmup_rng").get<std::string>();
    if (meta.at("feature_length").get<int>() != kFeatureLength)
      user_error("cost model file '{}': trained on {} features, this build extracts {}", path,
                 meta.at("feature_length").get<int>(), kFeatureLength);
  } catch (const nlohmann::json::exception& e) {
    user_error("cost model file '{}': corrupt metadata: {}", path, e.what());
  }
  BoosterHandle booster = nullptr;
  if (has_model) {
    check_xgboost(XGBoosterCreate(nullptr, 0, &booster), "creating a booster");
    if (XGBoosterLoadModelFromBuffer(booster, content.data() + pos, content.size() - pos) != 0) {
      std::string message = XGBGetLastError();
      XGBoosterFree(booster);
      user_error("cost model file '{}': corrupt model: {}", path, message);
    }
    set_param(booster, "nthread", "1");
  }
  reset_booster();
  params_ = params;
  set_rng_state(warmup_rng_, rng, path);
  booster_ = booster;
  rounds_ = has_model ? rounds : 0;
}

std::vector<double> RandomCostModel::predict(const std::vector<ProgramFeatures>& programs) const {
  return random_scores(rng_, programs.size());
}

void RandomCostModel::save(const std::string& path) const {
  write_file(path, std::string(kRandomHeader) + "\n" + rng_state(rng_) + "\n", "cost model file");
}

void RandomCostModel::load(const std::string& path) {
  std::string content = read_file(path, "cost model file");
  size_t pos = 0;
  if (next_line(content, &pos) != kRandomHeader)
    user_error("cost model file '{}': not a random cost model (expected the header '{}')", path,
               kRandomHeader);
  set_rng_state(rng_, next_line(content, &pos), path);
}

}  // namespace tt

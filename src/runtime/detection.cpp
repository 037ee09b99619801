// RetinaNet's post-processing; see detection.h.
#include "src/runtime/detection.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ir/error.h"

namespace tt {

namespace {

// torch.round: halves to even.
double round_half_even(double v) { return std::nearbyint(v); }

int64_t conv_out(int64_t in, int64_t kernel, int64_t stride, int64_t pad) { return (in + 2 * pad - kernel) / stride + 1; }

float iou(const std::array<float, 4>& a, const std::array<float, 4>& b) {
  float w = std::max(0.0f, std::min(a[2], b[2]) - std::max(a[0], b[0]));
  float h = std::max(0.0f, std::min(a[3], b[3]) - std::max(a[1], b[1]));
  float inter = w * h;
  float area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
  float uni = area_a + area_b - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

}  // namespace

std::vector<std::array<float, 4>> retinanet_anchors(int64_t height, int64_t width, std::array<int64_t, 2> stride,
                                                    const std::vector<double>& sizes,
                                                    const std::vector<double>& aspect_ratios) {
  std::vector<std::array<float, 4>> cell;
  for (double ratio : aspect_ratios) {
    double h_ratio = std::sqrt(ratio), w_ratio = 1.0 / h_ratio;
    for (double size : sizes) {
      // torchvision computes these in float32.
      float ws = float(w_ratio) * float(size), hs = float(h_ratio) * float(size);
      cell.push_back({float(round_half_even(-ws / 2)), float(round_half_even(-hs / 2)), float(round_half_even(ws / 2)),
                      float(round_half_even(hs / 2))});
    }
  }
  std::vector<std::array<float, 4>> out;
  out.reserve(size_t(height * width) * cell.size());
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      float sx = float(x * stride[1]), sy = float(y * stride[0]);
      for (const auto& c : cell) out.push_back({sx + c[0], sy + c[1], sx + c[2], sy + c[3]});
    }
  return out;
}

std::vector<std::array<int64_t, 2>> retinanet_levels(int64_t height, int64_t width) {
  std::array<int64_t, 2> s = {height, width};
  auto step = [&](int64_t k, int64_t st, int64_t p) {
    for (int64_t& d : s) d = conv_out(d, k, st, p);
  };
  step(7, 2, 3);  // conv1
  step(3, 2, 1);  // max pool: C2 at stride 4
  std::vector<std::array<int64_t, 2>> levels;
  for (int stage = 0; stage < 3; ++stage) {  // C3, C4, C5: stride-2 3x3 convolutions
    step(3, 2, 1);
    levels.push_back(s);
  }
  for (int extra = 0; extra < 2; ++extra) {  // P6, P7
    step(3, 2, 1);
    levels.push_back(s);
  }
  return levels;
}

std::array<float, 4> decode_box(const std::array<float, 4>& anchor, const float* r) {
  const float clip = std::log(1000.0f / 16.0f);
  float w = anchor[2] - anchor[0], h = anchor[3] - anchor[1];
  float cx = anchor[0] + 0.5f * w, cy = anchor[1] + 0.5f * h;
  float dw = std::min(r[2], clip), dh = std::min(r[3], clip);
  float pcx = r[0] * w + cx, pcy = r[1] * h + cy;
  float pw = std::exp(dw) * w, ph = std::exp(dh) * h;
  return {pcx - 0.5f * pw, pcy - 0.5f * ph, pcx + 0.5f * pw, pcy + 0.5f * ph};
}

std::vector<int64_t> batched_nms(const std::vector<std::array<float, 4>>& boxes, const std::vector<float>& scores,
                                 const std::vector<int64_t>& labels, double threshold) {
  std::vector<int64_t> order(boxes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[size_t(a)] > scores[size_t(b)]; });
  std::vector<int64_t> kept;
  std::vector<bool> removed(boxes.size(), false);
  for (size_t i = 0; i < order.size(); ++i) {
    int64_t a = order[i];
    if (removed[size_t(a)]) continue;
    kept.push_back(a);
    for (size_t j = i + 1; j < order.size(); ++j) {
      int64_t b = order[j];
      if (!removed[size_t(b)] && labels[size_t(a)] == labels[size_t(b)] &&
          iou(boxes[size_t(a)], boxes[size_t(b)]) > float(threshold))
        removed[size_t(b)] = true;
    }
  }
  return kept;
}

std::vector<Detection> retinanet_detections(const NDArray& cls_logits, const NDArray& bbox_regression, int64_t n,
                                            int64_t height, int64_t width, const RetinaNetPostprocess& p) {
  if (cls_logits.shape().size() != 3 || bbox_regression.shape().size() != 3 || bbox_regression.shape()[2] != 4 ||
      cls_logits.shape()[0] != bbox_regression.shape()[0] || cls_logits.shape()[1] != bbox_regression.shape()[1])
    user_error("RetinaNet post-processing needs cls_logits [N, anchors, classes] and bbox_regression [N, anchors, 4]");
  const int64_t anchors_total = cls_logits.shape()[1], classes = cls_logits.shape()[2];
  if (n < 0 || n >= cls_logits.shape()[0]) user_error("RetinaNet post-processing: no image {}", n);
  const std::vector<double> ratios = {0.5, 1.0, 2.0};
  std::vector<std::array<int64_t, 2>> levels = retinanet_levels(height, width);
  int64_t expected = 0;
  for (const auto& l : levels) expected += l[0] * l[1] * 9;
  if (expected != anchors_total)
    user_error("RetinaNet post-processing: a {}x{} input has {} anchors, the outputs {}", height, width, expected,
               anchors_total);
  const float* logits = cls_logits.as<float>() + n * anchors_total * classes;
  const float* regression = bbox_regression.as<float>() + n * anchors_total * 4;
  std::vector<std::array<float, 4>> boxes;
  std::vector<float> scores;
  std::vector<int64_t> labels;
  int64_t offset = 0;
  for (size_t l = 0; l < levels.size(); ++l) {
    const double base = double(32 << l);
    const std::vector<double> sizes = {base, std::floor(base * std::pow(2.0, 1.0 / 3)), std::floor(base * std::pow(2.0, 2.0 / 3))};
    const std::array<int64_t, 2> stride = {height / levels[l][0], width / levels[l][1]};
    std::vector<std::array<float, 4>> anchors = retinanet_anchors(levels[l][0], levels[l][1], stride, sizes, ratios);
    const int64_t count = int64_t(anchors.size());
    // Scores above the threshold, then the best candidates (ties: the earlier index first).
    std::vector<std::pair<float, int64_t>> candidates;
    for (int64_t i = 0; i < count * classes; ++i) {
      float s = 1.0f / (1.0f + std::exp(-logits[offset * classes + i]));
      if (s > float(p.score_threshold)) candidates.push_back({s, i});
    }
    const size_t keep = size_t(std::min<int64_t>(p.candidates_per_level, int64_t(candidates.size())));
    std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                      [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    for (size_t k = 0; k < keep; ++k) {
      const int64_t anchor = candidates[k].second / classes, label = candidates[k].second % classes;
      std::array<float, 4> box = decode_box(anchors[size_t(anchor)], regression + (offset + anchor) * 4);
      box[0] = std::clamp(box[0], 0.0f, float(width));
      box[2] = std::clamp(box[2], 0.0f, float(width));
      box[1] = std::clamp(box[1], 0.0f, float(height));
      box[3] = std::clamp(box[3], 0.0f, float(height));
      boxes.push_back(box);
      scores.push_back(candidates[k].first);
      labels.push_back(label);
    }
    offset += count;
  }
  std::vector<int64_t> kept = batched_nms(boxes, scores, labels, p.nms_threshold);
  if (int64_t(kept.size()) > p.detections_per_image) kept.resize(size_t(p.detections_per_image));
  std::vector<Detection> out;
  for (int64_t k : kept) out.push_back({boxes[size_t(k)], scores[size_t(k)], labels[size_t(k)]});
  return out;
}

}  // namespace tt

// Post-processing of RetinaNet's raw head outputs into detections, as torchvision's RetinaNet
// does after its heads (run on the CPU, outside the compiled model): anchors per pyramid level
// (sizes 32-512 with three octave scales, aspect ratios 0.5, 1, 2), per level the sigmoid scores
// above a threshold and their best `candidates_per_level`, box decoding (BoxCoder weights 1, 1, 1,
// 1, clipped to the image), then non-maximum suppression per class and the best
// `detections_per_image`.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ir/ndarray.h"

namespace tt {

struct RetinaNetPostprocess {
  double score_threshold = 0.05;
  int64_t candidates_per_level = 1000;
  double nms_threshold = 0.5;
  int64_t detections_per_image = 300;
};

struct Detection {
  std::array<float, 4> box;  // x1, y1, x2, y2 in input pixels
  float score = 0;
  int64_t label = 0;
};

// torchvision's AnchorGenerator for one level: anchors of `sizes` and `aspect_ratios` centred on
// every `stride` pixels of a `height` x `width` feature map, position-major (rows, then columns,
// then the 9 anchors), as x1, y1, x2, y2.
std::vector<std::array<float, 4>> retinanet_anchors(int64_t height, int64_t width, std::array<int64_t, 2> stride,
                                                    const std::vector<double>& sizes,
                                                    const std::vector<double>& aspect_ratios);

// The feature map sizes of P3-P7 for an image of `height` x `width` (ResNet-50's strides, P6 and
// P7 by stride-2 convolutions).
std::vector<std::array<int64_t, 2>> retinanet_levels(int64_t height, int64_t width);

// Box (x1, y1, x2, y2) from an anchor and its regression (dx, dy, dw, dh), torchvision's BoxCoder
// with weights (1, 1, 1, 1) and dw, dh clamped at log(1000 / 16).
std::array<float, 4> decode_box(const std::array<float, 4>& anchor, const float* regression);

// Indices of `boxes` kept by greedy non-maximum suppression at IoU `threshold`, best score first
// (boxes of different labels never suppress each other).
std::vector<int64_t> batched_nms(const std::vector<std::array<float, 4>>& boxes, const std::vector<float>& scores,
                                 const std::vector<int64_t>& labels, double threshold);

// The detections of image `n` of cls_logits [N, anchors, classes] and bbox_regression
// [N, anchors, 4] for an input of `height` x `width`. UserError when the shapes do not fit
// RetinaNet's anchors for that input.
std::vector<Detection> retinanet_detections(const NDArray& cls_logits, const NDArray& bbox_regression, int64_t n,
                                            int64_t height, int64_t width, const RetinaNetPostprocess& params = {});

}  // namespace tt

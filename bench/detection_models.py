"""The zoo's detection models in PyTorch, for the peer measurements (torch_model_latency.py) and
the ONNX exports (export_detection_onnx.py): YOLOv2 written from Darknet's yolov2.cfg (torchvision
has none) and torchvision's RetinaNet up to its heads' raw outputs. Each has the input size the
zoo gives it.
"""
import torch
import torch.nn as nn
import torchvision


class Yolov2(nn.Module):
    """Darknet's yolov2.cfg (COCO): 80 classes, 5 anchors."""

    DARKNET19 = [(32, 3), "M", (64, 3), "M", (128, 3), (64, 1), (128, 3), "M", (256, 3), (128, 1), (256, 3), "M",
                 (512, 3), (256, 1), (512, 3), (256, 1), (512, 3), "route", "M",
                 (1024, 3), (512, 1), (1024, 3), (512, 1), (1024, 3)]

    def __init__(self):
        super().__init__()
        layers, channels = [], 3
        for spec in self.DARKNET19:
            if spec == "M":
                layers.append(nn.MaxPool2d(2, 2))
            elif spec == "route":
                layers.append(nn.Identity())
            else:
                out, k = spec
                layers.append(self.conv(channels, out, k))
                channels = out
        self.body = nn.ModuleList(layers)
        self.head1 = self.conv(1024, 1024, 3)
        self.head2 = self.conv(1024, 1024, 3)
        self.passthrough = self.conv(512, 64, 1)
        self.head3 = self.conv(1280, 1024, 3)
        self.output = nn.Conv2d(1024, 5 * (5 + 80), 1)

    @staticmethod
    def conv(cin, cout, k):
        return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout),
                             nn.LeakyReLU(0.1))

    def forward(self, x):
        route = None
        for layer, spec in zip(self.body, self.DARKNET19):
            x = layer(x)
            if spec == "route":
                route = x
        x = self.head2(self.head1(x))
        r = self.passthrough(route)
        n, c, h, w = r.shape
        # ONNX SpaceToDepth's order: channel (bh * 2 + bw) * C + c.
        r = r.view(n, c, h // 2, 2, w // 2, 2).permute(0, 3, 5, 1, 2, 4).reshape(n, 4 * c, h // 2, w // 2)
        return self.output(self.head3(torch.cat([r, x], 1)))


class RetinaNetHeads(nn.Module):
    """torchvision's RetinaNet up to the heads' raw outputs (no anchors, decoding or NMS)."""

    def __init__(self):
        super().__init__()
        self.model = torchvision.models.detection.retinanet_resnet50_fpn(weights=None, weights_backbone=None)

    def forward(self, x):
        features = list(self.model.backbone(x).values())
        out = self.model.head(features)
        return out["cls_logits"], out["bbox_regression"]



# name -> (constructor, input size, output names), as in tensortune's zoo.
DETECTION_MODELS = {
    "yolov2": (Yolov2, 416, ["output"]),
    "retinanet_resnet50_fpn": (RetinaNetHeads, 512, ["cls_logits", "bbox_regression"]),
}

// Printing sketches (for `tune --show-sketches` and tests) and looking up their stages.
#include "search/sketch/sketch.h"

#include <sstream>

namespace tt {

const char* stage_role_name(StageRole role) {
  switch (role) {
    case StageRole::Inlined:
      return "inlined";
    case StageRole::Tiled:
      return "tiled SSRSRS";
    case StageRole::TiledFused:
      return "tiled, fused into consumer";
    case StageRole::FusedConsumer:
      return "fused consumer";
    case StageRole::Simple:
      return "simple";
  }
  return "?";
}

int Sketch::stage_index(const std::string& name) const {
  for (size_t i = 0; i < stages.size(); ++i)
    if (stages[i].name == name) return int(i);
  return -1;
}

std::string to_string(const Sketch& sketch) {
  std::ostringstream os;
  os << "rules:";
  for (const std::string& r : sketch.rules) os << " " << r;
  if (sketch.rules.empty()) os << " (none)";
  os << "\n";
  for (const SketchAction& a : sketch.actions) {
    if (a.kind == SketchAction::Kind::Fixed) {
      os << "  " << to_string(a.step) << "\n";
    } else {
      os << "  rfactor(" << a.stage << ", fused reduce loop split by ?, "
         << (a.factor_inner ? "inner" : "outer") << " part)\n";
    }
  }
  for (const SketchStage& s : sketch.stages) {
    os << "  " << s.name << ": " << stage_role_name(s.role);
    if (s.role == StageRole::TiledFused) os << " " << s.fused_with << " at level " << s.fuse_level;
    if (s.role == StageRole::FusedConsumer)
      os << " of " << s.fused_with << ", levels 0.." << s.fuse_level - 1;
    if (s.from_rfactor) os << " (rfactor)";
    os << "\n";
  }
  return os.str();
}

std::string to_string(const Sketch& sketch, const Decisions& decisions) {
  std::ostringstream os;
  for (size_t i = 0; i < sketch.stages.size() && i < decisions.stages.size(); ++i) {
    const StageDecision& d = decisions.stages[i];
    os << sketch.stages[i].name << ":";
    for (const auto& t : d.tiles) {
      os << " [";
      for (size_t k = 0; k < t.size(); ++k) os << (k ? "," : "") << t[k];
      os << "]";
    }
    if (!d.rfactor_lengths.empty())
      os << " rfactor[" << d.rfactor_lengths[0] << "," << d.rfactor_lengths[1] << "]";
    os << " parallel=" << d.parallel_depth << " unroll=" << d.auto_unroll
       << " at=" << d.compute_location;
    if (d.vector_axis_count > 1) os << " vector_axis=" << d.vector_axis;
    os << "\n";
  }
  if (decisions.packable_weights > 0) os << "layout_rewrite=" << decisions.layout_rewrite << "\n";
  return os.str();
}

}  // namespace tt

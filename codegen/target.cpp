// Target strings and host detection. LLVM's MCSubtargetInfo is the authority on CPU names, on
// feature names and on which features imply which (+avx512bw turns on avx512f, -avx turns off
// avx2 and fma), so a parsed target is always a consistent feature set.
#include "codegen/target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <thread>

#include "codegen/internal/llvm_support.h"
#include "ir/error.h"

namespace tt {

namespace {

std::string strip_sign(const std::string& feature) {
  return !feature.empty() && (feature[0] == '+' || feature[0] == '-') ? feature.substr(1) : feature;
}

bool is_tracked(const std::string& name) {
  const auto& tracked = Target::tracked_features();
  return std::find(tracked.begin(), tracked.end(), name) != tracked.end();
}

const llvm::Target& lookup_llvm_target(const std::string& triple) {
  codegen_internal::initialize_llvm();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) user_error("target triple '{}' is not supported: {}", triple, error);
  return *target;
}

std::unique_ptr<llvm::MCSubtargetInfo> subtarget_info(const std::string& triple,
                                                      const std::string& cpu,
                                                      const std::string& features) {
  return std::unique_ptr<llvm::MCSubtargetInfo>(
      lookup_llvm_target(triple).createMCSubtargetInfo(triple, cpu, features));
}

// Resolves `cpu` plus a feature string (applied in order, with LLVM's implications) into a Target
// whose tracked features are exactly the ones that end up on.
Target resolve(const std::string& triple, const std::string& cpu, const std::string& feature_string,
               const std::vector<std::string>& extras) {
  auto info = subtarget_info(triple, cpu, feature_string);
  Target target;
  target.triple = triple;
  target.cpu = cpu;
  target.num_cores = std::max(1u, std::thread::hardware_concurrency());
  // The features LLVM is given, in the order it applies them: the untracked extras first, then
  // every tracked feature on, then "-name" for each tracked feature that is off although the CPU
  // has it by default (a virtual machine masking it, or "-mattr=-avx2"). So the tracked features
  // have the last word — an extra such as "-sse" cannot turn them off behind has()'s back — and
  // the string reads back as this target, not as the CPU's defaults.
  auto defaults = subtarget_info(triple, cpu, "");
  target.features = extras;
  std::vector<std::string> off;
  for (const std::string& name : Target::tracked_features()) {
    if (info->checkFeatures("+" + name))
      target.features.push_back("+" + name);
    else if (defaults->checkFeatures("+" + name))
      off.push_back("-" + name);
  }
  target.features.insert(target.features.end(), off.begin(), off.end());
  return target;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ",") + part;
  return out;
}

}  // namespace

const std::vector<std::string>& Target::tracked_features() {
  static const std::vector<std::string> features = {
      "sse4.2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq"};
  return features;
}

bool Target::has(const std::string& feature) const {
  std::string wanted = strip_sign(feature);
  wanted.insert(wanted.begin(), '+');
  return std::find(features.begin(), features.end(), wanted) != features.end();
}

int Target::vector_bits() const {
  if (has("avx512f")) return 512;
  if (has("avx2")) return 256;
  return 128;
}

int Target::vector_lanes(DType type) const {
  return std::max(1, vector_bits() / std::max<int>(8, type.bits));
}

std::string Target::to_string() const {
  std::string text = "llvm -mcpu=" + cpu;
  if (!features.empty()) text += " -mattr=" + join(features);
  if (triple != llvm::sys::getProcessTriple()) text += " -mtriple=" + triple;
  return text;
}

Target Target::host() {
  std::string triple = llvm::sys::getProcessTriple();
  std::string cpu = llvm::sys::getHostCPUName().str();
  auto host_features = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> flags;
  for (const std::string& name : tracked_features()) {
    auto it = host_features.find(name);
    flags.push_back((it != host_features.end() && it->second ? "+" : "-") + name);
  }
  return resolve(triple, cpu, join(flags), {});
}

Target Target::parse(const std::string& text) {
  std::istringstream stream(text);
  std::string token;
  if (!(stream >> token) || token != "llvm") {
    user_error("target '{}' is not supported: it must start with 'llvm'", text);
  }
  Target base = host();
  std::string triple = base.triple, cpu = base.cpu;
  std::vector<std::string> attrs;
  bool cpu_given = false;
  while (stream >> token) {
    auto value_of = [&](const std::string& prefix) -> std::optional<std::string> {
      if (token.rfind(prefix, 0) != 0) return std::nullopt;
      return token.substr(prefix.size());
    };
    if (auto value = value_of("-mcpu=")) {
      cpu = *value;
      cpu_given = true;
    } else if (auto value = value_of("-mtriple=")) {
      triple = *value;
    } else if (auto value = value_of("-mattr=")) {
      std::istringstream list(*value);
      std::string attr;
      while (std::getline(list, attr, ',')) {
        if (attr.size() < 2 || (attr[0] != '+' && attr[0] != '-')) {
          user_error("target '{}': feature '{}' must start with '+' or '-'", text, attr);
        }
        attrs.push_back(attr);
      }
    } else {
      user_error("target '{}': unknown option '{}' (expected -mcpu=, -mattr= or -mtriple=)", text,
                 token);
    }
  }

  auto generic = subtarget_info(triple, "", "");
  if (cpu_given && !generic->isCPUStringValid(cpu)) {
    user_error("target '{}': unknown CPU '{}' for {}", text, cpu, triple);
  }
  std::vector<std::string> extras;
  for (const std::string& attr : attrs) {
    std::string name = strip_sign(attr);
    const auto& known = generic->getAllProcessorFeatures();
    bool exists = std::any_of(known.begin(), known.end(),
                              [&](const llvm::SubtargetFeatureKV& kv) { return name == kv.Key; });
    if (!exists) user_error("target '{}': unknown feature '{}'", text, attr);
    if (!is_tracked(name)) extras.push_back(attr);
  }

  // Without -mcpu the host's own feature set is the starting point (a virtual machine may mask
  // features its CPU name implies); with -mcpu, that CPU's defaults are.
  std::vector<std::string> start;
  if (!cpu_given) {
    for (const std::string& name : tracked_features()) {
      start.push_back((base.has(name) ? "+" : "-") + name);
    }
  }
  for (const std::string& attr : attrs) start.push_back(attr);
  return resolve(triple, cpu, join(start), extras);
}

bool host_supports(const Target& target) {
  Target host = Target::host();
  if (target.triple != host.triple) return false;
  for (const std::string& name : Target::tracked_features()) {
    if (target.has(name) && !host.has(name)) return false;
  }
  return true;
}

void check_host_supports(const Target& target) {
  Target host = Target::host();
  if (target.triple != host.triple) {
    user_error("target '{}' is for {}, but this machine is {}", target.to_string(), target.triple,
               host.triple);
  }
  std::vector<std::string> missing;
  for (const std::string& name : Target::tracked_features()) {
    if (target.has(name) && !host.has(name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    user_error("target '{}' needs {} which this machine ({}) lacks", target.to_string(),
               join(missing), host.to_string());
  }
}

namespace codegen_internal {

void initialize_llvm() {
  static const bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    return true;
  }();
  (void)initialized;
}

std::string llvm_feature_string(const Target& target) {
  std::vector<std::string> flags;
  for (const std::string& name : Target::tracked_features()) {
    if (!target.has(name)) flags.push_back("-" + name);
  }
  for (const std::string& feature : target.features) flags.push_back(feature);
  return join(flags);
}

std::unique_ptr<llvm::TargetMachine> make_target_machine(const Target& target) {
  const llvm::Target& llvm_target = lookup_llvm_target(target.triple);
  llvm::TargetOptions options;
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  auto* machine = llvm_target.createTargetMachine(
      target.triple, target.cpu, llvm_feature_string(target), options, llvm::Reloc::PIC_,
      llvm::CodeModel::Small, llvm::CodeGenOptLevel::Aggressive);
  TT_ASSERT(machine != nullptr, "LLVM could not create a target machine for {}",
            target.to_string());
  return std::unique_ptr<llvm::TargetMachine>(machine);
}

}  // namespace codegen_internal

}  // namespace tt

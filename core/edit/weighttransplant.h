#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nodus {

class Model;
class Tensor;
class TensorData;

// What loading one model's weights into another did (or would not do).
struct TransplantReport {
    // Target parameters that received the source's data, by target name.
    std::vector<std::string> loaded;
    // Target parameters no weight entry matched (MindSpore's param_not_load).
    std::vector<std::string> notLoaded;
    // Weight entries no target parameter matched (ckpt_not_load).
    std::vector<std::string> unused;
    // Pairs whose element type or shape differ, and names several weight
    // entries claim, in words; when there is any, nothing was applied unless
    // the transplant skips them.
    std::vector<std::string> mismatches;
    // Parameters matched through a tolerated name difference: (parameter,
    // weight entry), e.g. ("fc.weight", "module.fc.weight").
    std::vector<std::pair<std::string, std::string>> renamed;
    bool applied = false;

    // "applied 4, skipped 2 (1 not in the weights, 1 mismatched)".
    std::string summary() const;
};

// Loads the stored tensors of one model (a checkpoint, usually) into the
// main-graph initializers of another, by name, the way MindSpore's
// load_param_into_net does: each matched target tensor takes the source's
// data (shared, not copied: a mapped checkpoint stays mapped), so the
// target's writer saves the new bytes. Names match exactly first; a name
// left over then matches the one entry that is the same once each side
// drops what frameworks wrap names in: MindIR's graph qualifier
// ("<graph>:<name>", as MindSpore's loader strips it), TensorFlow's output
// index (":0"), and the "module." (DataParallel) and "model." prefixes.
// All or nothing by default: any type or shape mismatch refuses the whole
// transplant; with `skipMismatches` the matching tensors are applied and the
// others reported. revert() puts the previous data back.
class WeightTransplant {
public:
    WeightTransplant(Model& target, const Model& weights, bool skipMismatches = false);

    const TransplantReport& report() const { return report_; }
    void apply();
    void revert();

private:
    struct Change {
        std::shared_ptr<Tensor> tensor;
        std::shared_ptr<const TensorData> before;
        std::shared_ptr<const TensorData> after;
    };
    TransplantReport report_;
    std::vector<Change> changes_;
    bool skipMismatches_ = false;
};

// Plans and applies a transplant in one go; see WeightTransplant.
TransplantReport applyWeights(Model& target, const Model& weights, bool skipMismatches = false);

// A weight's name without the wrapping WeightTransplant tolerates.
std::string canonicalWeightName(std::string name);

} // namespace nodus

#pragma once

#include <memory>
#include <string>
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
    // Pairs whose element type or shape differ, in words; when there is any,
    // nothing was applied.
    std::vector<std::string> mismatches;
    bool applied = false;
};

// Loads the stored tensors of one model (a checkpoint, usually) into the
// main-graph initializers of another, by name, the way MindSpore's
// load_param_into_net does: each matched target tensor takes the source's
// data (shared, not copied: a mapped checkpoint stays mapped), so the
// target's writer saves the new bytes. A MindIR parameter named
// "<graph>:<name>" also matches an entry named "<name>", as MindSpore's
// loader strips that prefix. All or nothing: any type or shape mismatch
// refuses the whole transplant. revert() puts the previous data back.
class WeightTransplant {
public:
    WeightTransplant(Model& target, const Model& weights);

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
};

// Plans and applies a transplant in one go; see WeightTransplant.
TransplantReport applyWeights(Model& target, const Model& weights);

} // namespace nodus

#pragma once

#include "edit/commands.h"
#include "edit/weighttransplant.h"

#include <memory>

namespace nodus {

// File > Load Weights as an edit command, so it is one undo step: a
// planned WeightTransplant that apply() carries out and revert() takes back.
// apply() refuses a transplant with type or shape mismatches or with
// nothing to load (nothing would change).
class LoadWeightsCommand : public EditCommand {
public:
    // `transplant` was planned for the model this command is applied to.
    LoadWeightsCommand(std::unique_ptr<WeightTransplant> transplant, std::string fileName);

    std::string text() const override;
    void apply(Model& model) override;
    void revert(Model& model) override;

    const TransplantReport& report() const { return transplant_->report(); }

private:
    std::unique_ptr<WeightTransplant> transplant_;
    std::string fileName_;
};

} // namespace nodus

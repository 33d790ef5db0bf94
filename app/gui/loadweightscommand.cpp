#include "loadweightscommand.h"

namespace nodus {

LoadWeightsCommand::LoadWeightsCommand(std::unique_ptr<WeightTransplant> transplant, std::string fileName)
    : transplant_(std::move(transplant))
    , fileName_(std::move(fileName))
{
}

std::string LoadWeightsCommand::text() const
{
    return "Load weights from " + fileName_;
}

void LoadWeightsCommand::apply(Model&)
{
    const TransplantReport& r = transplant_->report();
    if (!r.mismatches.empty())
        throw EditRefused(fileName_ + ": " + std::to_string(r.mismatches.size())
            + " parameters differ in type or shape from the model's; nothing was loaded");
    if (r.loaded.empty())
        throw EditRefused(fileName_ + ": no weight entry matches a parameter of the model");
    transplant_->apply();
}

void LoadWeightsCommand::revert(Model&)
{
    transplant_->revert();
}

} // namespace nodus

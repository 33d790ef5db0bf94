#include "commands.h"

#include "formats/formatregistry.h"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

namespace nodus::cli {

int formatsCommand(const Args& args)
{
    const bool json = !args.empty() && args[0] == "--json";
    nlohmann::json list = nlohmann::json::array();
    for (const Format* f : FormatRegistry::instance().formats()) {
        std::string caps;
        if (f->can(Format::Read))
            caps += "read ";
        if (f->can(Format::Write))
            caps += "write ";
        if (f->can(Format::ExportOnnx))
            caps += "export-onnx ";
        if (!caps.empty())
            caps.pop_back();
        std::string exts;
        for (const auto& e : f->extensions())
            exts += (exts.empty() ? "" : " ") + e;
        if (json) {
            list.push_back({{"name", f->name()},
                            {"display_name", f->displayName()},
                            {"extensions", f->extensions()},
                            {"read", f->can(Format::Read)},
                            {"write", f->can(Format::Write)},
                            {"export_onnx", f->can(Format::ExportOnnx)}});
        } else {
            std::cout << std::left << std::setw(18) << f->name() << std::setw(28) << f->displayName()
                      << std::setw(26) << caps << exts << '\n';
        }
    }
    if (json)
        std::cout << list.dump(2) << '\n';
    return 0;
}

} // namespace nodus::cli

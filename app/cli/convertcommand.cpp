#include "commands.h"

#include "formats/formatregistry.h"
#include "ir/model.h"

#include <iostream>

namespace nodus::cli {

int convertCommand(const Args& args)
{
    std::vector<std::string> files;
    std::string format;
    WriteOptions options;
    ReadOptions readOptions;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] == "--format" && k + 1 < args.size())
            format = args[++k];
        else if (args[k] == "--key" && k + 1 < args.size())
            readOptions.key = args[++k];
        else if (args[k] == "--cipher" && k + 1 < args.size())
            readOptions.cipherMode = args[++k];
        else if (args[k] == "--external-data")
            options.externalData = true;
        else if (args[k].starts_with("--"))
            return usageError("convert: unknown option " + args[k]);
        else
            files.push_back(args[k]);
    }
    if (files.size() != 2)
        return usageError("convert: expected IN and OUT");
    try {
        const auto model = FormatRegistry::instance().open(files[0], readOptions);
        FormatRegistry::instance().save(*model, files[1], format, options);
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace nodus::cli

#include "pytorchformat.h"

#include "pytorchreader.h"
#include "torchscriptgraph.h"

#include "util/error.h"
#include "util/mappedfile.h"

namespace nodus {

std::vector<MimeMagic> PytorchFormat::magic() const
{
    // PROTO 2, LONG1 10 and the first bytes of 0x1950a86a20f9469cfc6c. Only
    // the legacy form has it, so it is "likely", not "certain" (80): a zip
    // checkpoint of the same type must not be judged to lack its magic.
    return { { 0, std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14), 60 } };
}

int PytorchFormat::sniff(const Probe& probe) const
{
    if (!probe.file)
        return 0;
    if (pytorch::isLegacyCheckpoint(probe.file->bytes()))
        return 95;
    return pytorch::zipKind(*probe.file) == 1 ? 90 : 0;
}

std::unique_ptr<Model> PytorchFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a PyTorch checkpoint is a file, not a folder");
    return pytorch::read(probe.file, false);
}

void PytorchFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    pytorch::write(model, path);
}

int TorchScriptFormat::sniff(const Probe& probe) const
{
    if (!probe.file)
        return 0;
    return pytorch::zipKind(*probe.file) == 2 ? 95 : 0;
}

std::unique_ptr<Model> TorchScriptFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a TorchScript archive is a file, not a folder");
    return pytorch::read(probe.file, true);
}

const OpMetadata& TorchScriptFormat::opMetadata() const
{
    return torchscript::opMetadata();
}

void TorchScriptFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    pytorch::write(model, path);
}

} // namespace nodus

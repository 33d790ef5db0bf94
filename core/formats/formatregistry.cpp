#include "formatregistry.h"

#include "caffe/caffeformat.h"
#include "cntk/cntkformat.h"
#include "cntk/cntkv1format.h"
#include "coreml/coremlformat.h"
#include "gguf/ggufformat.h"
#include "keras/kerasformat.h"
#include "mindspore/checkpointformat.h"
#include "mindspore/mindirformat.h"
#include "mindsporelite/msliteformat.h"
#include "ncnn/ncnnformat.h"
#include "numpy/numpyformat.h"
#include "onnx/onnxformat.h"
#include "paddle/paddleformat.h"
#include "pytorch/pytorchformat.h"
#include "safetensors/safetensorsformat.h"
#include "tensorflow/tensorflowformat.h"
#include "tflite/tfliteformat.h"

#include "ir/model.h"
#include "ir/opmetadata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <cctype>

namespace nodus {

namespace fs = std::filesystem;

namespace {

constexpr int kMinimumConfidence = 20;
constexpr int kExtensionBonus = 10;

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

} // namespace

const FormatRegistry& FormatRegistry::instance()
{
    static const FormatRegistry registry;
    return registry;
}

FormatRegistry::FormatRegistry()
{
    // The table. Every format the product knows is listed here, once.
    static const OnnxFormat onnx;
    static const MindirFormat mindir;
    static const CheckpointFormat mindsporeCheckpoint;
    formats_ = { &onnx, &mindir, &mindsporeCheckpoint };
    static const CntkFormat cntk;
    static const CntkV1Format cntkV1;
    formats_.push_back(&cntk);
    formats_.push_back(&cntkV1);
    static const TfliteFormat tflite;
    formats_.push_back(&tflite);
    static const TensorflowFormat tensorflow;
    formats_.push_back(&tensorflow);
    static const MsliteFormat mindsporeLite;
    formats_.push_back(&mindsporeLite);
    static const CoremlFormat coreml;
    formats_.push_back(&coreml);
    static const PytorchFormat pytorch;
    static const TorchScriptFormat torchScript;
    formats_.push_back(&pytorch);
    formats_.push_back(&torchScript);
    static const SafetensorsFormat safetensors;
    formats_.push_back(&safetensors);
    static const NumpyFormat numpy;
    formats_.push_back(&numpy);
    static const GgufFormat gguf;
    formats_.push_back(&gguf);
    static const PaddleFormat paddle;
    formats_.push_back(&paddle);
    static const KerasFormat keras;
    formats_.push_back(&keras);
    static const NcnnFormat ncnn;
    formats_.push_back(&ncnn);
    static const CaffeFormat caffe;
    formats_.push_back(&caffe);
}

const Format* FormatRegistry::byName(std::string_view name) const
{
    for (const Format* f : formats_)
        if (f->name() == name)
            return f;
    return nullptr;
}

const OpMetadata& FormatRegistry::opMetadataFor(std::string_view formatName) const
{
    if (const Format* f = byName(formatName))
        return f->opMetadata();
    return OpMetadata::onnx();
}

const Format* FormatRegistry::byExtension(const fs::path& path) const
{
    const std::string ext = lower(path.extension().string());
    for (const Format* f : formats_)
        for (const auto& e : f->extensions())
            if (e == ext)
                return f;
    return nullptr;
}

Probe FormatRegistry::probe(const fs::path& path)
{
    Probe p;
    p.path = path;
    p.extension = lower(path.extension().string());
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error(path.string() + ": no such file");
    if (!fs::is_directory(path, ec))
        p.file = MappedFile::open(path);
    return p;
}

FormatRegistry::Detection FormatRegistry::detect(const Probe& probe) const
{
    Detection best;
    for (const Format* f : formats_) {
        if (!f->can(Format::Read))
            continue;
        int score = f->sniff(probe);
        if (score <= 0)
            continue;
        const auto exts = f->extensions();
        if (std::find(exts.begin(), exts.end(), probe.extension) != exts.end())
            score += kExtensionBonus;
        if (score > best.confidence)
            best = { f, score };
    }
    if (!best.format || best.confidence < kMinimumConfidence) {
        if (probe.file && probe.file->size() == 0)
            throw Error(probe.path.string() + ": the file is empty");
        for (const Format* f : formats_)
            if (const auto model = f->modelOf(probe.path))
                throw Error(probe.path.string() + ": holds the weights of the " + std::string(f->displayName()) + " "
                    + model->filename().string() + " beside it; open that file");
        throw Error(probe.path.string() + ": not a model file Nodus can read (no known format matches its contents)");
    }
    return best;
}

Probe FormatRegistry::probe(std::shared_ptr<const MappedFile> file)
{
    Probe p;
    p.path = file->path();
    p.extension = lower(p.path.extension().string());
    p.file = std::move(file);
    return p;
}

std::unique_ptr<Model> FormatRegistry::open(const fs::path& path) const
{
    return open(probe(path));
}

std::unique_ptr<Model> FormatRegistry::open(const fs::path& path, const ReadOptions& options) const
{
    Probe p = probe(path);
    p.options = options;
    return open(p);
}

std::unique_ptr<Model> FormatRegistry::open(const Probe& p) const
{
    const Detection d = detect(p);
    auto model = d.format->read(p);
    model->format = std::string(d.format->name());
    model->sourcePath = p.path;
    return model;
}

void FormatRegistry::save(
    const Model& model, const fs::path& path, std::string_view formatName, const WriteOptions& options) const
{
    // By extension, the model's own format first: ".model" is both ONNX's
    // and CNTK's, and a CNTK model saved as x.model stays CNTK.
    const Format* f = nullptr;
    if (!formatName.empty()) {
        f = byName(formatName);
    } else if (const Format* own = byName(model.format); own && own->can(Format::Write)) {
        std::string ext = path.extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        for (const auto& e : own->extensions())
            if (e == ext)
                f = own;
    }
    if (!f && formatName.empty())
        f = byExtension(path);
    if (!f && formatName.empty())
        f = byName(model.format);
    if (!f)
        throw Error(path.string() + ": unknown output format '"
            + std::string(formatName.empty() ? path.extension().string() : formatName) + "'");
    if (!f->can(Format::Write))
        throw Error(path.string() + ": " + std::string(f->displayName()) + " files cannot be written");
    f->write(model, path, options);
}

} // namespace nodus

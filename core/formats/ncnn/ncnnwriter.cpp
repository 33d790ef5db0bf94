#include "ncnnwriter.h"

#include "ncnnimporter.h"
#include "ncnnnet.h"
#include "ncnnweights.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <charconv>
#include <cstring>
#include <set>
#include <unistd.h>

namespace nodus {

namespace fs = std::filesystem;

namespace {

std::string floatText(double value)
{
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(value));
    std::string s(buf, r.ptr);
    // ncnn reads a value as a float only when it has a '.' or an exponent.
    if (s.find_first_of(".eE") == std::string::npos && s.find_first_of("0123456789") != std::string::npos)
        s += ".0";
    return s;
}

bool plainName(const std::string& s)
{
    if (s.empty())
        return false;
    for (const unsigned char c : s)
        if (c <= ' ')
            return false;
    return true;
}

// A layer's params back from its node's attributes (names -> ids).
NcnnLayer layerOf(const Node& node, const std::string& where)
{
    NcnnLayer layer;
    layer.type = node.opType;
    layer.name = node.name;
    std::set<int> seen;
    for (const auto& a : node.attributes) {
        NcnnParam p;
        if (const NcnnParamInfo* info = ncnnParamInfo(node.opType, a.name)) {
            p.id = info->id;
        } else {
            const auto r = std::from_chars(a.name.data(), a.name.data() + a.name.size(), p.id);
            if (r.ec != std::errc() || r.ptr != a.name.data() + a.name.size())
                throw Error(where + ": attribute '" + a.name + "' is not an ncnn param of " + node.opType);
        }
        if (p.id < 0 || p.id >= 32 || !seen.insert(p.id).second)
            throw Error(where + ": attribute '" + a.name + "' has a param id outside 0..31 or given twice");
        switch (a.type) {
        case AttributeType::Int:
            if (a.i < INT32_MIN || a.i > INT32_MAX)
                throw Error(where + ": attribute '" + a.name + "' does not fit 32 bits");
            p.ints.push_back(static_cast<std::int32_t>(a.i));
            break;
        case AttributeType::Float:
            p.isFloat = true;
            p.floats.push_back(static_cast<float>(a.f));
            break;
        case AttributeType::Ints:
            p.array = true;
            for (const auto i : a.ints) {
                if (i < INT32_MIN || i > INT32_MAX)
                    throw Error(where + ": attribute '" + a.name + "' does not fit 32 bits");
                p.ints.push_back(static_cast<std::int32_t>(i));
            }
            break;
        case AttributeType::Floats:
            p.array = true;
            p.isFloat = true;
            for (const auto f : a.floats)
                p.floats.push_back(static_cast<float>(f));
            break;
        default:
            throw Error(where + ": attribute '" + a.name + "' is a " + std::string(attributeTypeName(a.type))
                + "; ncnn params are ints and floats");
        }
        layer.params.push_back(std::move(p));
    }
    return layer;
}

std::string paramText(const NcnnParam& p)
{
    std::string s = std::to_string(p.array ? -23300 - p.id : p.id) + "=";
    if (p.array)
        s += std::to_string(p.isFloat ? p.floats.size() : p.ints.size());
    const std::size_t n = p.isFloat ? p.floats.size() : p.ints.size();
    for (std::size_t k = 0; k < n; ++k) {
        if (p.array || k)
            s += ",";
        s += p.isFloat ? floatText(p.floats[k]) : std::to_string(p.ints[k]);
    }
    return s;
}

void writeAll(AtomicFile& f, const std::string& bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(f.fd(), bytes.data() + done, bytes.size() - done);
        if (n <= 0)
            throw Error(f.target().string() + ": cannot write: " + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

void append(std::string& out, std::span<const std::byte> bytes)
{
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void appendU32(std::string& out, std::uint32_t v)
{
    out.append(reinterpret_cast<const char*>(&v), 4);
}

void pad4(std::string& out)
{
    while (out.size() % 4)
        out.push_back('\0');
}

} // namespace

void writeNcnn(const Model& model, const fs::path& path)
{
    const std::string target = path.string();
    std::string lower = path.filename().string();
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower.ends_with(".param") || lower.ends_with(".param.bin"))
        throw Error(target + ": ncnn models are written as a text .param (with its .bin beside it)");
    if (model.producerName == "pnnx")
        throw Error(target + ": a pnnx graph cannot be written as an ncnn param");
    const Graph& g = *model.graph;

    std::string param = "7767517\n";
    std::string body;
    std::set<std::string> blobs;
    std::string bin;
    const bool withWeights = !g.initializers.empty();
    for (const auto& nodePtr : g.nodes()) {
        const Node& node = *nodePtr;
        const std::string where = target + ": layer '" + node.name + "'";
        if (!plainName(node.opType) || !plainName(node.name))
            throw Error(where + ": ncnn layer types and names cannot be empty or hold blanks");
        const NcnnLayer layer = layerOf(node, where);
        std::vector<const Value*> bottoms;
        std::vector<const Tensor*> weights;
        for (const Value* v : node.inputs()) {
            if (!v)
                throw Error(where + ": an input is left out; ncnn has no optional inputs");
            if (v->initializer)
                weights.push_back(v->initializer.get());
            else
                bottoms.push_back(v);
        }
        body += node.opType + " " + node.name + " " + std::to_string(bottoms.size()) + " "
            + std::to_string(node.outputs().size());
        for (const Value* v : bottoms) {
            if (!plainName(v->name()))
                throw Error(where + ": blob name '" + v->name() + "' is empty or holds blanks");
            body += " " + v->name();
            blobs.insert(v->name());
        }
        for (const Value* v : node.outputs()) {
            if (!v || !plainName(v->name()))
                throw Error(where + ": an output blob has no usable name");
            body += " " + v->name();
            blobs.insert(v->name());
        }
        for (const auto& p : layer.params)
            body += " " + paramText(p);
        body += "\n";

        if (!withWeights)
            continue;
        std::string why;
        const auto layout = ncnnWeightLayout(layer, why);
        if (!layout)
            throw Error(where + ": cannot write its weights: " + why);
        if (layout->size() != weights.size())
            throw Error(where + ": has " + std::to_string(weights.size()) + " weight tensors where its params call for "
                + std::to_string(layout->size()));
        for (std::size_t k = 0; k < weights.size(); ++k) {
            const Tensor& t = *weights[k];
            const auto& spec = (*layout)[k];
            if (!t.data || t.elementCount().value_or(~0ull) != static_cast<std::uint64_t>(spec.count))
                throw Error(where + ": weight '" + t.name + "' must hold " + std::to_string(spec.count)
                    + " elements as its params say");
            const auto bytes = t.data->bytes();
            if (t.expectedBytes() && bytes.size() != *t.expectedBytes())
                throw Error(where + ": weight '" + t.name + "' has the wrong byte size");
            if (spec.flagged) {
                if (t.dataType == DataType::Float16)
                    appendU32(bin, kNcnnTagFp16);
                else if (t.dataType == DataType::Int8)
                    appendU32(bin, kNcnnTagInt8);
                else if (t.dataType == DataType::Float)
                    appendU32(bin, 0);
                else
                    throw Error(where + ": weight '" + t.name + "' must be float32, float16 or int8");
            } else if (t.dataType != DataType::Float) {
                throw Error(where + ": weight '" + t.name + "' must be float32");
            }
            append(bin, bytes);
            pad4(bin);
        }
    }
    param += std::to_string(g.nodes().size()) + " " + std::to_string(blobs.size()) + "\n" + body;
    try {
        AtomicFile paramFile(path);
        writeAll(paramFile, param);
        if (withWeights) {
            AtomicFile binFile(ncnnWeightsPath(path));
            writeAll(binFile, bin);
            binFile.commit();
        }
        paramFile.commit();
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus

#include "modelcompare.h"

#include "model.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace nodus {

namespace {

class Comparer {
public:
    explicit Comparer(std::size_t limit)
        : limit_(limit)
    {
    }

    std::vector<std::string> diffs;

    bool full() const { return diffs.size() >= limit_; }

    template <typename T>
    void same(const std::string& where, const T& a, const T& b)
    {
        if (!(a == b))
            note(where + " differs");
    }

    void note(const std::string& what)
    {
        if (!full())
            diffs.push_back(what);
    }

    void model(const Model& a, const Model& b)
    {
        same("producer name", a.producerName, b.producerName);
        same("producer version", a.producerVersion, b.producerVersion);
        same("domain", a.domain, b.domain);
        same("doc string", a.docString, b.docString);
        same("IR version", a.irVersion, b.irVersion);
        same("model version", a.modelVersion, b.modelVersion);
        same("opsets", a.opsets, b.opsets);
        same("metadata", a.metadata, b.metadata);
        graph("graph", *a.graph, *b.graph);
        same("function count", a.functions.size(), b.functions.size());
        for (std::size_t k = 0; k < std::min(a.functions.size(), b.functions.size()) && !full(); ++k) {
            const auto& fa = a.functions[k];
            const auto& fb = b.functions[k];
            const std::string where = "function " + fa.domain + ":" + fa.name;
            same(where + " name", fa.name + fa.domain, fb.name + fb.domain);
            same(where + " attributes", fa.attributeNames, fb.attributeNames);
            same(where + " opsets", fa.opsets, fb.opsets);
            graph(where, *fa.graph, *fb.graph);
        }
    }

    void graph(const std::string& where, const Graph& a, const Graph& b)
    {
        if (full())
            return;
        same(where + " name", a.name, b.name);
        same(where + " doc string", a.docString, b.docString);
        values(where + " inputs", a.inputs, b.inputs);
        values(where + " outputs", a.outputs, b.outputs);
        same(where + " initializer count", a.initializers.size(), b.initializers.size());
        for (std::size_t k = 0; k < std::min(a.initializers.size(), b.initializers.size()) && !full(); ++k)
            tensor(where + " initializer '" + a.initializers[k]->name + "'", *a.initializers[k], *b.initializers[k]);
        same(where + " node count", a.nodes().size(), b.nodes().size());
        for (std::size_t k = 0; k < std::min(a.nodes().size(), b.nodes().size()) && !full(); ++k)
            node(where + " node #" + std::to_string(k), *a.nodes()[k], *b.nodes()[k]);
        // Types of intermediate values (value_info).
        for (const auto& va : a.values()) {
            const Value* vb = b.findValue(va->name());
            if (!vb)
                note(where + " value '" + va->name() + "' is missing");
            else if (!(va->type == vb->type))
                note(where + " value '" + va->name() + "' type " + va->type.toString() + " vs "
                     + vb->type.toString());
            if (full())
                return;
        }
    }

    void values(const std::string& where, const std::vector<Value*>& a, const std::vector<Value*>& b)
    {
        std::vector<std::string> na, nb;
        for (auto* v : a)
            na.push_back(v ? v->name() + ":" + v->type.toString() : std::string("<none>"));
        for (auto* v : b)
            nb.push_back(v ? v->name() + ":" + v->type.toString() : std::string("<none>"));
        same(where, na, nb);
    }

    void node(const std::string& where, const Node& a, const Node& b)
    {
        const std::string w = where + " '" + a.name + "' (" + a.opType + ")";
        same(w + " name", a.name, b.name);
        same(w + " op type", a.domain + ":" + a.opType, b.domain + ":" + b.opType);
        same(w + " doc string", a.docString, b.docString);
        values(w + " inputs", a.inputs(), b.inputs());
        values(w + " outputs", a.outputs(), b.outputs());
        same(w + " attribute count", a.attributes.size(), b.attributes.size());
        for (std::size_t k = 0; k < std::min(a.attributes.size(), b.attributes.size()) && !full(); ++k)
            attribute(w + " attribute '" + a.attributes[k].name + "'", a.attributes[k], b.attributes[k]);
    }

    void attribute(const std::string& where, const Attribute& a, const Attribute& b)
    {
        same(where + " name", a.name, b.name);
        same(where + " type", a.type, b.type);
        same(where + " reference", a.refAttrName, b.refAttrName);
        // Compare floats by bits: NaN == NaN here, and -0 != 0.
        auto bits = [](const std::vector<double>& v) {
            std::vector<std::uint64_t> out(v.size());
            if (!v.empty())
                std::memcpy(out.data(), v.data(), v.size() * sizeof(double));
            return out;
        };
        same(where + " value", bits({a.f}), bits({b.f}));
        same(where + " value", a.i, b.i);
        same(where + " value", a.s, b.s);
        same(where + " values", bits(a.floats), bits(b.floats));
        same(where + " values", a.ints, b.ints);
        same(where + " values", a.strings, b.strings);
        same(where + " types", a.types, b.types);
        same(where + " tensor count", a.tensors.size(), b.tensors.size());
        for (std::size_t k = 0; k < std::min(a.tensors.size(), b.tensors.size()); ++k)
            tensor(where + " tensor", *a.tensors[k], *b.tensors[k]);
        same(where + " graph count", a.graphs.size(), b.graphs.size());
        for (std::size_t k = 0; k < std::min(a.graphs.size(), b.graphs.size()); ++k)
            graph(where + " graph", *a.graphs[k], *b.graphs[k]);
    }

    void tensor(const std::string& where, const Tensor& a, const Tensor& b)
    {
        same(where + " name", a.name, b.name);
        same(where + " element type", a.dataType, b.dataType);
        same(where + " dims", a.dims, b.dims);
        same(where + " doc string", a.docString, b.docString);
        same(where + " strings", a.strings, b.strings);
        same(where + " sparse", a.isSparse(), b.isSparse());
        if (a.isSparse() && b.isSparse()) {
            tensor(where + " values", *a.sparse->values, *b.sparse->values);
            tensor(where + " indices", *a.sparse->indices, *b.sparse->indices);
            return;
        }
        if (!a.data || !b.data) {
            same(where + " has data", a.data != nullptr, b.data != nullptr);
            return;
        }
        if (a.data->size() != b.data->size()) {
            note(where + " byte size " + std::to_string(a.data->size()) + " vs " + std::to_string(b.data->size()));
            return;
        }
        try {
            const auto ba = a.data->bytes();
            const auto bb = b.data->bytes();
            if (!std::equal(ba.begin(), ba.end(), bb.begin()))
                note(where + " bytes differ");
        } catch (const std::exception& e) {
            note(where + " cannot be read: " + e.what());
        }
    }

private:
    std::size_t limit_;
};

} // namespace

std::vector<std::string> compareModels(const Model& a, const Model& b, std::size_t limit)
{
    Comparer c(limit);
    c.model(a, b);
    return std::move(c.diffs);
}

} // namespace nodus

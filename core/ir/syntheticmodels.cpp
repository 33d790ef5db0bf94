#include "syntheticmodels.h"

#include "model.h"

namespace nodus {

std::unique_ptr<Model> makeSyntheticTransformer(int blocks)
{
    auto model = std::make_unique<Model>();
    model->format = "synthetic";
    model->producerName = "nodus synthetic transformer";
    model->opsets = {{"", 17}};
    Graph& g = *model->graph;
    g.name = "synthetic_transformer";
    constexpr std::int64_t kWidth = 64;
    const auto act = ValueType::tensor(DataType::Float, Shape::of({1, 128, kWidth}));

    Value* x = g.value("x");
    x->type = act;
    g.inputs.push_back(x);

    auto weight = [&g](const std::string& name, std::vector<std::int64_t> dims) {
        auto t = std::make_shared<Tensor>();
        t->name = name;
        t->dataType = DataType::Float;
        t->dims = std::move(dims);
        g.addInitializer(t);
        return g.findValue(name);
    };
    auto op = [&g, &act](const std::string& type, const std::string& name, std::vector<Value*> inputs) {
        Node* n = g.addNode(type, name);
        for (Value* v : inputs)
            g.addInput(n, v);
        Value* out = g.value(name + ":0");
        out->type = act;
        g.addOutput(n, out);
        return out;
    };

    Value* h = x;
    for (int b = 0; b < blocks; ++b) {
        const std::string p = "/blocks." + std::to_string(b);
        Value* n1 = op("LayerNormalization", p + "/attn/norm/LayerNormalization",
                       {h, weight(p + ".ln1.weight", {kWidth})});
        Value* q = op("MatMul", p + "/attn/q/MatMul", {n1, weight(p + ".q.weight", {kWidth, kWidth})});
        Value* k = op("MatMul", p + "/attn/k/MatMul", {n1, weight(p + ".k.weight", {kWidth, kWidth})});
        Value* v = op("MatMul", p + "/attn/v/MatMul", {n1, weight(p + ".v.weight", {kWidth, kWidth})});
        Value* s = op("MatMul", p + "/attn/MatMul", {q, k});
        Value* sm = op("Softmax", p + "/attn/Softmax", {s});
        Value* c = op("MatMul", p + "/attn/MatMul_1", {sm, v});
        Value* o = op("MatMul", p + "/attn/out/MatMul", {c, weight(p + ".o.weight", {kWidth, kWidth})});
        Value* r1 = op("Add", p + "/Add", {h, o});
        Value* f1 = op("MatMul", p + "/mlp/fc1/MatMul", {r1, weight(p + ".fc1.weight", {kWidth, 4 * kWidth})});
        Value* a = op("Gelu", p + "/mlp/act/Gelu", {f1});
        Value* f2 = op("MatMul", p + "/mlp/fc2/MatMul", {a, weight(p + ".fc2.weight", {4 * kWidth, kWidth})});
        h = op("Add", p + "/Add_1", {r1, f2});
    }
    g.outputs.push_back(h);
    return model;
}

} // namespace nodus

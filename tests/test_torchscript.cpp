// TorchScript archives: the graph built from code/ (torchscriptcode.h,
// torchscriptgraph.h). The corpus transformer and the fixtures of
// tools/gen_torchscript_fixtures.py open with the aten ops their code files
// call (counted by hand from the files), parameters wired in as the reader's
// initializers; damaged code leaves a model with its tensors and a note;
// damaged archives give errors or notes, never crashes.
#include "damagedcopies.h"
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/pytorch/pytorchformat.h"
#include "formats/pytorch/torchscriptcode.h"
#include "ir/model.h"
#include "ir/opmetadata.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/zipreader.h"
#include "util/zipwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <random>
#include <set>

using namespace nodus;
using namespace nodus::test;

namespace {

std::filesystem::path fixture(const std::string& name)
{
    return sourceDir() / "tests/data/torchscript" / name;
}

std::vector<std::string> opSequence(const Model& model)
{
    std::vector<std::string> ops;
    for (const auto& n : model.graph->nodes())
        ops.push_back(n->opType);
    return ops;
}

std::string noteOf(const Model& model)
{
    for (const auto& [k, v] : model.metadata)
        if (k == "note")
            return v;
    return {};
}

const Node* nodeNamed(const Model& model, const std::string& name)
{
    return model.graph->findNode(name);
}

const Attribute* attr(const Node* n, const std::string& name)
{
    return n ? n->attribute(name) : nullptr;
}

std::vector<std::byte> readBytes(const std::filesystem::path& path)
{
    const auto f = MappedFile::open(path);
    return { f->bytes().begin(), f->bytes().end() };
}

// The archive with the member ending in `suffix` replaced by `text`, as a
// fresh zip (stored members, right CRCs) written to `out`.
void rewrite(const std::filesystem::path& archive, const std::string& suffix, const std::string& text,
    const std::filesystem::path& out)
{
    const auto file = MappedFile::open(archive);
    const ZipReader zip(file->bytes(), archive.string());
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    QVERIFY(fd >= 0);
    {
        OutputSink sink(fd, out.string());
        ZipWriter writer(sink);
        bool found = false;
        for (const auto& e : zip.entries()) {
            auto bytes = zip.extract(e);
            if (e.name.ends_with(suffix)) {
                found = true;
                bytes.resize(text.size());
                std::memcpy(bytes.data(), text.data(), text.size());
            }
            ZipWriter::Member m;
            m.name = e.name;
            m.crc = zipCrc32(bytes);
            m.compressedSize = m.uncompressedSize = bytes.size();
            writer.beginMember(m, 64);
            sink.write(bytes);
        }
        writer.finish();
        sink.flush();
        QVERIFY2(found, suffix.c_str());
    }
    ::close(fd);
}

std::string memberText(const std::filesystem::path& archive, const std::string& suffix)
{
    const auto file = MappedFile::open(archive);
    const ZipReader zip(file->bytes(), archive.string());
    for (const auto& e : zip.entries())
        if (e.name.ends_with(suffix)) {
            const auto bytes = zip.extract(e);
            return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        }
    return {};
}

} // namespace

class TestTorchScript : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::filesystem::path out(const std::string& name) const
    {
        return std::filesystem::path(tmp_.path().toStdString()) / name;
    }

    // Opens `path` expecting no graph: the tensors are all there and the
    // note names the file and line.
    void expectNote(
        const std::filesystem::path& path, const std::string& where, const std::string& why, std::size_t tensors)
    {
        std::unique_ptr<Model> model;
        try {
            model = FormatRegistry::instance().open(path);
        } catch (const Error& e) {
            QFAIL(e.what());
        }
        QCOMPARE(model->format, std::string("torchscript"));
        QVERIFY(model->graph->nodes().empty());
        QCOMPARE(model->graph->initializers.size(), tensors);
        const std::string note = noteOf(*model);
        QVERIFY2(note.starts_with("graph not built: " + where), note.c_str());
        QVERIFY2(note.find(why) != std::string::npos, note.c_str());
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void opMetadata()
    {
        const Format* f = FormatRegistry::instance().byName("torchscript");
        QVERIFY(f);
        const OpMetadata& meta = f->opMetadata();
        QCOMPARE(std::string(meta.category("", "aten::linear")), std::string("Layer"));
        QCOMPARE(std::string(meta.category("", "aten::relu")), std::string("Activation"));
        QCOMPARE(std::string(meta.category("", "aten::batch_norm")), std::string("Normalization"));
        QCOMPARE(std::string(meta.category("", "aten::max_pool2d")), std::string("Pool"));
        QCOMPARE(std::string(meta.category("", "aten::view")), std::string("Shape"));
        const OpInfo* conv = meta.find("", "aten::conv2d");
        QVERIFY(conv);
        QCOMPARE(conv->inputs.size(), std::size_t(3));
        QCOMPARE(conv->inputs[1].name, std::string("weight"));
        bool groups = false;
        for (const auto& a : conv->attributes)
            groups = groups || (a.name == "groups" && a.defaultText == "1");
        QVERIFY(groups);
    }

    void parserSubset()
    {
        const std::string code = "class A(Module):\n"
                                 "  __parameters__ = [\"w\", ]\n"
                                 "  w : Tensor\n"
                                 "  __annotations__[\"0\"] = __torch__.B\n"
                                 "  def forward(self: __torch__.A,\n"
                                 "    x: Tensor, n: int=3) -> Tuple[Tensor, Tensor]:\n"
                                 "    q, k, = torch.chunk(x, 2, -1)  # a comment\n"
                                 "    y = torch.div(q, CONSTANTS.c0, rounding_mode=\"trunc\")\n"
                                 "    if torch.__is__(n, None):\n"
                                 "      pass\n"
                                 "    elif n > -2:\n"
                                 "      y = -y\n"
                                 "    else:\n"
                                 "      y = [1, 2.5e-3, 'a\\n'][0]\n"
                                 "    return (y, k)\n"
                                 "def f(a: int) -> int:\n"
                                 "  return a\n";
        const auto file = torchscript::parse(code, "code/x.py");
        QCOMPARE(file.classes.size(), std::size_t(1));
        QCOMPARE(file.functions.size(), std::size_t(1));
        const auto& fwd = file.classes[0].methods.at(0);
        QCOMPARE(fwd.name, std::string("forward"));
        QCOMPARE(fwd.params.size(), std::size_t(3));
        QVERIFY(fwd.params[2].defaultValue);
        QCOMPARE(fwd.params[2].defaultValue->integer, std::int64_t(3));
        QCOMPARE(fwd.body.size(), std::size_t(4));
        QCOMPARE(fwd.body[0].targets[0]->kind, torchscript::Expr::Kind::Tuple);
        QCOMPARE(fwd.body[0].targets[0]->items.size(), std::size_t(2));
        QCOMPARE(fwd.body[0].value->items.back()->integer, std::int64_t(-1));
        QCOMPARE(fwd.body[1].value->keywords.at(0).first, std::string("rounding_mode"));
        QCOMPARE(fwd.body[2].kind, torchscript::Stmt::Kind::If);
        QCOMPARE(fwd.body[2].orelse.at(0).kind, torchscript::Stmt::Kind::If); // elif
        QCOMPARE(fwd.body[2].orelse.at(0).orelse.at(0).line, 14);
        QCOMPARE(fwd.body[3].kind, torchscript::Stmt::Kind::Return);

        auto error = [](const std::string& text) {
            try {
                (void)torchscript::parse(text, "code/y.py");
            } catch (const torchscript::CodeError& e) {
                return e.text();
            }
            return std::string();
        };
        QCOMPARE(error("def f(x):\n  return (x\n"), std::string("code/y.py:2: a '(' is never closed"));
        QCOMPARE(error("def f(x):\n  return x)\n"), std::string("code/y.py:2: unbalanced ')'"));
        QVERIFY(error("def f(x):\n  y = x +\n").starts_with("code/y.py:2: expected an expression"));
        QVERIFY(error("def f(x):\n  return x\n   y = 1\n").starts_with("code/y.py:3:"));
        QVERIFY(
            error(std::string("x = ") + std::string(500, '(') + "1" + std::string(500, ')') + "\n").find("nest deeper")
            != std::string::npos);
        std::string chain = "x = 1";
        for (int k = 0; k < 5000; ++k)
            chain += " + 1";
        QVERIFY(error(chain + "\n").find("nests deeper") != std::string::npos);
        QVERIFY(error("x = 123456789012345678901234567890\n").find("does not fit 64 bits") != std::string::npos);
        QVERIFY(error("x = '" + std::string(100000, 'a') + "'\n").find("longer than") != std::string::npos);
        QVERIFY(error("x = 'abc\n").find("past the end of its line") != std::string::npos);
        QVERIFY(error("x = $\n").find("unexpected character") != std::string::npos);
    }

    void tinyTransformerGraph()
    {
        const auto path = corpusDir() / "pytorch-export/tiny_transformer.torchscript.pt";
        if (corpusDir().empty() || !std::filesystem::exists(path))
            QSKIP("no ../shared/corpus/pytorch-export/tiny_transformer.torchscript.pt");
        const auto model = FormatRegistry::instance().open(path);
        QCOMPARE(model->format, std::string("torchscript"));
        QVERIFY2(noteOf(*model).empty(), noteOf(*model).c_str());
        const auto& g = *model->graph;
        // 27 module tensors and two constants, as without a graph.
        QCOMPARE(g.initializers.size(), std::size_t(29));
        QCOMPARE(g.initializers.at(26)->name, std::string("head.bias"));

        // Per encoder layer: 59 ops of MultiheadAttention (activation.py,
        // counted call by call) and 10 of the layer's own forward and its
        // submodules; then the embedding, torch.mean and the head's linear.
        const auto ops = opSequence(*model);
        QCOMPARE(ops.size(), std::size_t(1 + 2 * (59 + 10) + 2));
        const std::vector<std::string> attention = { "aten::transpose", "aten::size", "prim::NumToTensor", "aten::Int",
            "aten::Int", "aten::size", "prim::NumToTensor", "aten::Int", "aten::size", "prim::NumToTensor", "aten::Int",
            "aten::div", "aten::Int", "aten::Int", "aten::Int", "aten::linear", "aten::chunk", "aten::contiguous",
            "aten::mul", "aten::Int", "prim::ListConstruct", "aten::view", "aten::transpose", "aten::contiguous",
            "aten::size", "prim::NumToTensor", "aten::Int", "aten::mul", "aten::Int", "prim::ListConstruct",
            "aten::view", "aten::transpose", "aten::contiguous", "aten::size", "prim::NumToTensor", "aten::Int",
            "aten::mul", "aten::Int", "prim::ListConstruct", "aten::view", "aten::transpose", "aten::div",
            "aten::transpose", "aten::bmm", "aten::softmax", "aten::bmm", "aten::transpose", "aten::contiguous",
            "aten::mul", "aten::Int", "prim::ListConstruct", "aten::view", "aten::linear", "aten::size",
            "prim::NumToTensor", "aten::Int", "prim::ListConstruct", "aten::view", "aten::transpose" };
        QCOMPARE(attention.size(), std::size_t(59));
        const std::vector<std::string> rest = { "aten::dropout", "aten::add", "aten::layer_norm", "aten::linear",
            "aten::relu", "aten::dropout", "aten::linear", "aten::dropout", "aten::add", "aten::layer_norm" };
        std::vector<std::string> expected = { "aten::embedding" };
        for (int layer = 0; layer < 2; ++layer) {
            expected.insert(expected.end(), attention.begin(), attention.end());
            expected.insert(expected.end(), rest.begin(), rest.end());
        }
        expected.push_back("aten::mean");
        expected.push_back("aten::linear");
        QCOMPARE(ops, expected);

        // The embedding reads the graph input and emb.weight.
        QCOMPARE(g.inputs.size(), std::size_t(1));
        QCOMPARE(g.inputs[0]->name(), std::string("ids"));
        const Node* first = g.nodes().front().get();
        QCOMPARE(first->name, std::string("emb/aten::embedding"));
        QCOMPARE(first->inputs().size(), std::size_t(2));
        QCOMPARE(first->inputs()[0]->name(), std::string("emb.weight"));
        QVERIFY(first->inputs()[0]->initializer == g.initializers.at(0)); // the reader's very tensor
        QCOMPARE(first->inputs()[1], g.inputs[0]);
        // The head's linear is last and makes the single output.
        const Node* last = g.nodes().back().get();
        QCOMPARE(last->name, std::string("head/aten::linear"));
        QCOMPARE(last->inputs().at(1)->name(), std::string("head.weight"));
        QCOMPARE(last->inputs().at(2)->name(), std::string("head.bias"));
        QCOMPARE(last->inputs().at(0)->producer()->opType, std::string("aten::mean"));
        QCOMPARE(g.outputs.size(), std::size_t(1));
        QCOMPARE(g.outputs[0], last->outputs().at(0));

        // Every tensor feeds a node: parameters, and CONSTANTS.c0/c1.
        for (const auto& t : g.initializers) {
            const Value* v = g.findValue(t->name);
            QVERIFY2(v && !v->users().empty(), t->name.c_str());
        }
        // Literal arguments are attributes, named by the aten signature.
        const Node* linear1 = nodeNamed(*model, "enc.layers.0.linear1/aten::linear");
        QVERIFY(linear1);
        QCOMPARE(linear1->inputs().at(1)->name(), std::string("enc.layers.0.linear1.weight"));
        const Node* transpose = nodeNamed(*model, "enc.layers.1.self_attn/aten::transpose");
        QVERIFY(transpose);
        QCOMPARE(attr(transpose, "dim0")->i, std::int64_t(1));
        QCOMPARE(attr(transpose, "dim1")->i, std::int64_t(0));
        const Node* norm = nodeNamed(*model, "enc.layers.0.norm1/aten::layer_norm");
        QVERIFY(norm);
        QCOMPARE(attr(norm, "normalized_shape")->ints, (std::vector<std::int64_t> { 64 }));
        QCOMPARE(norm->inputs().size(), std::size_t(3));
        const Node* div = nodeNamed(*model, "enc.layers.0.self_attn/aten::div");
        QVERIFY(div);
        QCOMPARE(attr(div, "rounding_mode")->s, std::string("trunc"));
        QCOMPARE(div->inputs().at(1)->name(), std::string("constants.0"));
        const Node* chunk = nodeNamed(*model, "enc.layers.0.self_attn/aten::chunk");
        QVERIFY(chunk);
        QCOMPARE(chunk->outputs().size(), std::size_t(3));
        QCOMPARE(attr(chunk, "chunks")->i, std::int64_t(3));
        QCOMPARE(attr(chunk, "dim")->i, std::int64_t(-1));
        QCOMPARE(chunk->outputs()[0]->name(), std::string("enc.layers.0.self_attn/q"));
        const Node* drop = nodeNamed(*model, "enc.layers.0.dropout1/aten::dropout");
        QVERIFY(drop);
        QCOMPARE(float(attr(drop, "p")->f), 0.1f);
        QCOMPARE(attr(drop, "train")->i, std::int64_t(0));
        const Node* mean = nodeNamed(*model, "aten::mean");
        QVERIFY(mean);
        QCOMPARE(attr(mean, "dim")->ints, (std::vector<std::int64_t> { 1 }));
        // Sizes computed at run time are edges: the view's shape list is built from them.
        const Node* view = nodeNamed(*model, "enc.layers.0.self_attn/aten::view");
        QVERIFY(view);
        QCOMPARE(view->inputs().size(), std::size_t(2));
        QCOMPARE(view->inputs()[1]->producer()->opType, std::string("prim::ListConstruct"));
        QCOMPARE(view->inputs()[1]->producer()->inputs().size(), std::size_t(3));
    }

    void cliInfo()
    {
        const auto path = fixture("small_cnn_trace.pt");
        const auto run = runCli({ "info", "--json", QString::fromStdString(path.string()) });
        QCOMPARE(run.code, 0);
        const auto json = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(json.value("format").toString(), QString("torchscript"));
        QVERIFY2(run.out.contains("aten::_convolution"), run.out.constData());
    }

    void fixtureGraphs_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("ops");
        QTest::newRow("trace") << "small_cnn_trace.pt"
                               << QStringList { "aten::_convolution", "aten::batch_norm", "aten::relu",
                                      "aten::max_pool2d", "aten::flatten", "aten::linear" };
        // Scripted code keeps BatchNorm's input check (dim, ne and an if
        // whose branch raises) and folds the branches on self.training,
        // inplace and `stride is None`.
        QTest::newRow("script") << "small_cnn_script.pt"
                                << QStringList { "aten::conv2d", "aten::dim", "aten::ne", "prim::If",
                                       "aten::batch_norm", "aten::relu", "aten::max_pool2d", "aten::flatten",
                                       "aten::linear" };
    }

    void fixtureGraphs()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, ops);
        const auto model = FormatRegistry::instance().open(fixture(file.toStdString()));
        QCOMPARE(model->format, std::string("torchscript"));
        QVERIFY2(noteOf(*model).empty(), noteOf(*model).c_str());
        QStringList got;
        for (const auto& op : opSequence(*model))
            got << QString::fromStdString(op);
        QCOMPARE(got, ops);

        // Parameters: the generator's record of names, shapes and first values.
        const auto facts = QJsonDocument::fromJson(fileBytes(fixture("small_cnn.json"))).object();
        const auto params = facts.value("parameters").toObject();
        QCOMPARE(params.size(), 9);
        for (auto it = params.begin(); it != params.end(); ++it) {
            const Value* v = model->graph->findValue(it.key().toStdString());
            QVERIFY2(v && v->initializer, qPrintable(it.key()));
            std::vector<std::int64_t> dims;
            for (const auto& d : it.value().toObject().value("shape").toArray())
                dims.push_back(d.toInt());
            QCOMPARE(v->initializer->dims, dims);
            const auto& t = *v->initializer;
            QVERIFY(t.data && !t.data->bytes().empty());
            QCOMPARE(float(elementAsDouble(t.dataType, t.data->bytes(), 0)),
                float(it.value().toObject().value("first").toDouble()));
            // num_batches_tracked is read only while training.
            if (it.key() != "bn.num_batches_tracked")
                QVERIFY2(!v->users().empty(), qPrintable(it.key()));
        }

        const auto& g = *model->graph;
        QCOMPARE(g.inputs.size(), std::size_t(1));
        QCOMPARE(g.inputs[0]->name(), std::string("x"));
        QCOMPARE(g.outputs.size(), std::size_t(1));
        QCOMPARE(g.outputs[0]->producer()->opType, std::string("aten::linear"));
        const Node* conv = g.nodes().front().get();
        QCOMPARE(conv->name, "conv/" + ops.front().toStdString());
        QCOMPARE(conv->inputs().size(), std::size_t(3));
        QCOMPARE(conv->inputs()[0], g.inputs[0]);
        QCOMPARE(conv->inputs()[1]->name(), std::string("conv.weight"));
        QCOMPARE(attr(conv, "padding")->ints, (std::vector<std::int64_t> { 1, 1 }));
        QCOMPARE(attr(conv, "stride")->ints, (std::vector<std::int64_t> { 1, 1 }));
        const Node* bn = nullptr;
        const Node* pool = nullptr;
        for (const auto& n : g.nodes()) {
            if (n->opType == "aten::batch_norm")
                bn = n.get();
            if (n->opType == "aten::max_pool2d")
                pool = n.get();
        }
        QVERIFY(bn && pool);
        QCOMPARE(bn->name, std::string("bn/aten::batch_norm"));
        QCOMPARE(bn->inputs().size(), std::size_t(5));
        QCOMPARE(bn->inputs()[3]->name(), std::string("bn.running_mean"));
        QCOMPARE(bn->inputs()[4]->name(), std::string("bn.running_var"));
        QCOMPARE(attr(bn, "training")->i, std::int64_t(0));
        QCOMPARE(float(attr(bn, "eps")->f), 1e-5f);
        QCOMPARE(attr(pool, "kernel_size")->ints, (std::vector<std::int64_t> { 2, 2 }));
        QCOMPARE(pool->name, std::string("pool/aten::max_pool2d"));
        const Node* flatten = g.nodes().at(g.nodes().size() - 2).get();
        QCOMPARE(attr(flatten, "start_dim")->i, std::int64_t(1));
        QCOMPARE(flatten->inputs().at(0)->producer(), pool);
    }

    void scriptedIfNode()
    {
        const auto model = FormatRegistry::instance().open(fixture("small_cnn_script.pt"));
        const Node* check = model->graph->findNode("bn/prim::If");
        QVERIFY(check);
        QCOMPARE(check->inputs().size(), std::size_t(1));
        QCOMPARE(check->inputs()[0]->producer()->opType, std::string("aten::ne"));
        QVERIFY2(check->docString.find("code/__torch__/torch/nn/modules/batchnorm.py:") != std::string::npos,
            check->docString.c_str());
        QCOMPARE(attr(model->graph->findNode("bn/aten::ne"), "other")->i, std::int64_t(4));
    }

    void damagedCode_data()
    {
        QTest::addColumn<QString>("member");
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("why");
        QTest::newRow("syntax") << "code/__torch__/___torch_mangle_5.py"
                                << "input = torch.flatten"
                                << "input = = torch.flatten"
                                << "code/__torch__/___torch_mangle_5.py:19:"
                                << "expected an expression, found '='";
        QTest::newRow("brackets") << "code/__torch__/___torch_mangle_5.py"
                                  << "torch.flatten("
                                  << "torch.flatten(" + QString("(").repeated(300)
                                  << "code/__torch__/___torch_mangle_5.py:19:"
                                  << "brackets nest deeper than 64";
        QTest::newRow("deep expression") << "code/__torch__/torch/nn/modules/linear/___torch_mangle_4.py"
                                         << "torch.linear(input, weight, bias)"
                                         << "torch.linear(input" + QString(" + input").repeated(400) + ", weight, bias)"
                                         << "code/__torch__/torch/nn/modules/linear/___torch_mangle_4.py:12:"
                                         << "nests deeper than 256";
        QTest::newRow("huge literal") << "code/__torch__/torch/nn/modules/pooling/___torch_mangle_3.py"
                                      << "[2, 2], [2, 2]"
                                      << "[" + QString("2, ").repeated(70000) + "2], [2, 2]"
                                      << "code/__torch__/torch/nn/modules/pooling/___torch_mangle_3.py:8:"
                                      << "more than 65536 items";
        QTest::newRow("unknown name") << "code/__torch__/torch/nn/modules/activation/___torch_mangle_2.py"
                                      << "torch.relu(argument_1)"
                                      << "torch.relu(argument_9)"
                                      << "code/__torch__/torch/nn/modules/activation/___torch_mangle_2.py:8:"
                                      << "unknown name 'argument_9'";
        QTest::newRow("recursion") << "code/__torch__/torch/nn/modules/activation/___torch_mangle_2.py"
                                   << "torch.relu(argument_1)"
                                   << "(self).forward(argument_1, )"
                                   << "code/__torch__/torch/nn/modules/activation/___torch_mangle_2.py:8:"
                                   << "calls nest deeper than 48 levels";
        QTest::newRow("missing attribute") << "code/__torch__/torch/nn/modules/conv/___torch_mangle_0.py"
                                           << "bias = self.bias"
                                           << "bias = self.bais"
                                           << "code/__torch__/torch/nn/modules/conv/___torch_mangle_0.py:10:"
                                           << "has no attribute bais";
        QTest::newRow("no forward") << "code/__torch__/torch/nn/modules/linear/___torch_mangle_4.py"
                                    << "def forward("
                                    << "def forword("
                                    << "code/__torch__/___torch_mangle_5.py:20:"
                                    << "has no attribute forward";
    }

    void damagedCode()
    {
        QFETCH(QString, member);
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, where);
        QFETCH(QString, why);
        const auto source = fixture("small_cnn_trace.pt");
        std::string text = memberText(source, member.toStdString());
        const auto at = text.find(from.toStdString());
        QVERIFY2(at != std::string::npos, qPrintable(from));
        text.replace(at, from.size(), to.toStdString());
        const auto path = out("damaged.pt");
        rewrite(source, member.toStdString(), text, path);
        expectNote(path, where.toStdString(), why.toStdString(), 9);
    }

    void mutatedCodeNeverCrashes()
    {
        // Random byte changes in a code file: a graph or a note, nothing else.
        const auto source = fixture("small_cnn_script.pt");
        const std::string member = "code/__torch__/torch/nn/functional.py";
        const std::string text = memberText(source, member);
        QVERIFY(!text.empty());
        std::mt19937 rng(7);
        int notes = 0, graphs = 0;
        const char alphabet[] = "()[],:.=+-*/ \n\t'\"#abcxyz019_";
        for (int round = 0; round < 60; ++round) {
            std::string mutated = text;
            const int edits = 1 + round % 4;
            for (int k = 0; k < edits; ++k)
                mutated[rng() % mutated.size()] = alphabet[rng() % (sizeof alphabet - 1)];
            const auto path = out("mutated.pt");
            rewrite(source, member, mutated, path);
            try {
                const auto model = FormatRegistry::instance().open(path);
                QCOMPARE(model->graph->initializers.size(), std::size_t(9));
                if (model->graph->nodes().empty()) {
                    QVERIFY(noteOf(*model).starts_with("graph not built: code/"));
                    ++notes;
                } else {
                    ++graphs;
                }
            } catch (const Error& e) {
                QFAIL(e.what());
            }
        }
        QVERIFY(notes > 0);
        QCOMPARE(notes + graphs, 60);
    }

    void damagedArchives()
    {
        const TorchScriptFormat format;
        DamageCounts counts;
        for (const char* name : { "small_cnn_trace.pt", "small_cnn_script.pt" }) {
            const auto bytes = readBytes(fixture(name));
            for (std::size_t cut = 0; cut < bytes.size(); cut += 97) {
                const std::vector<std::byte> part(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut));
                tryDamagedCopy(format, part, std::string("cut-") + std::to_string(cut) + ".pt", false, out("saved.pt"),
                    false, counts);
            }
            std::mt19937 rng(11);
            for (int k = 0; k < 300; ++k) {
                auto flipped = bytes;
                const std::size_t at = rng() % flipped.size();
                flipped[at] ^= std::byte(1u << (rng() % 8));
                tryDamagedCopy(format, flipped, std::string("flip-") + std::to_string(at) + ".pt", false,
                    out("saved.pt"), false, counts);
            }
        }
        QVERIFY(counts.refused > 100);
        QVERIFY(counts.opened > 0);
    }
};

QTEST_GUILESS_MAIN(TestTorchScript)
#include "test_torchscript.moc"

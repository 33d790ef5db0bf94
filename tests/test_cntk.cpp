// CNTK: every corpus file of cntk-v2 and cntk-v1 opens with the right format
// and the counts worked out independently (a Python reading of the same
// files with python3-protobuf, done the way Netron's cntk.js builds its
// graph; the v1 files by a byte-level walk of their markers), or fails with
// a precise "not a model" message. Model-v2 files round-trip byte for byte;
// edited tensors survive a save and reopen with every other byte kept; a
// synthetic model covers the element types and shapes the corpus lacks;
// truncated and bit-flipped copies give errors naming the file.
#include "testsupport.h"

#include "formats/cntk/cntk.pb.h"
#include "formats/cntk/cntkarrayview.h"
#include "formats/cntk/cntkformat.h"
#include "formats/cntk/cntkopmetadata.h"
#include "ir/tensorencode.h"
#include "formats/cntk/cntkv1format.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "ir/modelsummary.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QTemporaryDir>

#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <random>

using namespace nodus;

namespace {

using test::readAll;
using test::writeFile;

struct Expectation {
    std::string format;
    std::size_t nodes = 0;
    std::size_t tensors = 0;
    std::uint64_t parameters = 0;
    std::size_t inputs = 0;
    std::size_t outputs = 0;
    std::size_t subgraphs = 0;
    std::string opTypes; // comma-separated, sorted
    std::string error;   // set: opening must fail with a message containing this
};

// Worked out from the files themselves, not from this reader: the v2 counts
// by a Python reading of each Dictionary with python3-protobuf on
// core/formats/cntk/cntk.proto that removes Block bodies the way Netron's
// cntk.js does; the v1 counts by a Python walk of the BCN markers and node
// records (nodes = records that are neither InputValue nor
// LearnableParameter).
const std::map<std::string, Expectation>& expectations()
{
    static const std::map<std::string, Expectation> table = {
        {"ATIS_model.cmf",
         {"cntk", 10, 19, 721492, 1, 1, 12, "Dense,Embedding,LSTM,NoOp,PastValue,Stabilizer", {}}},
        {"ConvNet_CIFAR10_DataAug_0.dnn",
         {"cntk", 26, 15, 949835, 1, 1, 0, "Combine,Convolution,Dropout,ElementTimes,Plus,Pooling,ReLU,Times", {}}},
        {"MNISTConvolution.model",
         {"cntk", 10, 5, 4255, 1, 1, 0, "Convolution,ElementTimes,Plus,Pooling,ReLU,Reshape,Times", {}}},
        {"batch.norm.no.sample.count.v2.bin", {"cntk", 3, 5, 496, 1, 1, 0, "BatchNormalization,Convolution,ReLU", {}}},
        {"load_and_eval.dnn", {"cntk", 1, 0, 0, 1, 1, 0, "Abs", {}}},
        {"learner.checkpoint.backcompat.bin", {{}, 0, 0, 0, 0, 0, 0, {}, "this is a CNTK learner checkpoint, not a model"}},
        {"future.dictionary.proto.bin",
         {{}, 0, 0, 0, 0, 0, 0, {}, "this is a serialized CNTK Dictionary, not a model: it has no \"type\" entry"}},
        {"past.dictionary.proto.bin",
         {{}, 0, 0, 0, 0, 0, 0, {}, "this is a serialized CNTK Dictionary, not a model: it has no \"type\" entry"}},
        {"v2.0.beta1.0.dictionary.proto.bin",
         {{}, 0, 0, 0, 0, 0, 0, {}, "this is a serialized CNTK Dictionary, not a model: it has no \"type\" entry"}},
        {"01_OneHidden.dnn",
         {"cntk-v1", 9, 10, 159812, 2, 4, 0,
          "BatchNormalization,ClassificationError,CrossEntropyWithSoftmax,ElementTimes,Plus,Times", {}}},
        {"LR_reg.dnn", {"cntk-v1", 5, 2, 3, 2, 3, 0, "Logistic,Plus,Sigmoid,SquareError,Times", {}}},
        {"MC.dnn", {"cntk-v1", 4, 2, 9, 2, 3, 0, "CrossEntropyWithSoftmax,ErrorPrediction,Plus,Times", {}}},
        {"ResNet20_CIFAR10_DataAug.dnn",
         {"cntk-v1", 77, 109, 274044, 2, 3, 0,
          "BatchNormalization,ClassificationError,Convolution,CrossEntropyWithSoftmax,ElementTimes,Plus,Pooling,"
          "RectifiedLinear,Times",
          {}}},
        {"cifar10.pretrained.cmf",
         {"cntk-v1", 20, 11, 116907, 2, 3, 0,
          "ClassificationError,Convolution,CrossEntropyWithSoftmax,Minus,Plus,Pooling,RectifiedLinear,Times", {}}},
    };
    return table;
}

std::vector<std::filesystem::path> cntkCorpusFiles()
{
    auto files = test::corpusFiles("cntk-v2", {""});
    for (auto& f : test::corpusFiles("cntk-v1", {""}))
        files.push_back(f);
    return files;
}

std::vector<std::filesystem::path> cntkModelV2Files()
{
    std::vector<std::filesystem::path> out;
    for (const auto& f : test::corpusFiles("cntk-v2", {""})) {
        auto it = expectations().find(f.filename().string());
        if (it != expectations().end() && it->second.error.empty())
            out.push_back(f);
    }
    return out;
}

const Tensor* initializer(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

float floatAt(const Tensor& t, std::size_t k)
{
    float v;
    std::memcpy(&v, t.data->bytes().data() + k * 4, 4);
    return v;
}

// ---- A synthetic model-v2 file: the element types, storage formats, a
// recurrence, a block and attribute kinds the corpus does not have.

namespace pb = ::nodus::cntk;

pb::DictionaryValue* put(pb::Dictionary& d, const std::string& key)
{
    auto* e = d.add_data();
    e->set_key(key);
    e->mutable_value()->set_version(1);
    return e->mutable_value();
}

void putString(pb::Dictionary& d, const std::string& key, const std::string& value)
{
    auto* v = put(d, key);
    v->set_value_type(pb::DictionaryValue::String);
    v->set_string_value(value);
}

void putSize(pb::Dictionary& d, const std::string& key, std::uint64_t value)
{
    auto* v = put(d, key);
    v->set_value_type(pb::DictionaryValue::SizeT);
    v->set_size_t_value(value);
}

void putShape(pb::Dictionary& d, const std::string& key, std::vector<std::uint64_t> dims)
{
    auto* v = put(d, key);
    v->set_value_type(pb::DictionaryValue::NDShape);
    for (auto x : dims)
        v->mutable_nd_shape_value()->add_shape_dim(x);
}

void putAxis(pb::Dictionary& d, const std::string& key, int index)
{
    auto* v = put(d, key);
    v->set_value_type(pb::DictionaryValue::Axis);
    v->mutable_axis_value()->set_static_axis_idx(index);
    v->mutable_axis_value()->set_name("staticAxisIdx=" + std::to_string(index));
    v->mutable_axis_value()->set_is_ordered_dynamic_axis(true);
}

void putStrings(pb::Dictionary& d, const std::string& key, const std::vector<std::string>& items)
{
    auto* v = put(d, key);
    v->set_value_type(pb::DictionaryValue::Vector);
    auto* vec = v->mutable_vector_value();
    for (const auto& s : items) {
        auto* x = vec->add_value();
        x->set_version(1);
        x->set_value_type(pb::DictionaryValue::String);
        x->set_string_value(s);
    }
}

pb::Dictionary* addDictionary(pb::Vector& list)
{
    auto* x = list.add_value();
    x->set_version(1);
    x->set_value_type(pb::DictionaryValue::Dictionary);
    x->mutable_dictionary_value()->set_version(1);
    return x->mutable_dictionary_value();
}

pb::NDArrayView* addVariable(pb::Vector& inputs, const std::string& uid, const std::string& name, int kind,
                             int dataType, std::vector<std::uint64_t> shape, bool dynamic = false)
{
    pb::Dictionary& v = *addDictionary(inputs);
    putString(v, "type", "Variable");
    putString(v, "uid", uid);
    if (!name.empty())
        putString(v, "name", name);
    putSize(v, "kind", kind);
    putSize(v, "data_type", dataType);
    putShape(v, "shape", shape);
    auto* axes = put(v, "dynamic_axis");
    axes->set_value_type(pb::DictionaryValue::Vector);
    auto* list = axes->mutable_vector_value();
    if (dynamic) {
        for (auto [axisName, ordered] : {std::pair{"defaultDynamicAxis", true}, std::pair{"defaultBatchAxis", false}}) {
            auto* a = list->add_value();
            a->set_value_type(pb::DictionaryValue::Axis);
            a->mutable_axis_value()->set_static_axis_idx(INT_MAX);
            a->mutable_axis_value()->set_name(axisName);
            a->mutable_axis_value()->set_is_ordered_dynamic_axis(ordered);
        }
    }
    if (kind != 2 && kind != 3)
        return nullptr;
    auto* value = put(v, "value");
    value->set_value_type(pb::DictionaryValue::NDArrayView);
    auto* view = value->mutable_nd_array_view_value();
    view->set_data_type(static_cast<pb::NDArrayView::DataType>(dataType));
    for (auto x : shape)
        view->mutable_shape()->add_shape_dim(x);
    return view;
}

pb::Dictionary& addFunction(pb::Vector& functions, const std::string& uid, int op,
                            const std::vector<std::string>& inputs)
{
    pb::Dictionary& f = *addDictionary(functions);
    putString(f, "type", "PrimitiveFunction");
    putString(f, "uid", uid);
    putSize(f, "op", op);
    putStrings(f, "inputs", inputs);
    auto* attrs = put(f, "attributes");
    attrs->set_value_type(pb::DictionaryValue::Dictionary);
    attrs->mutable_dictionary_value()->set_version(1);
    return f;
}

pb::Dictionary& attributes(pb::Dictionary& f)
{
    for (auto& e : *f.mutable_data())
        if (e.key() == "attributes")
            return *e.mutable_value()->mutable_dictionary_value();
    throw std::logic_error("no attributes");
}

std::string syntheticModel()
{
    pb::Dictionary root;
    root.set_version(1);
    putSize(root, "version", 2);
    putString(root, "type", "CompositeFunction");
    putString(root, "uid", "CompositeFunction100");
    putString(root, "name", "synthetic");
    putString(root, "root", "Combine9");
    auto* inputsValue = put(root, "inputs");
    inputsValue->set_value_type(pb::DictionaryValue::Vector);
    pb::Vector& inputs = *inputsValue->mutable_vector_value();

    addVariable(inputs, "Input1", "x", 0, 1, {4}, true);
    auto* p2 = addVariable(inputs, "Parameter2", "W", 2, 1, {3, 4});
    for (int k = 0; k < 12; ++k)
        p2->mutable_float_values()->add_value(static_cast<float>(k));
    auto* p3 = addVariable(inputs, "Parameter3", "scale", 2, 2, {3});
    for (double d : {0.5, -1.25, 3.0})
        p3->mutable_double_values()->add_value(d);
    auto* c4 = addVariable(inputs, "Constant4", "", 3, 4, {2, 2});
    for (float f : {1.0f, 0.5f, -2.0f, 65504.0f})
        c4->mutable_float_values()->add_value(f);
    auto* c5 = addVariable(inputs, "Constant5", "", 3, 5, {5});
    const char int8s[] = {1, -2, 3, -4, 127};
    c5->mutable_bytes_value()->set_value(int8s, sizeof int8s);
    auto* c6 = addVariable(inputs, "Constant6", "", 3, 6, {3});
    for (int v : {-300, 0, 32767})
        c6->mutable_sint32_values()->add_value(v);
    auto* p7 = addVariable(inputs, "Parameter7", "", 2, 1, {2});
    p7->set_storage_format(pb::NDArrayView::SparseCSC);
    p7->mutable_float_values()->add_value(0);
    p7->mutable_float_values()->add_value(1);
    addVariable(inputs, "Placeholder14", "", 4, 1, {3});

    auto* functionsValue = put(root, "primitive_functions");
    functionsValue->set_value_type(pb::DictionaryValue::Vector);
    pb::Vector& functions = *functionsValue->mutable_vector_value();
    auto& times = addFunction(functions, "Times8", 31, {"Parameter2", "Input1"});
    putSize(attributes(times), "outputRank", 1);
    auto* infer = put(attributes(times), "inferInputRankToMap");
    infer->set_value_type(pb::DictionaryValue::Int);
    infer->set_int_value(-1);
    addFunction(functions, "Plus10", 19, {"Times8_Output_0", "PastValue11_Output_0"});
    auto& past = addFunction(functions, "PastValue11", 37, {"Plus10_Output_0", "Constant4"});
    putSize(attributes(past), "offset", 1);
    addFunction(functions, "ElementTimes15", 21, {"Parameter3", "Placeholder14"});
    addFunction(functions, "ReLU13", 3, {"ElementTimes15_Output_0"});
    auto& block = addFunction(functions, "Block12", 57, {"Parameter3", "Plus10_Output_0"});
    putString(block, "block_function_op_name", "MyBlock");
    auto* composite = put(block, "block_function_composite");
    composite->set_value_type(pb::DictionaryValue::Dictionary);
    putString(*composite->mutable_dictionary_value(), "root", "ReLU13");
    putString(*composite->mutable_dictionary_value(), "type", "CompositeFunction");
    putStrings(block, "block_function_composite_arguments_map_keys", {"Placeholder14"});
    putStrings(block, "block_function_composite_arguments_map_values", {"Plus10_Output_0"});
    auto& reshape = addFunction(functions, "Reshape16", 16, {"Constant5"});
    putShape(attributes(reshape), "newShape", {5, 1});
    putAxis(attributes(reshape), "beginAxis", 0);
    putAxis(attributes(reshape), "endAxis", 1);
    addFunction(functions, "Combine9", 44, {"Block12_Output_0", "Plus10_Output_0", "Reshape16_Output_0"});
    return root.SerializeAsString();
}

} // namespace

class TestCntk : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int opened_ = 0;
    int refused_ = 0;

    std::filesystem::path out(const std::string& name) const
    {
        return std::filesystem::path(dir_.path().toStdString()) / name;
    }

    std::filesystem::path syntheticPath()
    {
        const auto path = out("synthetic.model");
        if (!std::filesystem::exists(path))
            writeFile(path, syntheticModel());
        return path;
    }

    void attempt(const std::vector<std::byte>& bytes, const std::string& label)
    {
        try {
            auto file = MappedFile::fromBytes(bytes, label);
            auto model = FormatRegistry::instance().open(FormatRegistry::probe(file));
            ++opened_;
            (void)ModelSummary::of(*model);
            auto touch = [](const Graph& g) {
                for (const auto& t : g.initializers) {
                    try {
                        if (t->data)
                            (void)t->data->bytes();
                    } catch (const Error&) {
                    }
                }
            };
            touch(*model->graph);
            model->graph->forEachSubgraph(touch);
            if (model->format == "cntk") {
                try {
                    FormatRegistry::instance().save(*model, out("robust.model"), "cntk");
                    (void)FormatRegistry::instance().open(out("robust.model"));
                } catch (const Error&) {
                }
            }
        } catch (const Error& e) {
            ++refused_;
            if (!QString(e.what()).contains(QString::fromStdString(label)))
                QFAIL(qPrintable("error does not name the file: " + QString(e.what())));
        }
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void corpus_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : cntkCorpusFiles())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void corpus()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::filesystem::path path = file.toStdString();
        const auto it = expectations().find(path.filename().string());
        QVERIFY2(it != expectations().end(), "a corpus file this test has no expectation for");
        const Expectation& want = it->second;
        std::unique_ptr<Model> model;
        try {
            model = FormatRegistry::instance().open(path);
        } catch (const Error& e) {
            QVERIFY2(!want.error.empty(), e.what());
            QVERIFY2(QString(e.what()).startsWith(file + ": "), e.what());
            QVERIFY2(QString(e.what()).contains(QString::fromStdString(want.error)), e.what());
            // Claimed by the CNTK reader, which is what says so precisely.
            const auto d = FormatRegistry::instance().detect(FormatRegistry::probe(path));
            QCOMPARE(QString::fromStdString(std::string(d.format->name())), QString("cntk"));
            return;
        }
        QVERIFY2(want.error.empty(), "opened a file that should be refused");
        const ModelSummary s = ModelSummary::of(*model);
        QCOMPARE(QString::fromStdString(s.format), QString::fromStdString(want.format));
        QCOMPARE(QString::fromStdString(s.producer), QString("CNTK"));
        QCOMPARE(s.nodes, want.nodes);
        QCOMPARE(s.tensors, want.tensors);
        QCOMPARE(s.parameters, want.parameters);
        QCOMPARE(s.inputs, want.inputs);
        QCOMPARE(s.outputs, want.outputs);
        QCOMPARE(s.subgraphs, want.subgraphs);
        std::string ops;
        for (const auto& op : s.opTypes)
            ops += (ops.empty() ? "" : ",") + op;
        QCOMPARE(QString::fromStdString(ops), QString::fromStdString(want.opTypes));
        // Every tensor's bytes are there, of the size its type and shape need.
        for (const auto& t : model->graph->initializers) {
            QVERIFY(t->data);
            QCOMPARE(std::uint64_t(t->data->bytes().size()), *t->expectedBytes());
        }
        // Producers come before users (ignoring recurrence edges) and every
        // op has metadata.
        auto recurrent = [](const Node* n) { return n->opType == "PastValue" || n->opType == "FutureValue"; };
        std::set<const Node*> placed;
        for (const auto& n : model->graph->nodes()) {
            QVERIFY2(cntkOpMetadata().find("", n->opType), n->opType.c_str());
            for (const Value* v : n->inputs())
                if (v && v->producer() && !recurrent(n.get()) && !recurrent(v->producer()))
                    QVERIFY2(placed.count(v->producer()), (n->name + " before its input " + v->name()).c_str());
            placed.insert(n.get());
        }
    }

    void mnistDetails()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "cntk-v2" / "MNISTConvolution.model");
        // Column-major [10, 392] reads row-major [392, 10]; values as
        // python3-protobuf reads the packed floats.
        const Tensor* w = initializer(*model, "Parameter28");
        QVERIFY(w);
        QCOMPARE(w->dims, (std::vector<std::int64_t>{392, 10}));
        QCOMPARE(w->dataType, DataType::Float);
        QVERIFY(w->isMapped());
        QCOMPARE(floatAt(*w, 0), -0.08945657312870026f);
        QCOMPARE(floatAt(*w, 3919), 0.07392922788858414f);
        QCOMPARE(initializer(*model, "Parameter15")->dims, (std::vector<std::int64_t>{8, 4, 3, 3}));
        QCOMPARE(initializer(*model, "Constant1")->dims, std::vector<std::int64_t>{});
        QCOMPARE(floatAt(*initializer(*model, "Constant1"), 0), 0.00390625f);
        // The input, with CNTK's batch and sequence axes leading.
        QCOMPARE(model->graph->realInputs().size(), std::size_t(1));
        const Value* features = model->graph->realInputs().front();
        QCOMPARE(QString::fromStdString(features->type.toString()), QString("float32[#,*,1,28,28]"));
        QCOMPARE(QString::fromStdString(features->docString), QString("features"));
        // Named functions keep their names; attributes come across typed.
        const Node* times = model->graph->findNode("times");
        QVERIFY(times);
        QCOMPARE(times->attribute("outputRank")->i, std::int64_t(1));
        QCOMPARE(times->attribute("inferInputRankToMap")->i, std::int64_t(-1));
        const Node* conv = model->graph->findNode("Convolution16");
        QVERIFY(conv);
        QCOMPARE(conv->attribute("strides")->ints, (std::vector<std::int64_t>{4, 1, 1}));
        QCOMPARE(conv->attribute("autoPadding")->type, AttributeType::Ints);
        const Node* reshape = model->graph->findNode("Reshape25");
        QCOMPARE(reshape->attribute("endAxis")->i, std::int64_t(3));
        QCOMPARE(QString::fromStdString(model->graph->outputs.front()->name()), QString("Plus33_Output_0"));
    }

    void atisBlocksAndRecurrence()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "cntk-v2" / "ATIS_model.cmf");
        const Graph& g = *model->graph;
        const Node* lstm = nullptr;
        for (const auto& n : g.nodes())
            if (n->opType == "LSTM")
                lstm = n.get();
        QVERIFY(lstm);
        // The block keeps all of CNTK's inputs (weights included) and has
        // the two outputs of its body's Combine.
        QCOMPARE(lstm->inputs().size(), std::size_t(10));
        QCOMPARE(lstm->outputs().size(), std::size_t(2));
        const Attribute* body = lstm->attribute("block");
        QVERIFY(body && body->type == AttributeType::Graph && body->graphs.size() == 1);
        const Graph& b = *body->graphs.front();
        // 19 functions, as Netron's walk from the composite root finds them,
        // one of them the nested "dh_stabilizer" block.
        QCOMPARE(b.nodes().size(), std::size_t(19));
        QCOMPARE(b.inputs.size(), std::size_t(3));
        QCOMPARE(b.outputs.size(), std::size_t(2));
        QCOMPARE(b.parent(), &g);
        QVERIFY(b.findNode("dh_stabilizer") && b.findNode("dh_stabilizer")->attribute("block"));
        const Value* weight = b.findValue("Parameter84");
        QVERIFY(weight && weight->fromOuterScope);
        // The recurrence: PastValue reads the LSTM's output and feeds it back.
        int pastValues = 0;
        for (const auto& n : g.nodes()) {
            if (n->opType != "PastValue")
                continue;
            ++pastValues;
            QCOMPARE(n->inputs().front()->producer(), lstm);
            bool feedsBack = false;
            for (const auto& use : n->outputs().front()->users())
                feedsBack |= use.node == lstm;
            QVERIFY(feedsBack);
            QCOMPARE(n->attribute("offset")->i, std::int64_t(1));
        }
        QCOMPARE(pastValues, 2);
        // The sparse input "keep", batch and sequence axes leading.
        QCOMPARE(g.realInputs().front()->type.kind, ValueType::Kind::SparseTensor);
        QCOMPARE(QString::fromStdString(g.realInputs().front()->type.shape.toString()), QString("[#,*,943]"));
    }

    void v1Details()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "cntk-v1" / "cifar10.pretrained.cmf");
        const Tensor* w = initializer(*model, "z.l1.W");
        QVERIFY(w);
        // Sample layout [5, 5, 3, 32], column-major, read row-major.
        QCOMPARE(w->dims, (std::vector<std::int64_t>{32, 3, 5, 5}));
        QVERIFY(w->isMapped());
        const Node* conv = model->graph->findNode("z.l1.c");
        QVERIFY(conv);
        QCOMPARE(conv->attribute("kernelShape")->ints, (std::vector<std::int64_t>{3, 5, 5}));
        QCOMPARE(conv->inputs().size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(conv->inputs()[0]->name()), QString("z.l1.W"));
        const Value* features = model->graph->findValue("features");
        QCOMPARE(QString::fromStdString(features->type.toString()), QString("float32[#,*,3,32,32]"));
        // The v1 format is read-only.
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*model, out("v1.dnn"), "cntk-v1"));
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*model, out("v1.model"), "cntk"));
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : cntkModelV2Files())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void roundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::filesystem::path path = file.toStdString();
        const auto target = out("roundtrip_" + path.filename().string());
        std::unique_ptr<Model> a, b;
        try {
            a = FormatRegistry::instance().open(path);
            FormatRegistry::instance().save(*a, target, "cntk");
            b = FormatRegistry::instance().open(target);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const auto diffs = compareModels(*a, *b);
        QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());
        QVERIFY2(readAll(path) == readAll(target), "saved bytes differ from the original");
    }

    void editedTensorSurvives()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        // ATIS: the edited weight sits deep in the "inputs" vector, so every
        // enclosing length prefix is recomputed on the way out.
        const auto source = test::corpusDir() / "cntk-v2" / "ATIS_model.cmf";
        const auto target = out("atis_edited.cmf");
        auto model = FormatRegistry::instance().open(source);
        Tensor* w = nullptr;
        for (auto& t : model->graph->initializers)
            if (t->name == "Parameter84")
                w = t.get();
        QVERIFY(w);
        QCOMPARE(w->dims, (std::vector<std::int64_t>{300, 1200}));
        const auto original = w->data->bytes();
        std::vector<std::byte> edited(original.begin(), original.end());
        for (std::size_t k = 0; k < edited.size() / 4; k += 97) {
            const float v = static_cast<float>(k) * 0.5f - 1.0f;
            std::memcpy(edited.data() + k * 4, &v, 4);
        }
        w->data = std::make_shared<OwnedTensorData>(edited);
        FormatRegistry::instance().save(*model, target, "cntk");

        auto reopened = FormatRegistry::instance().open(target);
        const Tensor* r = initializer(*reopened, "Parameter84");
        QVERIFY(r);
        QVERIFY(std::equal(r->data->bytes().begin(), r->data->bytes().end(), edited.begin(), edited.end()));
        // Nothing else changed: the only difference is that tensor...
        const auto diffs = compareModels(*FormatRegistry::instance().open(source), *reopened);
        QCOMPARE(diffs.size(), std::size_t(1));
        QVERIFY2(QString::fromStdString(diffs.front()).contains("Parameter84"), diffs.front().c_str());
        // ...and byte for byte, only the bytes of its elements differ (same
        // element count, so the same length).
        const std::string a = readAll(source), b = readAll(target);
        QCOMPARE(a.size(), b.size());
        const auto region = r->data->region();
        QVERIFY(region);
        for (std::size_t k = 0; k < a.size(); ++k)
            if (a[k] != b[k])
                QVERIFY2(k >= region->offset && k < region->offset + region->length, "a byte outside the tensor changed");
        // Saving the reopened file unedited reproduces it exactly.
        FormatRegistry::instance().save(*reopened, out("atis_again.cmf"), "cntk");
        QVERIFY(readAll(out("atis_again.cmf")) == b);
    }

    void synthetic()
    {
        const auto path = syntheticPath();
        const auto model = FormatRegistry::instance().open(path);
        QCOMPARE(QString::fromStdString(model->format), QString("cntk"));
        const Graph& g = *model->graph;
        QCOMPARE(QString::fromStdString(g.name), QString("synthetic"));
        // Times, Plus, PastValue, the block, Reshape, Combine; the block's
        // body (ElementTimes, ReLU) sits in its subgraph.
        QCOMPARE(g.nodes().size(), std::size_t(6));
        QCOMPARE(g.initializers.size(), std::size_t(6));
        QCOMPARE(g.outputs.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(g.nodes().back()->opType), QString("Combine"));
        QCOMPARE(QString::fromStdString(g.realInputs().front()->type.toString()), QString("float32[#,*,4]"));

        const Tensor* w = initializer(*model, "Parameter2");
        QCOMPARE(w->dims, (std::vector<std::int64_t>{4, 3}));
        QCOMPARE(floatAt(*w, 11), 11.0f);
        const Tensor* d = initializer(*model, "Parameter3");
        QCOMPARE(d->dataType, DataType::Double);
        QCOMPARE(elementAsDouble(d->dataType, d->data->bytes(), 1), -1.25);
        const Tensor* h = initializer(*model, "Constant4");
        QCOMPARE(h->dataType, DataType::Float16);
        QCOMPARE(h->data->bytes().size(), std::size_t(8));
        QCOMPARE(elementAsDouble(h->dataType, h->data->bytes(), 1), 0.5);
        QCOMPARE(elementAsDouble(h->dataType, h->data->bytes(), 2), -2.0);
        QCOMPARE(elementAsDouble(h->dataType, h->data->bytes(), 3), 65504.0);
        const Tensor* i8 = initializer(*model, "Constant5");
        QCOMPARE(i8->dataType, DataType::Int8);
        QCOMPARE(elementAsDouble(i8->dataType, i8->data->bytes(), 3), -4.0);
        const Tensor* i16 = initializer(*model, "Constant6");
        QCOMPARE(i16->dataType, DataType::Int16);
        QCOMPARE(elementAsDouble(i16->dataType, i16->data->bytes(), 0), -300.0);
        QCOMPARE(elementAsDouble(i16->dataType, i16->data->bytes(), 2), 32767.0);
        const Tensor* sparse = initializer(*model, "Parameter7");
        QVERIFY(QString::fromStdString(sparse->docString).contains("CSC"));
        QCOMPARE(floatAt(*sparse, 1), 1.0f);

        const Node* past = g.findNode("PastValue11");
        QVERIFY(past);
        QCOMPARE(QString::fromStdString(past->inputs()[0]->producer()->name), QString("Plus10"));
        QCOMPARE(QString::fromStdString(g.findNode("Plus10")->inputs()[1]->producer()->name), QString("PastValue11"));
        QCOMPARE(g.findNode("Times8")->attribute("inferInputRankToMap")->i, std::int64_t(-1));
        const Node* reshape = g.findNode("Reshape16");
        QCOMPARE(reshape->attribute("newShape")->ints, (std::vector<std::int64_t>{1, 5}));
        QCOMPARE(reshape->attribute("endAxis")->i, std::int64_t(1));
        const Node* block = g.findNode("Block12");
        QCOMPARE(QString::fromStdString(block->opType), QString("MyBlock"));
        const Graph& body = *block->attribute("block")->graphs.front();
        QCOMPARE(body.nodes().size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(body.inputs.front()->name()), QString("Placeholder14"));
        QCOMPARE(QString::fromStdString(body.outputs.front()->name()), QString("ReLU13_Output_0"));
        QVERIFY(body.findValue("Parameter3")->fromOuterScope);

        // Unedited: saved byte for byte.
        FormatRegistry::instance().save(*model, out("synthetic_copy.model"), "cntk");
        QVERIFY(readAll(out("synthetic_copy.model")) == readAll(path));
    }

    void syntheticEdits()
    {
        // Edits that change the encoded size (zigzag varints, float16 widened
        // to float), in three element types at once.
        const auto path = syntheticPath();
        auto model = FormatRegistry::instance().open(path);
        auto find = [&](const std::string& name) {
            for (auto& t : model->graph->initializers)
                if (t->name == name)
                    return t.get();
            return static_cast<Tensor*>(nullptr);
        };
        auto bytesOf = [](auto values) {
            std::vector<std::byte> b(sizeof(values[0]) * values.size());
            std::memcpy(b.data(), values.data(), b.size());
            return b;
        };
        find("Constant6")->data = std::make_shared<OwnedTensorData>(bytesOf(std::vector<std::int16_t>{-1, 12345, -32768}));
        find("Constant4")->data = std::make_shared<OwnedTensorData>(
            bytesOf(std::vector<std::uint16_t>{floatToFloat16(3.0f), floatToFloat16(-0.25f), 0x3c00, 0x0001}));
        find("Parameter3")->data = std::make_shared<OwnedTensorData>(bytesOf(std::vector<double>{1e300, -0.0, 7}));
        const auto target = out("synthetic_edited.model");
        FormatRegistry::instance().save(*model, target, "cntk");
        QVERIFY(readAll(target).size() != readAll(path).size());

        const auto reopened = FormatRegistry::instance().open(target);
        const Tensor* i16 = initializer(*reopened, "Constant6");
        QCOMPARE(elementAsDouble(DataType::Int16, i16->data->bytes(), 0), -1.0);
        QCOMPARE(elementAsDouble(DataType::Int16, i16->data->bytes(), 1), 12345.0);
        QCOMPARE(elementAsDouble(DataType::Int16, i16->data->bytes(), 2), -32768.0);
        const Tensor* h = initializer(*reopened, "Constant4");
        QCOMPARE(elementAsDouble(DataType::Float16, h->data->bytes(), 0), 3.0);
        QCOMPARE(elementAsDouble(DataType::Float16, h->data->bytes(), 1), -0.25);
        QCOMPARE(elementAsDouble(DataType::Float16, h->data->bytes(), 3), double(float16ToFloat(1)));
        const Tensor* d = initializer(*reopened, "Parameter3");
        QCOMPARE(elementAsDouble(DataType::Double, d->data->bytes(), 0), 1e300);
        const auto diffs = compareModels(*FormatRegistry::instance().open(path), *reopened);
        QCOMPARE(diffs.size(), std::size_t(3));
        // The file is still the same Dictionary for anyone else: python's
        // protobuf, or ours parsing it afresh, sees the other entries intact.
        pb::Dictionary parsed;
        QVERIFY(parsed.ParseFromString(readAll(target)));
        QCOMPARE(parsed.data_size(), 7);

        // A new shape cannot be saved: CNTK keeps the variable's shape too.
        find("Parameter2")->dims = {12};
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*model, out("bad.model"), "cntk"));
        try {
            FormatRegistry::instance().save(*model, out("bad.model"), "cntk");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("bad.model") && QString(e.what()).contains("Parameter2"), e.what());
        }
        QVERIFY(!std::filesystem::exists(out("bad.model")));
    }

    void notAModelFromOtherFormats()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        // Neither CNTK sniffer claims any ONNX file.
        static const CntkFormat cntk;
        static const CntkV1Format cntkV1;
        for (const auto& f : test::onnxCorpusFiles()) {
            const auto probe = FormatRegistry::probe(f);
            QVERIFY2(cntk.sniff(probe) == 0, f.string().c_str());
            QVERIFY2(cntkV1.sniff(probe) == 0, f.string().c_str());
        }
    }

    void opMetadata()
    {
        const OpMetadata& meta = cntkOpMetadata();
        auto category = [&](const char* op) { return QString::fromStdString(std::string(meta.category("", op))); };
        QCOMPARE(category("Times"), QString("Layer"));
        QCOMPARE(category("Convolution"), QString("Layer"));
        QCOMPARE(category("ReLU"), QString("Activation"));
        QCOMPARE(category("Pooling"), QString("Pool"));
        QCOMPARE(category("BatchNormalization"), QString("Normalization"));
        QCOMPARE(category("Dropout"), QString("Dropout"));
        QCOMPARE(category("Reshape"), QString("Shape"));
        QCOMPARE(category("Splice"), QString("Tensor"));
        QCOMPARE(category("Slice"), QString("Tensor"));
        QCOMPARE(category("PastValue"), QString("Control"));
        QCOMPARE(category("FutureValue"), QString("Control"));
        QCOMPARE(category("RectifiedLinear"), QString("Activation"));
        QCOMPARE(category("Plus"), QString());
        const OpInfo* times = meta.find("", "Times");
        QVERIFY(times && times->attribute("outputRank") && times->attribute("outputRank")->defaultText == "1");
    }

    void corrupted_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : cntkCorpusFiles())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void corrupted()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::string bytes = readAll(file.toStdString());
        std::vector<std::byte> original(bytes.size());
        std::memcpy(original.data(), bytes.data(), bytes.size());
        const std::string name = std::filesystem::path(file.toStdString()).filename().string();
        QVERIFY(!original.empty());

        std::vector<std::size_t> cuts = {0, 1, 2, original.size() - 1};
        for (int k = 1; k < 48; ++k)
            cuts.push_back(original.size() * k / 48);
        for (std::size_t cut : cuts)
            attempt({original.begin(), original.begin() + cut}, name + " (truncated at " + std::to_string(cut) + ")");

        std::mt19937_64 rng(std::hash<std::string>{}(name));
        for (int k = 0; k < 48; ++k) {
            std::vector<std::byte> copy = original;
            const int flips = 1 + k % 4;
            for (int f = 0; f < flips; ++f) {
                const std::size_t at = rng() % copy.size();
                copy[at] ^= std::byte(1u << (rng() % 8));
            }
            attempt(copy, name + " (bit flip " + std::to_string(k) + ")");
        }
        std::vector<std::byte> noise(original.size());
        for (auto& b : noise)
            b = std::byte(rng() & 0xff);
        attempt(noise, name + " (noise)");
    }

    void cleanupTestCase()
    {
        qInfo("corrupted copies: %d opened and survived inspection, %d refused with an error", opened_, refused_);
        if (!test::corpusDir().empty())
            QVERIFY(refused_ > 0);
    }
};

QTEST_GUILESS_MAIN(TestCntk)
#include "test_cntk.moc"

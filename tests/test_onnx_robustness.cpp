// Truncated and bit-flipped copies of every ONNX corpus file give a clear
// error naming the file, or open into a model that can be inspected and
// saved: never a crash, a hang or a huge allocation. CI also runs this
// suite under AddressSanitizer and UBSan (tools/test --sanitize).
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "ir/graph.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "ir/node.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <onnx/onnx_pb.h>

#include <QTemporaryDir>

#include <fstream>
#include <iterator>
#include <random>

using namespace nodus;

namespace {

std::vector<std::byte> readAll(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::vector<char> chars{std::istreambuf_iterator<char>(in), {}};
    std::vector<std::byte> out(chars.size());
    std::memcpy(out.data(), chars.data(), chars.size());
    return out;
}

// Everything a user can do with an opened model without a GUI.
void exercise(const Model& model, const std::filesystem::path& saveTo)
{
    (void)ModelSummary::of(model);
    auto touch = [](const Graph& g) {
        for (const auto& t : g.initializers) {
            try {
                if (t->data)
                    (void)t->data->bytes();
            } catch (const Error&) {
            }
        }
    };
    touch(*model.graph);
    model.graph->forEachSubgraph(touch);
    try {
        FormatRegistry::instance().save(model, saveTo, "onnx");
        (void)FormatRegistry::instance().open(saveTo);
    } catch (const Error&) {
    }
}

} // namespace

class TestOnnxRobustness : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int opened_ = 0;
    int refused_ = 0;

    void attempt(const std::vector<std::byte>& bytes, const std::string& label)
    {
        try {
            auto file = MappedFile::fromBytes(bytes, label);
            auto model = FormatRegistry::instance().open(FormatRegistry::probe(file));
            ++opened_;
            exercise(*model, std::filesystem::path(dir_.path().toStdString()) / "saved.onnx");
        } catch (const Error& e) {
            ++refused_;
            if (!QString(e.what()).contains(QString::fromStdString(label)))
                QFAIL(qPrintable("error does not name the file: " + QString(e.what())));
        }
    }

private slots:
    void corrupted_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : test::onnxCorpusFiles())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void corrupted()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const auto original = readAll(file.toStdString());
        const std::string name = std::filesystem::path(file.toStdString()).filename().string();
        QVERIFY(!original.empty());

        // Truncations: 48 cut points spread over the file, plus the edges.
        std::vector<std::size_t> cuts = {0, 1, 2, original.size() - 1};
        for (int k = 1; k < 48; ++k)
            cuts.push_back(original.size() * k / 48);
        for (std::size_t cut : cuts) {
            std::vector<std::byte> copy(original.begin(), original.begin() + cut);
            attempt(copy, name + " (truncated at " + std::to_string(cut) + ")");
        }

        // Bit flips, seeded per file so failures reproduce.
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
        // Garbage of the same size.
        std::vector<std::byte> noise(original.size());
        for (auto& b : noise)
            b = std::byte(rng() & 0xff);
        attempt(noise, name + " (noise)");
    }

    // A node that repeats an attribute name (the checker refuses it; the
    // reader keeps both, found by fuzz_onnx in a TreeEnsemble node test) is
    // saved with both, in order. Saving once wanted one proto twice and
    // crashed in the proto's destructor.
    void repeatedAttributeNamesSave()
    {
        ::onnx::ModelProto m;
        m.set_ir_version(8);
        m.add_opset_import()->set_version(17);
        auto* g = m.mutable_graph();
        g->set_name("repeated");
        auto* node = g->add_node();
        node->set_op_type("Relu");
        node->set_name("relu");
        node->add_input("x");
        node->add_output("y");
        auto* a = node->add_attribute();
        a->set_name("tag");
        a->set_type(::onnx::AttributeProto::INT);
        a->set_i(1);
        auto* b = node->add_attribute();
        b->set_name("other");
        b->set_type(::onnx::AttributeProto::FLOAT);
        b->set_f(0.5f);
        auto* c = node->add_attribute();
        c->set_name("tag");
        c->set_type(::onnx::AttributeProto::INTS);
        c->add_ints(2);
        c->add_ints(3);
        g->add_input()->set_name("x");
        g->add_output()->set_name("y");
        const std::string bytes = m.SerializeAsString();
        std::vector<std::byte> data(bytes.size());
        std::memcpy(data.data(), bytes.data(), bytes.size());

        auto model = FormatRegistry::instance().open(
            FormatRegistry::probe(MappedFile::fromBytes(data, "repeated.onnx")));
        QCOMPARE(model->graph->nodes().front()->attributes.size(), std::size_t(3));
        const auto saved = std::filesystem::path(dir_.path().toStdString()) / "repeated.onnx";
        FormatRegistry::instance().save(*model, saved, "onnx");

        ::onnx::ModelProto back;
        std::ifstream in(saved, std::ios::binary);
        QVERIFY(back.ParseFromIstream(&in));
        const auto& attrs = back.graph().node(0).attribute();
        QCOMPARE(attrs.size(), 3);
        QCOMPARE(attrs[0].name(), std::string("tag"));
        QCOMPARE(attrs[0].i(), std::int64_t(1));
        QCOMPARE(attrs[1].name(), std::string("other"));
        QCOMPARE(attrs[2].name(), std::string("tag"));
        QCOMPARE(attrs[2].ints_size(), 2);
        QCOMPARE(attrs[2].ints(1), std::int64_t(3));
    }

    void cleanupTestCase()
    {
        qInfo("corrupted copies: %d opened and survived inspection, %d refused with an error", opened_, refused_);
        if (!test::corpusDir().empty())
            QVERIFY(refused_ > 0);
    }
};

QTEST_GUILESS_MAIN(TestOnnxRobustness)
#include "test_onnx_robustness.moc"

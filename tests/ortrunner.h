#pragma once

// Runs an ONNX file with onnxruntime, the reference runtime: tests convert or
// write a model and check what a real runtime makes of it. onnxruntime-node
// (tools/ort/run.cjs, installed by tools/test) is used where it is there, else
// onnxruntime's Python package (tools/ort/run.py, the same inputs and output).
// Unavailable (neither) means the caller skips, saying why.

#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryFile>

#include <onnx/onnx_pb.h>

#include <fstream>
#include <optional>

namespace nodus::test {

struct OrtInput {
    std::string name;
    std::string type; // "float32", "uint8", "int64", ...
    std::vector<std::int64_t> dims;
    std::vector<double> data; // empty: the runner's fixed-seed values
};

struct OrtOutput {
    std::string name;
    std::string type;
    std::vector<std::int64_t> dims;
    bool finite = false;
    std::vector<double> data; // the first 64 elements (all with `full`)
};

struct OrtResult {
    bool ran = false;
    QString error;
    std::vector<OrtOutput> outputs;
};

// The program and script that run onnxruntime here, or why there is none.
struct OrtRunner {
    QString program; // empty: unavailable
    QString script;
    QString why;
};

inline const OrtRunner& ortRunner()
{
    static const OrtRunner runner = [] {
        const auto dir = sourceDir() / "tools" / "ort";
        const bool node = !QStandardPaths::findExecutable("node").isEmpty();
        if (node && std::filesystem::exists(dir / "node_modules" / "onnxruntime-node"))
            return OrtRunner { "node", QString::fromStdString((dir / "run.cjs").string()), {} };
        QProcess probe;
        probe.start("python3", { "-c", "import onnxruntime" });
        if (probe.waitForFinished(60000) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0)
            return OrtRunner { "python3", QString::fromStdString((dir / "run.py").string()), {} };
        return OrtRunner { {}, {},
            node ? "onnxruntime-node is not installed (tools/test runs npm install --prefix tools/ort)"
                 : "neither node with onnxruntime-node nor python3 with onnxruntime is installed" };
    }();
    return runner;
}

// Empty when the reference runtime can be used, else why not.
inline QString ortUnavailable()
{
    return ortRunner().why;
}

inline std::string ortTypeName(int onnxType)
{
    switch (onnxType) {
    case onnx::TensorProto::FLOAT:
        return "float32";
    case onnx::TensorProto::DOUBLE:
        return "float64";
    case onnx::TensorProto::UINT8:
        return "uint8";
    case onnx::TensorProto::INT8:
        return "int8";
    case onnx::TensorProto::INT32:
        return "int32";
    case onnx::TensorProto::INT64:
        return "int64";
    case onnx::TensorProto::BOOL:
        return "bool";
    default:
        return "unsupported";
    }
}

// Inputs of an ONNX file: symbolic dims become `batch` for "N" and
// `otherSymbols` for any other name.
inline std::vector<OrtInput> ortInputsOf(
    const onnx::ModelProto& m, std::int64_t batch = 2, std::int64_t otherSymbols = 16)
{
    std::vector<OrtInput> out;
    std::set<std::string> initializers;
    for (const auto& t : m.graph().initializer())
        initializers.insert(t.name());
    for (const auto& in : m.graph().input()) {
        if (initializers.count(in.name()))
            continue;
        OrtInput i;
        i.name = in.name();
        i.type = ortTypeName(in.type().tensor_type().elem_type());
        for (const auto& d : in.type().tensor_type().shape().dim())
            i.dims.push_back(d.has_dim_value() ? d.dim_value() : d.dim_param() == "N" ? batch : otherSymbols);
        out.push_back(std::move(i));
    }
    return out;
}

inline OrtResult runOnnxRuntime(
    const std::filesystem::path& model, const std::vector<OrtInput>& inputs, bool full = false)
{
    OrtResult r;
    QJsonArray list;
    for (const auto& i : inputs) {
        QJsonObject o;
        o["name"] = QString::fromStdString(i.name);
        o["type"] = QString::fromStdString(i.type);
        QJsonArray dims;
        for (auto d : i.dims)
            dims.append(static_cast<qint64>(d));
        o["dims"] = dims;
        if (!i.data.empty()) {
            QJsonArray data;
            for (auto v : i.data)
                data.append(v);
            o["data"] = data;
        }
        list.append(o);
    }
    QTemporaryFile spec;
    if (!spec.open()) {
        r.error = "cannot write the input spec";
        return r;
    }
    spec.write(QJsonDocument(QJsonObject { { "inputs", list } }).toJson());
    spec.flush();
    QProcess p;
    p.start(ortRunner().program,
        QStringList { ortRunner().script, QString::fromStdString(model.string()), spec.fileName() }
            + (full ? QStringList { "--full" } : QStringList {}));
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        r.error = QString::fromUtf8(p.readAllStandardError()).trimmed();
        if (r.error.isEmpty())
            r.error = "onnxruntime did not finish";
        return r;
    }
    const auto doc = QJsonDocument::fromJson(p.readAllStandardOutput());
    for (const auto& v : doc.object()["outputs"].toArray()) {
        const auto o = v.toObject();
        OrtOutput out;
        out.name = o["name"].toString().toStdString();
        out.type = o["type"].toString().toStdString();
        for (const auto& d : o["dims"].toArray())
            out.dims.push_back(d.toInteger());
        out.finite = o["finite"].toBool();
        for (const auto& d : o["data"].toArray())
            out.data.push_back(d.toDouble());
        r.outputs.push_back(std::move(out));
    }
    r.ran = true;
    return r;
}

} // namespace nodus::test

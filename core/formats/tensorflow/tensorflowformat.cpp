#include "tensorflowformat.h"

#include "tensorflowdocument.h"
#include "tensorflowimporter.h"
#include "tensorflowopmetadata.h"
#include "tensorflowsniffer.h"
#include "tensorflowwriter.h"

#include "ir/model.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <climits>

namespace nodus {

namespace fs = std::filesystem;

namespace {

// The SavedModel file of a folder, if it has one.
fs::path savedModelIn(const fs::path& folder)
{
    std::error_code ec;
    for (const char* name : { "saved_model.pb", "saved_model.pbtxt" })
        if (fs::is_regular_file(folder / name, ec))
            return folder / name;
    return {};
}

std::shared_ptr<TensorflowDocument> parse(const MappedFile& file, TfContent content, const std::string& name)
{
    auto doc = std::make_shared<TensorflowDocument>();
    switch (content) {
    case TfContent::GraphDef:
    case TfContent::GraphDefText:
        doc->kind = TensorflowDocument::Kind::GraphDef;
        doc->root = std::make_shared<tf::GraphDef>();
        break;
    case TfContent::MetaGraph:
    case TfContent::MetaGraphText:
        doc->kind = TensorflowDocument::Kind::MetaGraph;
        doc->root = std::make_shared<tf::MetaGraphDef>();
        break;
    case TfContent::SavedModel:
    case TfContent::SavedModelText:
        doc->kind = TensorflowDocument::Kind::SavedModel;
        doc->root = std::make_shared<tf::SavedModel>();
        break;
    case TfContent::None:
        throw Error(name + ": not a TensorFlow GraphDef, MetaGraphDef or SavedModel");
    }
    doc->text = content == TfContent::GraphDefText || content == TfContent::MetaGraphText
        || content == TfContent::SavedModelText;
    if (file.size() > INT_MAX)
        throw Error(name + ": a protobuf message over 2 GB cannot be read");
    if (doc->text) {
        class Collector final : public google::protobuf::io::ErrorCollector {
        public:
            void AddError(int line, int column, const std::string& message) override
            {
                if (first.empty())
                    first = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) + ": "
                        + message;
            }
            std::string first;
        } errors;
        google::protobuf::TextFormat::Parser parser;
        parser.RecordErrorsTo(&errors);
        // Fields our schema does not declare are skipped (a text model is
        // read-only for that reason: a save would drop them).
        parser.AllowUnknownField(true);
        google::protobuf::io::ArrayInputStream in(file.data(), static_cast<int>(file.size()));
        if (!parser.Parse(&in, doc->root.get()))
            throw Error(name + ": not valid TensorFlow text format (" + errors.first + ")");
    } else if (!doc->root->ParseFromArray(file.data(), static_cast<int>(file.size()))) {
        throw Error(name + ": the TensorFlow protobuf is truncated or damaged (it does not parse)");
    }
    if (doc->kind == TensorflowDocument::Kind::GraphDef) {
        doc->graph = static_cast<tf::GraphDef*>(doc->root.get());
    } else if (doc->kind == TensorflowDocument::Kind::MetaGraph) {
        doc->graph = static_cast<tf::MetaGraphDef*>(doc->root.get())->mutable_graph_def();
    } else {
        auto& saved = static_cast<tf::SavedModel&>(*doc->root);
        if (saved.meta_graphs_size() == 0)
            throw Error(name + ": the SavedModel holds no meta graph");
        // The graph for serving, as TF Serving would load it.
        tf::MetaGraphDef* chosen = nullptr;
        for (auto& m : *saved.mutable_meta_graphs())
            for (const auto& tag : m.meta_info_def().tags())
                if (tag == "serve" && !chosen)
                    chosen = &m;
        if (!chosen)
            chosen = saved.mutable_meta_graphs(0);
        doc->graph = chosen->mutable_graph_def();
    }
    return doc;
}

} // namespace

const OpMetadata& TensorflowFormat::opMetadata() const
{
    return tensorflowOpMetadata();
}

int TensorflowFormat::sniff(const Probe& probe) const
{
    if (!probe.file) {
        const fs::path file = savedModelIn(probe.path);
        if (file.empty())
            return 0;
        try {
            const auto mapped = MappedFile::open(file);
            const auto c = sniffTensorflow(mapped->bytes());
            return c == TfContent::SavedModel || c == TfContent::SavedModelText ? 95 : 0;
        } catch (const std::exception&) {
            return 0;
        }
    }
    switch (sniffTensorflow(probe.file->bytes())) {
    case TfContent::SavedModel:
        return 85;
    case TfContent::MetaGraph:
        return 80;
    case TfContent::GraphDef:
        return 70;
    case TfContent::GraphDefText:
    case TfContent::MetaGraphText:
    case TfContent::SavedModelText:
        return probe.extension == ".pbtxt" ? 60 : 30;
    case TfContent::None:
        return 0;
    }
    return 0;
}

std::unique_ptr<Model> TensorflowFormat::read(const Probe& probe) const
{
    std::shared_ptr<const MappedFile> file = probe.file;
    const bool folder = !file;
    fs::path filePath = probe.path;
    if (folder) {
        filePath = savedModelIn(probe.path);
        if (filePath.empty())
            throw Error(probe.path.string() + ": the folder holds no saved_model.pb");
        file = MappedFile::open(filePath);
    }
    const std::string name = filePath.string();
    auto doc = parse(*file, sniffTensorflow(file->bytes()), name);
    doc->folder = folder;
    // Variables: a SavedModel's variables/ folder, or the checkpoint a .meta
    // file was saved with ("model.meta" beside "model.index").
    std::error_code ec;
    if (!file->isInMemory()) {
        fs::path prefix;
        if (doc->kind == TensorflowDocument::Kind::SavedModel)
            prefix = filePath.parent_path() / "variables" / "variables";
        else if (doc->kind == TensorflowDocument::Kind::MetaGraph)
            prefix = fs::path(filePath).replace_extension();
        if (!prefix.empty() && fs::is_regular_file(prefix.string() + ".index", ec))
            doc->bundlePrefix = prefix;
    }
    return TensorflowImporter(doc, name).import();
}

void TensorflowFormat::write(const Model& model, const fs::path& path, const WriteOptions&) const
{
    TensorflowWriter(model).write(path);
}

} // namespace nodus

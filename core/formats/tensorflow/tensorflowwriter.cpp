#include "tensorflowwriter.h"

#include "tensorbundle.h"
#include "tensorflowdocument.h"
#include "tensorflowtypes.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"

#include <map>

namespace nodus {

namespace fs = std::filesystem;

namespace {

void putVarint(std::string& out, std::uint64_t v)
{
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void putFixed32(std::string& out, std::uint32_t v)
{
    for (int k = 0; k < 4; ++k)
        out.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
}

// One LevelDB table block (no key prefix sharing, a restart point at every
// entry) followed by its trailer: uncompressed, masked CRC-32C.
std::string tableBlock(const std::vector<std::pair<std::string, std::string>>& entries)
{
    std::string block;
    std::vector<std::uint32_t> restarts;
    for (const auto& [key, value] : entries) {
        restarts.push_back(static_cast<std::uint32_t>(block.size()));
        putVarint(block, 0);
        putVarint(block, key.size());
        putVarint(block, value.size());
        block += key;
        block += value;
    }
    if (restarts.empty())
        restarts.push_back(0);
    for (const auto r : restarts)
        putFixed32(block, r);
    putFixed32(block, static_cast<std::uint32_t>(restarts.size()));
    block.push_back('\0');
    const auto crc = crc32c(std::as_bytes(std::span(block.data(), block.size())));
    putFixed32(block, maskCrc(crc));
    return block;
}

void writeFile(const fs::path& path, const std::string& bytes)
{
    AtomicFile file(path);
    OutputSink sink(file.fd(), path.string());
    sink.write(std::as_bytes(std::span(bytes.data(), bytes.size())));
    sink.flush();
    file.commit();
}

} // namespace

TensorflowWriter::TensorflowWriter(const Model& model)
    : model_(model)
{
    if (model.native && model.native->formatName() == "tensorflow")
        doc_ = static_cast<const TensorflowDocument*>(model.native.get());
}

void TensorflowWriter::write(const fs::path& path)
{
    try {
        if (!doc_)
            throw Error("only models read from TensorFlow files can be saved as TensorFlow (Nodus does not "
                        "convert other formats to TensorFlow)");
        if (doc_->text)
            throw Error("a model read from text format (.pbtxt) cannot be saved: fields Nodus's schema does not "
                        "declare were skipped when reading, and a save would drop them");
        if (!doc_->folder) {
            if (!doc_->variables.empty())
                for (const auto& v : doc_->variables)
                    if (v.tensor->data != v.original)
                        throw Error("variable '" + v.tensor->name
                            + "' was edited; variables are saved with the SavedModel folder (open the "
                              "folder, and save it as a folder)");
            writeMessage(path);
            return;
        }
        std::error_code ec;
        if (fs::exists(path, ec) && !fs::is_directory(path, ec))
            throw Error("a SavedModel is a folder, and a file of that name exists");
        fs::create_directories(path / "variables", ec);
        if (ec)
            throw Error("cannot create the folder: " + ec.message());
        writeMessage(path / "saved_model.pb");
        if (!doc_->bundlePrefix.empty())
            writeVariables(path / "variables" / "variables");
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

void TensorflowWriter::writeMessage(const fs::path& path)
{
    std::unique_ptr<google::protobuf::Message> root(doc_->root->New());
    root->CopyFrom(*doc_->root);
    // The copy's GraphDef: where the document's lies within its root.
    tf::GraphDef* graph = nullptr;
    switch (doc_->kind) {
    case TensorflowDocument::Kind::GraphDef:
        graph = static_cast<tf::GraphDef*>(root.get());
        break;
    case TensorflowDocument::Kind::MetaGraph:
        graph = static_cast<tf::MetaGraphDef*>(root.get())->mutable_graph_def();
        break;
    case TensorflowDocument::Kind::SavedModel: {
        auto& from = static_cast<const tf::SavedModel&>(*doc_->root);
        auto& to = static_cast<tf::SavedModel&>(*root);
        for (int k = 0; k < from.meta_graphs_size(); ++k)
            if (&from.meta_graphs(k).graph_def() == doc_->graph)
                graph = to.mutable_meta_graphs(k)->mutable_graph_def();
        break;
    }
    }
    if (!graph)
        throw Error("the document has no graph to save");
    for (const auto& c : doc_->constants) {
        if (c.tensor->data == c.original)
            continue;
        tf::NodeDef* node = nullptr;
        if (c.function < 0) {
            if (c.node < graph->node_size())
                node = graph->mutable_node(c.node);
        } else if (c.function < graph->library().function_size()
            && c.node < graph->library().function(c.function).node_def_size()) {
            node = graph->mutable_library()->mutable_function(c.function)->mutable_node_def(c.node);
        }
        if (!node)
            throw Error("tensor '" + c.tensor->name + "' no longer has its node");
        bool done = false;
        for (auto& a : *node->mutable_attr())
            if (a.key() == c.attribute && a.value().value_case() == tf::AttrValue::kTensor) {
                tensorToProto(*c.tensor, *a.mutable_value()->mutable_tensor());
                done = true;
            }
        if (!done)
            throw Error("tensor '" + c.tensor->name + "' no longer has its attribute");
    }
    std::string bytes;
    if (!root->SerializeToString(&bytes))
        throw Error("the model cannot be serialized");
    writeFile(path, bytes);
}

void TensorflowWriter::writeVariables(const fs::path& prefix)
{
    const TensorBundle bundle = TensorBundle::read(doc_->bundlePrefix);
    std::map<std::string, const TensorflowDocument::Variable*> edited;
    for (const auto& v : doc_->variables)
        if (v.tensor->data != v.original)
            edited[v.tensor->name] = &v;
    // Shards: copied, with each edited variable's bytes written where the
    // old ones were (a bundle entry's size is fixed by dtype and shape).
    for (int shard = 0; shard < bundle.header().num_shards(); ++shard) {
        const auto source = MappedFile::open(bundle.shardPath(shard));
        std::string bytes(reinterpret_cast<const char*>(source->data()), source->size());
        for (const auto& e : bundle.entries()) {
            const auto it = edited.find(e.key);
            if (it == edited.end() || e.proto.shard_id() != shard)
                continue;
            const auto data = it->second->tensor->data->bytes();
            const auto offset = std::uint64_t(e.proto.offset());
            if (data.size() != std::uint64_t(e.proto.size()) || offset > bytes.size()
                || data.size() > bytes.size() - offset)
                throw Error("variable '" + e.key + "' changed size (" + std::to_string(e.proto.size()) + " to "
                    + std::to_string(data.size()) + " bytes); only same-size edits can be saved");
            std::copy(data.begin(), data.end(), reinterpret_cast<std::byte*>(bytes.data()) + offset);
        }
        char suffix[40];
        std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, bundle.header().num_shards());
        writeFile(prefix.string() + suffix, bytes);
    }
    // The index: the header, then each entry, its checksum updated if edited.
    std::vector<std::pair<std::string, std::string>> entries;
    entries.emplace_back(std::string(), bundle.header().SerializeAsString());
    for (const auto& e : bundle.entries()) {
        tf::BundleEntryProto proto = e.proto;
        if (const auto it = edited.find(e.key); it != edited.end())
            proto.set_crc32c(maskCrc(crc32c(it->second->tensor->data->bytes())));
        entries.emplace_back(e.key, proto.SerializeAsString());
    }
    std::string file = tableBlock(entries);
    const std::uint64_t dataSize = file.size() - 5;
    const std::uint64_t metaOffset = file.size();
    file += tableBlock({}); // TF writes no meta blocks: an empty metaindex
    const std::uint64_t metaSize = file.size() - metaOffset - 5;
    // One index entry pointing at the one data block; its key must sort at
    // or after the block's last key.
    std::string handle;
    putVarint(handle, 0);
    putVarint(handle, dataSize);
    const std::uint64_t indexOffset = file.size();
    const std::string index = tableBlock({ { entries.back().first, handle } });
    file += index;
    std::string footer;
    putVarint(footer, metaOffset);
    putVarint(footer, metaSize);
    putVarint(footer, indexOffset);
    putVarint(footer, index.size() - 5);
    footer.resize(40, '\0');
    putFixed32(footer, 0x8b80fb57u);
    putFixed32(footer, 0xdb477524u);
    file += footer;
    writeFile(prefix.string() + ".index", file);
}

} // namespace nodus

#include "caffewriter.h"

#include "caffedocument.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <google/protobuf/text_format.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace nodus {

namespace {

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

void setBlob(caffe::BlobProto& blob, const Tensor& t, const std::string& where)
{
    if (!t.data)
        throw Error(where + ": weight '" + t.name + "' has no values");
    const auto bytes = t.data->bytes();
    const auto count = t.elementCount();
    if (t.dataType == DataType::Float) {
        if (!count || bytes.size() != *count * 4)
            throw Error(where + ": weight '" + t.name + "' has the wrong byte size");
        blob.clear_double_data();
        blob.mutable_data()->Resize(static_cast<int>(*count), 0.f);
        std::memcpy(blob.mutable_data()->mutable_data(), bytes.data(), bytes.size());
    } else if (t.dataType == DataType::Double) {
        if (!count || bytes.size() != *count * 8)
            throw Error(where + ": weight '" + t.name + "' has the wrong byte size");
        blob.clear_data();
        blob.mutable_double_data()->Resize(static_cast<int>(*count), 0.0);
        std::memcpy(blob.mutable_double_data()->mutable_data(), bytes.data(), bytes.size());
    } else {
        throw Error(where + ": weight '" + t.name + "' must be float32 or float64 in a Caffe model");
    }
    // A reshaped weight keeps its new shape.
    std::vector<std::int64_t> old;
    if (blob.has_shape())
        old.assign(blob.shape().dim().begin(), blob.shape().dim().end());
    if (old != t.dims && !(old.empty() && blob.has_num())) {
        blob.clear_num(), blob.clear_channels(), blob.clear_height(), blob.clear_width();
        blob.mutable_shape()->clear_dim();
        for (const auto d : t.dims)
            blob.mutable_shape()->add_dim(d);
    }
}

} // namespace

void writeCaffe(const Model& model, const std::filesystem::path& path)
{
    const std::string target = path.string();
    const auto* doc = dynamic_cast<const CaffeDocument*>(model.native.get());
    if (!doc)
        throw Error(target + ": only models opened from Caffe files can be saved as Caffe");
    std::string ext = path.extension().string();
    for (auto& c : ext)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext != ".caffemodel" && ext != ".prototxt")
        throw Error(target + ": Caffe models are saved as .caffemodel or .prototxt");
    caffe::NetParameter net = doc->net;
    const Graph& g = *model.graph;
    const bool v1 = net.layer_size() == 0;
    const int layerCount = v1 ? net.layers_size() : net.layer_size();
    if (static_cast<int>(g.nodes().size()) == layerCount) {
        for (int k = 0; k < layerCount; ++k) {
            const std::string& name = g.nodes()[static_cast<std::size_t>(k)]->name;
            // Duplicate layer names got a ":<index>" suffix when read.
            if (name.find(':') == std::string::npos) {
                if (v1)
                    net.mutable_layers(k)->set_name(name);
                else
                    net.mutable_layer(k)->set_name(name);
            }
        }
    }
    for (const auto& ref : doc->blobs) {
        const Value* v = g.findValue(ref.tensor);
        if (!v || !v->initializer)
            throw Error(target + ": weight '" + ref.tensor + "' was removed; Caffe blobs cannot be left out");
        caffe::BlobProto* blob = ref.v1 ? net.mutable_layers(ref.layer)->mutable_blobs(ref.blob)
                                        : net.mutable_layer(ref.layer)->mutable_blobs(ref.blob);
        setBlob(*blob, *v->initializer, target + ": layer " + std::to_string(ref.layer));
    }
    std::string bytes;
    if (ext == ".caffemodel") {
        if (!net.SerializeToString(&bytes))
            throw Error(target + ": cannot serialize the network (over 2 GiB?)");
    } else {
        for (auto& l : *net.mutable_layer())
            l.clear_blobs();
        for (auto& l : *net.mutable_layers())
            l.clear_blobs();
        if (!google::protobuf::TextFormat::PrintToString(net, &bytes))
            throw Error(target + ": cannot print the network as text");
    }
    try {
        AtomicFile f(path);
        writeAll(f, bytes);
        f.commit();
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus

#include "mindirwriter.h"

#include "mindsporedatatype.h"
#include "protopayloadwriter.h"

#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace nodus {

namespace fs = std::filesystem;

namespace {

constexpr int kRawDataField = 9;
// Protobuf (and so MindSpore's loader) cannot parse a message past 2 GB.
constexpr std::uint64_t kProtobufLimit = (2ull << 30) - 1;

const MindirDocument& mindirDocument(const Model& model)
{
    return nativeDocumentAs<MindirDocument>(model, { "mindir" }, "MindIR: it cannot be saved as MindIR");
}

bool sameMeta(const mindir::TensorProto& p, const Tensor& t)
{
    if (p.name() != t.name || p.dims_size() != static_cast<int>(t.dims.size()))
        return false;
    if (dataTypeFromMindir(p.data_type()).value_or(DataType::Undefined) != t.dataType)
        return false;
    for (int k = 0; k < p.dims_size(); ++k)
        if (p.dims(k) != t.dims[static_cast<std::size_t>(k)])
            return false;
    return true;
}

bool sameStrings(const mindir::TensorProto& p, const Tensor& t)
{
    if (p.string_data_size() != static_cast<int>(t.strings.size()))
        return false;
    for (int k = 0; k < p.string_data_size(); ++k)
        if (p.string_data(k) != t.strings[static_cast<std::size_t>(k)])
            return false;
    return true;
}

void clearData(mindir::TensorProto& p)
{
    p.clear_float_data();
    p.clear_int32_data();
    p.clear_string_data();
    p.clear_int64_data();
    p.clear_raw_data();
    p.clear_double_data();
    p.clear_uint64_data();
    p.clear_external_data();
    p.clear_compression_type();
}

bool sameFolder(const fs::path& a, const fs::path& b)
{
    std::error_code ec;
    const auto ca = fs::weakly_canonical(a.empty() ? fs::path(".") : a, ec);
    const auto cb = fs::weakly_canonical(b.empty() ? fs::path(".") : b, ec);
    return !ec && ca == cb;
}

// An anonymous file to serialize into before encrypting.
class MemoryFile {
public:
    MemoryFile()
        : fd_(::memfd_create("nodus-mindir", MFD_CLOEXEC))
    {
        if (fd_ < 0)
            throw Error(std::string("cannot create an in-memory file: ") + std::strerror(errno));
    }
    ~MemoryFile() { ::close(fd_); }
    int fd() const { return fd_; }

private:
    int fd_;
};

void writeAll(int fd, std::span<const std::byte> bytes, const fs::path& path)
{
    const auto* p = bytes.data();
    std::size_t left = bytes.size();
    while (left) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw Error(path.string() + ": cannot write: " + std::strerror(errno));
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

} // namespace

MindirWriter::MindirWriter(const Model& model)
    : doc_(mindirDocument(model))
{
}

void MindirWriter::write(const fs::path& path)
{
    try {
        ProtoPayloadWriter writer(doc_.containers);
        const bool sameFolderAsSource = !doc_.folder.empty() && sameFolder(doc_.folder, path.parent_path());
        for (const auto& entry : doc_.tensors) {
            const mindir::TensorProto* proto = entry.first;
            const std::shared_ptr<Tensor>& tensor = entry.second;
            ProtoPayloadWriter::Emission e;
            std::shared_ptr<mindir::TensorProto> copy;
            auto edit = [&]() -> mindir::TensorProto& {
                if (!copy)
                    copy = std::make_shared<mindir::TensorProto>(*proto);
                return *copy;
            };
            const auto original = doc_.originalData.find(proto);
            const bool unchangedData = original != doc_.originalData.end() && original->second == tensor->data;
            if (!sameMeta(*proto, *tensor)) {
                auto& c = edit();
                const auto code = mindirFromDataType(tensor->dataType);
                if (!code)
                    throw Error("tensor '" + tensor->name + "': MindIR has no element type "
                        + std::string(dataTypeName(tensor->dataType)));
                c.set_name(tensor->name);
                c.set_data_type(*code);
                c.clear_dims();
                for (auto d : tensor->dims)
                    c.add_dims(d);
            }
            if (tensor->dataType == DataType::String) {
                if (!sameStrings(*proto, *tensor)) {
                    auto& c = edit();
                    clearData(c);
                    for (const auto& s : tensor->strings)
                        c.add_string_data(s);
                }
            } else if (tensor->data) {
                const bool external = proto->has_external_data();
                const bool hadPayload = doc_.payloads.count(proto) > 0;
                if (unchangedData && external && sameFolderAsSource) {
                    // The external file stays as it is, where it is.
                } else if (unchangedData && hadPayload) {
                    e.payload = tensor->data;
                    e.field = kRawDataField;
                } else if (!unchangedData || external) {
                    clearData(edit());
                    e.payload = tensor->data;
                    e.field = kRawDataField;
                }
            } else if (!unchangedData) {
                clearData(edit()); // the tensor's data was removed
            }
            e.replacement = copy;
            if (e.replacement || e.payload)
                writer.set(proto, std::move(e));
        }

        const std::uint64_t size = writer.size(doc_.proto);
        if (size > kProtobufLimit)
            throw Error(path.string() + ": the model would be " + std::to_string(size >> 20)
                + " MB in one protobuf message, over the 2 GB MindSpore can load; keep the weights in "
                  "external files beside the model");

        if (!doc_.encryption) {
            AtomicFile file(path);
            OutputSink sink(file.fd(), path.string());
            writer.write(doc_.proto, sink);
            sink.flush();
            file.commit();
            return;
        }
        // Encrypted models go through memory: the cipher needs the plaintext.
        MemoryFile plain;
        {
            OutputSink sink(plain.fd(), path.string());
            writer.write(doc_.proto, sink);
            sink.flush();
        }
        std::vector<std::byte> bytes(size);
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::pread(plain.fd(), bytes.data() + done, size - done, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                throw Error(path.string() + ": cannot read back the serialized model");
            done += static_cast<std::size_t>(n);
        }
        const auto sealed = MindSporeCipher::encrypt(bytes, doc_.encryption->key, doc_.encryption->layout);
        AtomicFile file(path);
        writeAll(file.fd(), sealed, path);
        file.commit();
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus

#include "cntkwriter.h"

#include "cntkarrayview.h"

#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/protowire.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>

namespace nodus {

namespace {

using google::protobuf::io::CodedOutputStream;

// Below this a range is written from the mapping; above, copied in the kernel.
constexpr std::uint64_t kKernelCopyThreshold = 64 * 1024;

const CntkDocument& cntkDocument(const Model& model)
{
    return nativeDocumentAs<CntkDocument>(model, { "cntk" }, "a CNTK model-v2 file: it cannot be saved as one");
}

std::string header(std::uint32_t field, std::uint64_t length)
{
    std::string out;
    std::uint8_t buf[20];
    std::uint8_t* end = CodedOutputStream::WriteVarint32ToArray((field << 3) | 2, buf);
    end = CodedOutputStream::WriteVarint64ToArray(length, end);
    out.assign(reinterpret_cast<const char*>(buf), end - buf);
    return out;
}

} // namespace

CntkWriter::CntkWriter(const Model& model)
    : doc_(cntkDocument(model))
{
}

void CntkWriter::plan(const std::filesystem::path& path)
{
    for (const auto& [view, tensor] : doc_.tensors) {
        const auto original = doc_.originalData.find(view);
        const auto expectedType = cntkElementType(view->data_type());
        const auto expectedDims = cntkTensorDims(view->shape());
        if (original != doc_.originalData.end() && original->second == tensor->data && expectedType
            && tensor->dataType == *expectedType && expectedDims && tensor->dims == *expectedDims)
            continue;
        const std::string where = path.string() + ": cannot save tensor '" + tensor->name + "': ";
        if (!expectedType || tensor->dataType != *expectedType || !expectedDims || tensor->dims != *expectedDims)
            throw Error(where + "CNTK keeps a variable's shape and element type beside its array, so a CNTK file "
                        "can only take new values of the same shape and type");
        if (!tensor->data)
            throw Error(where + "it has no data");
        const auto range = doc_.views.find(view);
        if (range == doc_.views.end())
            throw Error(where + "its array is stored in a form Nodus cannot rewrite in place (a field repeated on "
                        "the wire)");
        const auto expectedBytes = tensor->expectedBytes();
        const auto bytes = tensor->data->bytes();
        if (!expectedBytes || bytes.size() != *expectedBytes)
            throw Error(where + "it has " + std::to_string(bytes.size()) + " bytes of data, its shape needs "
                        + (expectedBytes ? std::to_string(*expectedBytes) : std::string("an unknown number")));
        ::nodus::cntk::NDArrayView replacement = *view;
        cntkEncodeValues(replacement, tensor->dataType, bytes, tensor->name);
        Splice s;
        s.begin = range->second.offset;
        s.end = range->second.offset + range->second.length;
        if (!replacement.SerializeToString(&s.bytes))
            throw Error(where + "protobuf could not serialize its array");
        splices_.push_back(std::move(s));
    }
    std::sort(splices_.begin(), splices_.end(), [](const Splice& a, const Splice& b) { return a.begin < b.begin; });
}

void CntkWriter::write(const std::filesystem::path& path)
{
    try {
        plan(path);
        const MappedFile& source = *doc_.file;
        AtomicFile file(path);
        OutputSink sink(file.fd(), path.string());
        if (splices_.empty()) {
            copy(0, source.size(), sink);
        } else {
            emit(0, source.size(), sink);
            if (applied_ != splices_.size())
                throw Error(path.string() + ": cannot save: an edited array was not found where the index put it");
        }
        sink.flush();
        file.commit();
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(path.string() + ": cannot save: " + e.what());
    }
}

std::pair<std::size_t, std::size_t> CntkWriter::inside(std::uint64_t begin, std::uint64_t end) const
{
    const auto first = std::lower_bound(splices_.begin(), splices_.end(), begin,
                                        [](const Splice& s, std::uint64_t at) { return s.begin < at; });
    auto last = first;
    while (last != splices_.end() && last->end <= end)
        ++last;
    return {static_cast<std::size_t>(first - splices_.begin()), static_cast<std::size_t>(last - splices_.begin())};
}

// Every message on the path from the root to a spliced array is walked field
// by field (they parsed when the file was read); the fields holding no
// splice are kept as raw byte runs.
std::uint64_t CntkWriter::size(std::uint64_t begin, std::uint64_t end)
{
    if (auto it = sizes_.find(begin); it != sizes_.end())
        return it->second;
    const auto data = doc_.file->bytes();
    std::uint64_t total = end - begin;
    scanProtoFields(data.subspan(begin, end - begin), [&](const WireField& f) {
        if (f.wireType != 2)
            return true;
        const std::uint64_t pb = static_cast<std::uint64_t>(f.bytes.data() - data.data());
        const std::uint64_t pe = pb + f.bytes.size();
        const auto [first, last] = inside(pb, pe);
        if (first == last)
            return true;
        const std::uint64_t body = (last - first == 1 && splices_[first].begin == pb && splices_[first].end == pe)
            ? splices_[first].bytes.size()
            : size(pb, pe);
        const std::uint64_t oldField = pe - (begin + f.offset);
        total = total - oldField + header(f.number, body).size() + body;
        return true;
    });
    sizes_[begin] = total;
    return total;
}

void CntkWriter::emit(std::uint64_t begin, std::uint64_t end, OutputSink& sink)
{
    const auto data = doc_.file->bytes();
    std::uint64_t pos = begin;
    scanProtoFields(data.subspan(begin, end - begin), [&](const WireField& f) {
        if (f.wireType != 2)
            return true;
        const std::uint64_t pb = static_cast<std::uint64_t>(f.bytes.data() - data.data());
        const std::uint64_t pe = pb + f.bytes.size();
        const auto [first, last] = inside(pb, pe);
        if (first == last)
            return true;
        copy(pos, begin + f.offset, sink);
        if (last - first == 1 && splices_[first].begin == pb && splices_[first].end == pe) {
            const std::string& bytes = splices_[first].bytes;
            const std::string h = header(f.number, bytes.size());
            sink.write({reinterpret_cast<const std::byte*>(h.data()), h.size()});
            sink.write({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()});
            ++applied_;
        } else {
            const std::string h = header(f.number, size(pb, pe));
            sink.write({reinterpret_cast<const std::byte*>(h.data()), h.size()});
            emit(pb, pe, sink);
        }
        pos = pe;
        return true;
    });
    copy(pos, end, sink);
}

void CntkWriter::copy(std::uint64_t begin, std::uint64_t end, OutputSink& sink) const
{
    if (end <= begin)
        return;
    const MappedFile& source = *doc_.file;
    if (end - begin >= kKernelCopyThreshold)
        sink.copyRange(source.fd(), begin, end - begin);
    else
        sink.write(source.bytes().subspan(begin, end - begin));
}

} // namespace nodus

#include "tensorflowsniffer.h"

#include "util/protowire.h"

#include <cctype>
#include <string_view>

namespace nodus {

namespace {

// Enough of the file to be sure; a big graph is not scanned to its end.
constexpr int kNodesChecked = 16;

bool isOpName(std::span<const std::byte> b)
{
    if (b.empty() || b.size() > 256)
        return false;
    const auto first = static_cast<unsigned char>(b[0]);
    if (!std::isupper(first) && first != '_')
        return false;
    for (const auto c : b)
        if (!std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) != '_')
            return false;
    return true;
}

bool isPrintable(std::span<const std::byte> b)
{
    if (b.empty())
        return false;
    for (const auto c : b)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f)
            return false;
    return true;
}

bool isNodeDef(std::span<const std::byte> bytes)
{
    bool name = false, op = false, ok = true;
    const bool wellFormed = scanProtoFields(bytes, [&](const WireField& f) {
        if (f.wireType != 2 || f.number > 7) {
            ok = false;
            return false;
        }
        if (f.number == 1)
            name = isPrintable(f.bytes);
        if (f.number == 2)
            op = isOpName(f.bytes);
        return true;
    });
    return wellFormed && ok && name && op;
}

// Checks the first nodes; `complete` says the message must be well formed
// to its end (it is, when the caller scanned it as a field of its parent).
bool isGraphDef(std::span<const std::byte> bytes)
{
    int nodes = 0;
    bool ok = true;
    scanProtoFields(bytes, [&](const WireField& f) {
        switch (f.number) {
        case 1:
            if (f.wireType != 2 || !isNodeDef(f.bytes))
                ok = false;
            else
                ++nodes;
            break;
        case 2:
        case 4:
        case 5:
            ok = f.wireType == 2;
            break;
        case 3:
            ok = f.wireType == 0;
            break;
        default:
            ok = false;
        }
        return ok && nodes < kNodesChecked;
    });
    return ok && nodes > 0;
}

bool isMetaInfoDef(std::span<const std::byte> bytes)
{
    bool ok = true;
    const bool wellFormed = scanProtoFields(bytes, [&](const WireField& f) {
        ok = f.number >= 1 && f.number <= 8 && (f.number == 7 ? f.wireType == 0 : f.wireType == 2);
        return ok;
    });
    return wellFormed && ok;
}

bool isMetaGraph(std::span<const std::byte> bytes)
{
    bool ok = true, graph = false;
    scanProtoFields(bytes, [&](const WireField& f) {
        if (f.wireType != 2 || f.number < 1 || f.number > 7)
            ok = false;
        else if (f.number == 1)
            ok = isMetaInfoDef(f.bytes);
        else if (f.number == 2)
            ok = graph = isGraphDef(f.bytes);
        return ok && !graph;
    });
    return ok && graph;
}

bool isSavedModel(std::span<const std::byte> bytes)
{
    bool ok = true, meta = false;
    scanProtoFields(bytes, [&](const WireField& f) {
        if (f.number == 1)
            ok = f.wireType == 0;
        else if (f.number == 2)
            ok = meta = f.wireType == 2 && isMetaGraph(f.bytes);
        else
            ok = false;
        return ok && !meta;
    });
    return ok && meta;
}

// The first field name of a text-format message, past blanks and comments.
std::string_view firstTextField(std::span<const std::byte> bytes)
{
    const std::string_view s(reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 4096));
    std::size_t p = 0;
    while (p < s.size()) {
        if (std::isspace(static_cast<unsigned char>(s[p]))) {
            ++p;
        } else if (s[p] == '#') {
            while (p < s.size() && s[p] != '\n')
                ++p;
        } else {
            break;
        }
    }
    std::size_t e = p;
    while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_'))
        ++e;
    std::size_t q = e;
    while (q < s.size() && (s[q] == ' ' || s[q] == '\t'))
        ++q;
    if (q >= s.size() || (s[q] != '{' && s[q] != ':'))
        return {};
    return s.substr(p, e - p);
}

} // namespace

TfContent sniffTensorflow(std::span<const std::byte> bytes)
{
    if (bytes.empty())
        return TfContent::None;
    if (isGraphDef(bytes))
        return TfContent::GraphDef;
    if (isSavedModel(bytes))
        return TfContent::SavedModel;
    if (isMetaGraph(bytes))
        return TfContent::MetaGraph;
    const auto field = firstTextField(bytes);
    if (field == "node")
        return TfContent::GraphDefText;
    if (field == "saved_model_schema_version" || field == "meta_graphs")
        return TfContent::SavedModelText;
    if (field == "meta_info_def" || field == "graph_def")
        return TfContent::MetaGraphText;
    return TfContent::None;
}

} // namespace nodus

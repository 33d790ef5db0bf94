#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {

// One "id=value" entry of an ncnn layer's ParamDict. The file does not say
// whether a binary param is an int or a float: the op table decides.
struct NcnnParam {
    int id = 0;
    bool array = false;
    bool isFloat = false;
    std::vector<std::int32_t> ints;
    std::vector<float> floats;
    std::int32_t i() const { return ints.empty() ? 0 : ints[0]; }
    float f() const { return floats.empty() ? 0.f : floats[0]; }
};

// A pnnx graph's "key=value" entries, "@weight=(6,3,2,2)f32" attributes and
// "#blob=(1,3,224,224)f32" shape notes, kept as text.
struct PnnxEntry {
    std::string key;
    std::string value;
};

struct NcnnLayer {
    std::string type;
    std::string name;
    std::vector<std::string> bottoms;
    std::vector<std::string> tops;
    std::vector<NcnnParam> params;
    std::vector<PnnxEntry> pnnxParams;
    std::vector<PnnxEntry> pnnxWeights;
    std::vector<PnnxEntry> pnnxShapes;
    const NcnnParam* param(int id) const;
    std::int32_t intParam(int id, std::int32_t fallback) const;
};

struct NcnnNet {
    bool binary = false; // read from a .param.bin (no names in the file)
    bool pnnx = false; // a pnnx graph (torch op names, weights in a zip)
    std::vector<NcnnLayer> layers;
    std::size_t blobCount = 0;
};

// ncnn's layer type names by their index in the binary form (the order of
// ncnn_add_layer() in ncnn's src/CMakeLists.txt); empty past the known ones.
std::string_view ncnnLayerTypeName(std::int32_t index);

// Param id <-> name and type of each layer type, from ncnn-ops.json.
struct NcnnParamInfo {
    int id = 0;
    std::string name;
    bool isFloat = false;
    bool array = false;
};
const NcnnParamInfo* ncnnParamInfo(std::string_view type, int id);
const NcnnParamInfo* ncnnParamInfo(std::string_view type, std::string_view name);

// Parsers; every problem throws nodus::Error starting with `fileName`.
NcnnNet parseNcnnTextParam(std::string_view text, const std::string& fileName);
NcnnNet parseNcnnBinaryParam(std::span<const std::byte> bytes, const std::string& fileName);

constexpr std::int32_t kNcnnMagic = 7767517;

} // namespace nodus

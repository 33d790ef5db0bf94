#pragma once

#include "formats/inplacesave.h"
#include "ir/id.h"
#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace nodus {

class MappedFile;

// What a TFLite model keeps for writing back: the mapped file, and for each
// stored tensor where its bytes lie and the data it was read with. A save
// copies the file and overwrites, in place, the bytes of each tensor whose
// data is no longer the data it was read with; a FlatBuffer's layout fixes
// every buffer's size, so only same-size edits can be saved.
class TfliteDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "tflite"; }

    using Stored = StoredTensor;

    // A tensor's affine quantization: real = scale * (q - zeroPoint), one
    // pair per tensor or per slice along `axis`. The converter to ONNX needs
    // the numbers, which the IR only shows as documentation text.
    struct Quantization {
        std::vector<float> scale;
        std::vector<std::int64_t> zeroPoint;
        int axis = 0;
    };

    std::shared_ptr<const MappedFile> file;
    std::vector<Stored> tensors;
    // By the id of the IR value of each quantized tensor (every subgraph).
    std::unordered_map<Id, Quantization> quantization;
};

} // namespace nodus

#pragma once

#include "formats/inplacesave.h"
#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace nodus {

class MappedFile;

// What a MindSpore Lite model keeps for writing back: the mapped file and,
// for each tensor stored in it, where its bytes lie and the data it was read
// with. A save copies the file and overwrites the bytes of each edited
// tensor in place: the FlatBuffer fixes each data vector's size, so only
// edits that keep type and shape can be saved.
class MsliteDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "mindspore-lite"; }

    using Stored = StoredTensor;

    std::shared_ptr<const MappedFile> file;
    std::vector<Stored> tensors;
};

} // namespace nodus

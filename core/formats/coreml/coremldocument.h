#pragma once

#include "formats/inplacesave.h"
#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace nodus {

class MappedFile;

// What a Core ML model keeps for writing back: the mapped file and, for each
// weight, where its packed bytes lie in it. A save copies the file and
// overwrites the bytes of each edited weight; since an edit keeps type and
// shape, every length prefix around it stays right and every other byte,
// known or not, is kept.
class CoremlDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "coreml"; }

    using Stored = StoredTensor;

    std::shared_ptr<const MappedFile> file;
    std::vector<Stored> tensors;
};

} // namespace nodus

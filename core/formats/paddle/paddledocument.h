#pragma once

#include "ir/datatype.h"
#include "ir/nativedocument.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nodus {

class MappedFile;
class Tensor;
class TensorData;

// What a PaddlePaddle model keeps for writing back: the program file as
// read (saved byte for byte: only weight values can be edited) and where
// each weight's LoDTensor record lies in the parameter files, so a save
// copies every record's header (LoD levels, TensorDesc) as it was and
// writes new elements only for the weights that were edited.
class PaddleDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "paddle"; }

    // How the parameters were stored beside the program: not at all (or
    // not read: a program held in memory), in one save_combine file, or one
    // file per weight named after it (some may be missing).
    enum class Layout { None, Combined, PerWeight };

    struct Record {
        std::shared_ptr<Tensor> tensor;
        std::shared_ptr<const TensorData> original;
        std::string name; // as read: the file name of a per-weight record
        std::shared_ptr<const MappedFile> file;
        DataType dataType = DataType::Undefined;
        std::vector<std::int64_t> dims;
        std::uint64_t start = 0; // of the record within its file
        std::uint64_t offset = 0; // of its elements
        std::uint64_t length = 0;
    };

    std::shared_ptr<const MappedFile> program;
    Layout layout = Layout::None;
    // Combined: the records in file order, all in one file; per-weight: the
    // weights whose files were found, each in its own.
    std::vector<Record> records;
};

} // namespace nodus

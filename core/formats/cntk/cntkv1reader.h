#pragma once

#include "ir/attribute.h"
#include "ir/datatype.h"
#include "ir/model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {

class MappedFile;

// Reads a CNTK 1.x BrainScript binary network (".dnn" starting with the
// UTF-16 marker "BCN"). The layout is a chain of UTF-16 marker strings
// around little-endian fields, in the order CNTK's ComputationNetwork::Save
// wrote them:
//   "BCN" "BVersion" u64 "EVersion" u64 nodeCount "BNodeList"
//   per node: precision (from version 7), op name, node name, then the
//     op's own fields (Save() of its ComputationNode class; see readNode)
//   "ENodeList" "BRelation" per node: name, u64 count, input names "ERelation"
//   "BRootNodes" optional lists (features, labels, criteria, evaluation,
//     outputs, pairs) "ERootNodes" "ECN"
// Ops have no length prefix, so an op whose fields are not known cannot be
// skipped: such a file is refused, naming the op. Weights are matrices
// ("BMAT" ... "EMAT", column-major) that become tensors mapped straight from
// the file. Read-only: CNTK 1.x files are not written.
class CntkV1Reader {
public:
    explicit CntkV1Reader(std::shared_ptr<const MappedFile> file);
    std::unique_ptr<Model> read();

private:
    struct Matrix {
        DataType dataType = DataType::Undefined;
        std::uint64_t rows = 0;
        std::uint64_t cols = 0;
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
    };
    struct NodeRecord {
        std::string precision;
        std::string opType;
        std::string name;
        std::vector<Attribute> attributes;
        std::vector<std::int64_t> sampleLayout; // CNTK's order (column-major)
        bool hasLayout = false;
        std::string dynamicAxis;
        std::shared_ptr<Tensor> tensor; // LearnableParameter, Mean, InvStdDev
        std::vector<std::string> inputs;
    };

    void readNode(NodeRecord& node);
    void readConvolutionBase(NodeRecord& node);
    std::shared_ptr<Tensor> readMatrix(const NodeRecord& node);
    std::vector<std::int64_t> readShape(bool acceptLegacy = false);

    std::uint8_t u8();
    std::uint32_t u32();
    std::int32_t i32();
    std::uint64_t u64();
    float f32();
    double f64();
    bool boolean();
    double element(const std::string& precision);
    std::string string();
    std::vector<std::string> strings();
    std::vector<std::int64_t> booleans();
    bool match(std::string_view marker);
    void expect(std::string_view marker);
    std::uint64_t count(std::uint64_t minimumBytesEach);
    void need(std::uint64_t bytes);
    [[noreturn]] void fail(const std::string& what) const;

    std::shared_ptr<const MappedFile> file_;
    std::uint64_t pos_ = 0;
    std::uint64_t version_ = 0;
};

} // namespace nodus

#include "cntkv1reader.h"

#include "ir/mappedtensordata.h"
#include "ir/shape.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace nodus {

namespace {

constexpr std::uint64_t kMaxStringChars = 1 << 20;

Attribute intAttribute(std::string name, std::int64_t v)
{
    Attribute a;
    a.name = std::move(name);
    a.type = AttributeType::Int;
    a.i = v;
    return a;
}

Attribute floatAttribute(std::string name, double v)
{
    Attribute a;
    a.name = std::move(name);
    a.type = AttributeType::Float;
    a.f = v;
    return a;
}

Attribute intsAttribute(std::string name, std::vector<std::int64_t> v)
{
    Attribute a;
    a.name = std::move(name);
    a.type = AttributeType::Ints;
    a.ints = std::move(v);
    return a;
}

// TensorShapes are stored in CNTK's column-major order; like every shape
// Nodus shows, attributes read row-major (reversed), as in model-v2 files.
Attribute shapeAttribute(std::string name, std::vector<std::int64_t> columnMajor)
{
    std::reverse(columnMajor.begin(), columnMajor.end());
    Attribute a = intsAttribute(std::move(name), std::move(columnMajor));
    a.docString = "shape, row-major (CNTK's column-major order reversed)";
    return a;
}

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

std::optional<DataType> precisionType(const std::string& precision)
{
    if (precision == "float" || precision.empty())
        return DataType::Float;
    if (precision == "double")
        return DataType::Double;
    if (precision == "half")
        return DataType::Float16;
    return std::nullopt;
}

// Ops whose ComputationNode classes save nothing of their own.
const std::unordered_set<std::string_view>& parameterlessOps()
{
    static const std::unordered_set<std::string_view> ops = {
        "Plus", "Minus", "ElementTimes", "ElementDivide", "Equal", "NotEqual", "Greater", "GreaterEqual", "Less",
        "LessEqual", "Exp", "Log", "Abs", "Sin", "Cosine", "Negate", "Sqrt", "Floor", "Reciprocal",
        "RectifiedLinear", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Hardmax", "Logistic", "SquareError",
        "ErrorPrediction", "ClassificationError", "PerDimMeanVarNormalization", "DynamicAxis", "StopGradient",
        "Pass",
    };
    return ops;
}

} // namespace

CntkV1Reader::CntkV1Reader(std::shared_ptr<const MappedFile> file)
    : file_(std::move(file))
{
}

void CntkV1Reader::fail(const std::string& what) const
{
    throw Error(file_->path().string() + ": not a readable CNTK v1 network: " + what + " (at byte "
                + std::to_string(pos_) + ")");
}

void CntkV1Reader::need(std::uint64_t bytes)
{
    if (bytes > file_->size() - pos_)
        fail("the file ends early");
}

std::uint8_t CntkV1Reader::u8()
{
    need(1);
    return static_cast<std::uint8_t>(file_->bytes()[pos_++]);
}

std::uint32_t CntkV1Reader::u32()
{
    need(4);
    std::uint32_t v;
    std::memcpy(&v, file_->data() + pos_, 4);
    pos_ += 4;
    return v;
}

std::int32_t CntkV1Reader::i32()
{
    return static_cast<std::int32_t>(u32());
}

std::uint64_t CntkV1Reader::u64()
{
    need(8);
    std::uint64_t v;
    std::memcpy(&v, file_->data() + pos_, 8);
    pos_ += 8;
    return v;
}

float CntkV1Reader::f32()
{
    const std::uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
}

double CntkV1Reader::f64()
{
    const std::uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
}

bool CntkV1Reader::boolean()
{
    return u8() != 0;
}

// A value of the node's element type (ElemType in CNTK's templates).
double CntkV1Reader::element(const std::string& precision)
{
    if (precision == "double")
        return f64();
    if (precision == "half") {
        need(2);
        const auto lo = static_cast<std::uint8_t>(file_->bytes()[pos_]);
        const auto hi = static_cast<std::uint8_t>(file_->bytes()[pos_ + 1]);
        pos_ += 2;
        return float16ToFloat(static_cast<std::uint16_t>(lo | (hi << 8)));
    }
    return f32();
}

std::string CntkV1Reader::string()
{
    std::string out;
    for (std::uint64_t n = 0;; ++n) {
        if (n > kMaxStringChars)
            fail("a string runs on for more than a million characters");
        need(2);
        std::uint32_t c = static_cast<std::uint8_t>(file_->bytes()[pos_])
            | (static_cast<std::uint32_t>(static_cast<std::uint8_t>(file_->bytes()[pos_ + 1])) << 8);
        pos_ += 2;
        if (c == 0)
            return out;
        if (c >= 0xd800 && c < 0xdc00 && pos_ + 2 <= file_->size()) {
            const std::uint32_t low = static_cast<std::uint8_t>(file_->bytes()[pos_])
                | (static_cast<std::uint32_t>(static_cast<std::uint8_t>(file_->bytes()[pos_ + 1])) << 8);
            if (low >= 0xdc00 && low < 0xe000) {
                pos_ += 2;
                c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
            }
        }
        appendUtf8(out, c);
    }
}

std::uint64_t CntkV1Reader::count(std::uint64_t minimumBytesEach)
{
    const std::uint64_t n = u64();
    if (n > (file_->size() - pos_) / std::max<std::uint64_t>(minimumBytesEach, 1))
        fail("a count of " + std::to_string(n) + " items does not fit in the rest of the file");
    return n;
}

std::vector<std::string> CntkV1Reader::strings()
{
    const std::uint64_t n = count(2);
    std::vector<std::string> out;
    out.reserve(n);
    for (std::uint64_t k = 0; k < n; ++k)
        out.push_back(string());
    return out;
}

std::vector<std::int64_t> CntkV1Reader::booleans()
{
    const std::uint64_t n = count(1);
    std::vector<std::int64_t> out;
    out.reserve(n);
    for (std::uint64_t k = 0; k < n; ++k)
        out.push_back(boolean() ? 1 : 0);
    return out;
}

bool CntkV1Reader::match(std::string_view marker)
{
    const std::uint64_t start = pos_;
    const auto bytes = file_->bytes();
    for (std::size_t k = 0; k <= marker.size(); ++k) {
        const std::uint16_t want = k < marker.size() ? static_cast<unsigned char>(marker[k]) : 0;
        if (pos_ + 2 > bytes.size()
            || (static_cast<std::uint8_t>(bytes[pos_]) | (static_cast<std::uint8_t>(bytes[pos_ + 1]) << 8)) != want) {
            pos_ = start;
            return false;
        }
        pos_ += 2;
    }
    return true;
}

void CntkV1Reader::expect(std::string_view marker)
{
    if (!match(marker))
        fail("the marker \"" + std::string(marker) + "\" is missing");
}

std::vector<std::int64_t> CntkV1Reader::readShape(bool acceptLegacy)
{
    const std::uint32_t rank = u32();
    if (rank > 64)
        fail("a tensor shape of rank " + std::to_string(rank));
    std::vector<std::int64_t> dims;
    const std::uint32_t first = rank > 0 ? u32() : 0;
    if (!acceptLegacy || first != 0) {
        if (rank > 0)
            dims.push_back(first);
        for (std::uint32_t k = 1; k < rank; ++k)
            dims.push_back(u32());
    } else {
        // Legacy image layout (width, height, channels stored after a zero).
        const std::uint32_t d = u32();
        dims = {static_cast<std::int64_t>(u32()), static_cast<std::int64_t>(rank), static_cast<std::int64_t>(d)};
    }
    return dims;
}

std::shared_ptr<Tensor> CntkV1Reader::readMatrix(const NodeRecord& node)
{
    const std::uint8_t kind = u8();
    if (kind == 's')
        fail("node '" + node.name + "' holds a sparse matrix, which Nodus cannot read yet");
    if (kind != 'd')
        fail("node '" + node.name + "' has a matrix of unknown kind " + std::to_string(kind));
    expect("BMAT");
    const std::uint64_t elementSize = u64();
    (void)string(); // the matrix's own name: always "unnamed" in practice
    (void)u32();    // matrix format flags
    const std::uint64_t rows = u64();
    const std::uint64_t cols = u64();
    const DataType type = elementSize == 4 ? DataType::Float
        : elementSize == 8                 ? DataType::Double
        : elementSize == 2                 ? DataType::Float16
                                           : DataType::Undefined;
    if (type == DataType::Undefined)
        fail("node '" + node.name + "' has matrix elements of " + std::to_string(elementSize) + " bytes");
    const auto elements = elementCount({static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)});
    if (rows > (1ull << 40) || cols > (1ull << 40) || !elements || *elements > file_->size() / elementSize)
        fail("node '" + node.name + "' has a " + std::to_string(rows) + " x " + std::to_string(cols)
             + " matrix larger than the file");
    const std::uint64_t length = *elements * elementSize;
    need(length);
    auto t = std::make_shared<Tensor>();
    t->name = node.name;
    t->dataType = type;
    // A matrix is column-major, so its elements read row-major as the
    // reversed sample layout when that is what it holds, else as [cols, rows].
    const auto layoutElements = elementCount(node.sampleLayout);
    if (node.hasLayout && layoutElements && *layoutElements == *elements) {
        t->dims.assign(node.sampleLayout.rbegin(), node.sampleLayout.rend());
    } else {
        t->dims = {static_cast<std::int64_t>(cols), static_cast<std::int64_t>(rows)};
    }
    t->data = std::make_shared<MappedTensorData>(FileRegion{file_, pos_, length});
    pos_ += length;
    expect("EMAT");
    return t;
}

void CntkV1Reader::readConvolutionBase(NodeRecord& n)
{
    auto& a = n.attributes;
    if (version_ >= 5) {
        a.push_back(shapeAttribute("kernelShape", readShape()));
        a.push_back(shapeAttribute("mapCount", readShape()));
        a.push_back(shapeAttribute("strides", readShape()));
        auto sharing = booleans();
        std::reverse(sharing.begin(), sharing.end());
        a.push_back(intsAttribute("sharing", std::move(sharing)));
        auto autoPadding = booleans();
        std::reverse(autoPadding.begin(), autoPadding.end());
        a.push_back(intsAttribute("autoPadding", std::move(autoPadding)));
        a.push_back(shapeAttribute("lowerPad", readShape()));
        a.push_back(shapeAttribute("upperPad", readShape()));
        a.push_back(intAttribute("poolKind", i32()));
        a.push_back(intAttribute("imageLayoutKind", i32()));
        a.push_back(intAttribute("maxTempMemSizeInSamples", static_cast<std::int64_t>(u64())));
    }
    if (version_ >= 9)
        a.push_back(intAttribute("transpose", boolean()));
    if (version_ >= 20)
        a.push_back(shapeAttribute("outputShape", readShape()));
    if (version_ >= 21)
        a.push_back(intAttribute("ceilOutDim", boolean()));
    if (version_ >= 23)
        a.push_back(intAttribute("includePad", boolean()));
}

// The fields each op's ComputationNode::Save writes after the common part,
// by model version (as CNTK's loaders, and Netron's cntk.js, read them).
void CntkV1Reader::readNode(NodeRecord& n)
{
    const std::string& op = n.opType;
    auto& a = n.attributes;
    if (parameterlessOps().count(op))
        return;
    if (op == "InputValue" || op == "SparseInputValue") {
        (void)u64(); // rows and columns of old files; the sample layout says it all
        (void)u64();
        n.sampleLayout = readShape(true);
        n.hasLayout = true;
        if (version_ >= 8) {
            const std::uint32_t axes = u32();
            if (axes > 1)
                fail("input '" + n.name + "' names " + std::to_string(axes) + " dynamic axes");
            if (axes == 1)
                n.dynamicAxis = string();
        }
        if (version_ >= 10)
            a.push_back(floatAttribute("learningRateMultiplier", f32()));
    } else if (op == "LearnableParameter") {
        if (version_ < 3)
            fail("learnable parameter '" + n.name + "' is in a format older than model version 3");
        a.push_back(floatAttribute("learningRateMultiplier", f32()));
        n.sampleLayout = readShape();
        n.hasLayout = true;
        n.tensor = readMatrix(n);
    } else if (op == "Mean" || op == "InvStdDev") {
        a.push_back(intAttribute("hasComputed", boolean()));
        n.tensor = readMatrix(n);
    } else if (op == "CrossEntropyWithSoftmax") {
        // Later versions add an evaluation mode (0..2); older files go
        // straight on to the next node, whose precision string cannot read
        // as a number that small.
        const std::uint64_t at = pos_;
        if (file_->size() - pos_ >= 4) {
            const std::uint32_t mode = u32();
            if (mode <= 2)
                a.push_back(intAttribute("evalMode", mode));
            else
                pos_ = at;
        }
    } else if (op == "Times" || op == "TransposeTimes") {
        a.push_back(intAttribute("outputRank", version_ >= 3 ? static_cast<std::int64_t>(u64()) : 1));
        a.push_back(intAttribute("inferInputRankToMap", version_ >= 12 ? i32() : -1));
    } else if (op == "Dropout") {
        if (version_ >= 16) {
            a.push_back(intAttribute("rngSeed", version_ == 16 ? u32() : static_cast<std::int64_t>(u64())));
            a.push_back(intAttribute("rngOffset", static_cast<std::int64_t>(u64())));
        }
    } else if (op == "Convolution") {
        readConvolutionBase(n);
        if (version_ < 5) {
            const std::int64_t kw = static_cast<std::int64_t>(u64()), kh = static_cast<std::int64_t>(u64());
            const std::int64_t sw = static_cast<std::int64_t>(u64()), sh = static_cast<std::int64_t>(u64());
            a.push_back(shapeAttribute("kernelShape", {kw, kh, 1}));
            a.push_back(shapeAttribute("strides", {sw, sh, 1}));
            a.push_back(shapeAttribute("mapCount", {u32()}));
            a.push_back(intAttribute("imageLayoutKind", i32()));
            a.push_back(intsAttribute("autoPadding", {boolean() ? 1 : 0}));
            a.push_back(intAttribute("maxTempMemSizeInSamples", static_cast<std::int64_t>(u64())));
        } else {
            a.push_back(intAttribute("convolution2D", boolean()));
            if (version_ >= 18)
                a.push_back(shapeAttribute("dilation", readShape()));
        }
    } else if (op == "Pooling") {
        readConvolutionBase(n);
    } else if (op == "MaxPooling" || op == "AveragePooling") {
        a.push_back(intAttribute("imageLayoutKind", i32()));
        a.push_back(intAttribute("windowWidth", u32()));
        a.push_back(intAttribute("windowHeight", static_cast<std::int64_t>(u64())));
        a.push_back(intAttribute("horizontalSubsample", static_cast<std::int64_t>(u64())));
        a.push_back(intAttribute("verticalSubsample", static_cast<std::int64_t>(u64())));
    } else if (op == "ROIPooling") {
        a.push_back(shapeAttribute("roiOutputShape", readShape()));
        a.push_back(intAttribute("poolKind", version_ < 26 ? 1 : i32()));
        a.push_back(floatAttribute("spatialScale", version_ < 26 ? 0.0625 : f64()));
    } else if (op == "Reshape") {
        a.push_back(intAttribute("beginDimParameter", u32()));
        a.push_back(intAttribute("endDimParameter", u32()));
        a.push_back(shapeAttribute("replacementSampleLayout", readShape()));
    } else if (op == "ReduceElements") {
        const std::uint32_t axes = version_ >= 27 ? u32() : 1;
        if (axes > 64)
            fail("node '" + n.name + "' reduces over " + std::to_string(axes) + " axes");
        std::vector<std::int64_t> list;
        for (std::uint32_t k = 0; k < axes; ++k)
            list.push_back(u32());
        a.push_back(intsAttribute("axes", std::move(list)));
        Attribute operation;
        operation.name = "operation";
        operation.type = AttributeType::String;
        operation.s = string();
        a.push_back(std::move(operation));
        if (version_ >= 24)
            a.push_back(intAttribute("keepDimensions", boolean()));
    } else if (op == "BatchNormalization") {
        if (version_ >= 6) {
            a.push_back(intAttribute("spatial", boolean()));
            a.push_back(floatAttribute("normalizationTimeConstant", f64()));
            a.push_back(floatAttribute("blendTimeConstant", f64()));
            a.push_back(intAttribute("imageLayoutKind", i32()));
            if (version_ >= 13)
                a.push_back(intAttribute("runCountUntied", version_ != 19 ? static_cast<std::int64_t>(u64())
                                                                           : (boolean() ? 0 : -1)));
            else
                a.push_back(intAttribute("minibatchCount", static_cast<std::int64_t>(u64())));
            a.push_back(floatAttribute("epsilon", f64()));
            a.push_back(intAttribute("useCntkEngine", boolean()));
        } else {
            const std::int32_t written = i32();
            const std::int32_t readable = i32();
            if (readable > written || written < 0x00010001 || readable > 0x00010004)
                fail("batch normalization '" + n.name + "' is in a format version this reader does not know");
            a.push_back(intAttribute("eval", boolean()));
            a.push_back(intAttribute("spatial", boolean()));
            const double timeConstant = f64();
            if (written >= 0x00010004)
                a.push_back(floatAttribute("normalizationTimeConstant", timeConstant));
            if (written >= 0x00010002) {
                a.push_back(intAttribute("imageLayoutKind", i32()));
                a.push_back(intAttribute("minibatchCount", static_cast<std::int64_t>(u64())));
            }
            if (written >= 0x00010003) {
                a.push_back(floatAttribute("epsilon", f64()));
                a.push_back(intAttribute("useCntkEngine", boolean()));
            }
        }
    } else if (op == "RowStack") {
        a.push_back(intAttribute("spliceDim", version_ >= 3 ? i32() : 1));
    } else if (op == "Slice") {
        const std::int32_t slices = version_ >= 22 ? i32() : 1;
        if (slices < 0 || slices > 64)
            fail("node '" + n.name + "' has " + std::to_string(slices) + " slices");
        std::vector<std::int64_t> begins, ends, axes, strides;
        for (std::int32_t k = 0; k < slices; ++k) {
            begins.push_back(static_cast<std::int64_t>(u64()));
            ends.push_back(static_cast<std::int64_t>(u64()));
            if (version_ >= 3)
                axes.push_back(i32());
            if (version_ >= 27)
                strides.push_back(i32());
        }
        a.push_back(intsAttribute("beginIndex", std::move(begins)));
        a.push_back(intsAttribute("endIndex", std::move(ends)));
        if (!axes.empty())
            a.push_back(intsAttribute("axis", std::move(axes)));
        if (!strides.empty())
            a.push_back(intsAttribute("strideMultiplier", std::move(strides)));
    } else if (op == "PastValue" || op == "FutureValue") {
        a.push_back(intAttribute("timeStep", i32()));
        if (version_ > 3) {
            n.sampleLayout = readShape();
        } else {
            n.sampleLayout = {static_cast<std::int64_t>(u64())};
            (void)u64();
        }
        a.push_back(shapeAttribute("sampleLayout", n.sampleLayout));
        if (version_ >= 2)
            a.push_back(floatAttribute("initialStateValue", element(n.precision)));
    } else if (op == "TransposeDimensions") {
        if (version_ >= 3) {
            const std::int32_t axis1 = i32(), axis2 = i32();
            a.push_back(intAttribute("axis1", axis1));
            a.push_back(intAttribute("axis2", axis2));
            if (version_ >= 25 && axis1 == 0 && axis2 == 0) {
                const std::uint64_t size = count(8);
                std::vector<std::int64_t> perm;
                for (std::uint64_t k = 0; k < size; ++k)
                    perm.push_back(static_cast<std::int64_t>(u64()));
                a.push_back(intsAttribute("perm", std::move(perm)));
            }
        } else {
            a.push_back(intAttribute("axis1", 1));
            a.push_back(intAttribute("axis2", 2));
        }
    } else {
        fail("node '" + n.name + "' has op type '" + op
             + "', whose saved fields Nodus does not know (CNTK v1 nodes have no length, so it cannot be skipped)");
    }
}

std::unique_ptr<Model> CntkV1Reader::read()
{
    expect("BCN");
    expect("BVersion");
    version_ = u64();
    expect("EVersion");
    const std::uint64_t nodeCount = count(8);
    expect("BNodeList");

    std::vector<NodeRecord> nodes;
    nodes.reserve(nodeCount);
    std::unordered_map<std::string, std::size_t> byName;
    for (std::uint64_t k = 0; k < nodeCount; ++k) {
        NodeRecord n;
        if (version_ >= 7)
            n.precision = string();
        if (!precisionType(n.precision))
            fail("node " + std::to_string(k) + " has precision '" + n.precision + "'");
        n.opType = string();
        n.name = string();
        readNode(n);
        if (!byName.emplace(n.name, nodes.size()).second)
            fail("two nodes are named '" + n.name + "'");
        nodes.push_back(std::move(n));
    }
    expect("ENodeList");
    expect("BRelation");
    for (std::uint64_t k = 0; k < nodeCount; ++k) {
        const std::string name = string();
        const auto it = byName.find(name);
        if (it == byName.end())
            fail("the relation list names an unknown node '" + name + "'");
        nodes[it->second].inputs = strings();
    }
    expect("ERelation");
    expect("BRootNodes");
    std::vector<std::pair<std::string, std::vector<std::string>>> roots;
    for (const char* group :
         {"FeatureNodes", "LabelNodes", "CriterionNodes", "CriteriaNodes", "NodesReqMultiSeqHandling", "EvalNodes",
          "OutputNodes", "PairNodes"}) {
        if (match(std::string("B") + group)) {
            roots.emplace_back(group, strings());
            expect(std::string("E") + group);
        }
    }
    expect("ERootNodes");
    expect("ECN");

    auto model = std::make_unique<Model>();
    model->format = "cntk-v1";
    model->sourcePath = file_->path();
    model->producerName = "CNTK";
    model->metadata.emplace_back("model_version", std::to_string(version_));
    for (const auto& [group, names] : roots) {
        std::string list;
        for (const auto& name : names)
            list += (list.empty() ? "" : ", ") + name;
        model->metadata.emplace_back(group, list);
    }
    Graph& graph = *model->graph;
    graph.name = file_->path().stem().string();

    auto typeOf = [&](const NodeRecord& n) {
        Shape shape;
        shape.rankKnown = true;
        shape.dims.push_back(Dim::symbolic("#"));
        shape.dims.push_back(Dim::symbolic(n.dynamicAxis.empty() ? "*" : n.dynamicAxis));
        for (auto it = n.sampleLayout.rbegin(); it != n.sampleLayout.rend(); ++it)
            shape.dims.push_back(Dim::known(*it));
        return ValueType::tensor(*precisionType(n.precision), std::move(shape));
    };
    auto isNode = [](const NodeRecord& n) {
        return n.opType != "InputValue" && n.opType != "SparseInputValue" && n.opType != "LearnableParameter";
    };

    for (const NodeRecord& n : nodes) {
        if (n.opType == "LearnableParameter") {
            n.tensor->docString = "learnable parameter";
            graph.addInitializer(n.tensor);
        } else if (!isNode(n)) {
            Value* v = graph.value(n.name);
            v->type = typeOf(n);
            if (n.opType == "SparseInputValue")
                v->type.kind = ValueType::Kind::SparseTensor;
            graph.inputs.push_back(v);
        }
    }

    // Producers before users, file order otherwise; the edge into a
    // PastValue/FutureValue that closes a loop is met on the stack and not
    // followed, so recurrent networks order too.
    std::vector<std::uint8_t> state(nodes.size(), 0);
    std::vector<std::size_t> order;
    std::vector<std::pair<std::size_t, std::size_t>> stack;
    for (std::size_t m = 0; m < nodes.size(); ++m) {
        if (!isNode(nodes[m]) || state[m])
            continue;
        state[m] = 1;
        stack.emplace_back(m, 0);
        while (!stack.empty()) {
            auto& [u, next] = stack.back();
            if (next < nodes[u].inputs.size()) {
                const auto it = byName.find(nodes[u].inputs[next++]);
                if (it != byName.end() && isNode(nodes[it->second]) && state[it->second] == 0) {
                    state[it->second] = 1;
                    stack.emplace_back(it->second, 0);
                }
                continue;
            }
            state[u] = 2;
            order.push_back(u);
            stack.pop_back();
        }
    }
    for (std::size_t index : order) {
        NodeRecord& n = nodes[index];
        Node* node = graph.addNode(n.opType, n.name);
        node->attributes = std::move(n.attributes);
        if (n.tensor) {
            Attribute value;
            value.name = "value";
            value.type = AttributeType::Tensor;
            value.tensors.push_back(n.tensor);
            node->attributes.push_back(std::move(value));
        }
        for (const auto& input : n.inputs)
            graph.addInput(node, graph.value(input));
        graph.addOutput(node, graph.value(n.name));
        if (n.opType == "PastValue" || n.opType == "FutureValue")
            node->metadata.emplace_back("recurrence", n.opType == "PastValue" ? "past" : "future");
    }

    std::unordered_set<std::string> seen;
    for (const char* group : {"OutputNodes", "CriterionNodes", "CriteriaNodes", "EvalNodes"})
        for (const auto& [name, names] : roots)
            if (name == group)
                for (const auto& output : names)
                    if (seen.insert(output).second)
                        graph.outputs.push_back(graph.value(output));
    return model;
}

} // namespace nodus

#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace nodus {

class Model;

struct OnnxExportOptions {
    // ONNX default-domain opset of the output; 13 to kMaxOnnxExportOpset.
    int opset = 17;
    // Write the graph even when some ops have no ONNX mapping: those nodes
    // are kept as ops of the source format's own domain (for viewing, not
    // running), and the report lists them.
    bool partial = false;
    // Run ONNX shape inference over the finished model so every value is
    // stored with its type and shape; off, only the graph's inputs and
    // outputs keep theirs.
    bool inferShapes = true;
    // Store tensors over 1 KiB in "<file>.data" beside the model (ONNX
    // external data). Models over 2 GB always need it: a single protobuf
    // cannot hold them.
    bool externalData = false;
};

inline constexpr int kMinOnnxExportOpset = 13;
inline constexpr int kDefaultOnnxExportOpset = 17;
int maxOnnxExportOpset(); // the newest opset libonnx here knows

// What a conversion did not carry over, and what it changed on the way.
struct OnnxExportReport {
    struct Unsupported {
        std::string opType;
        std::string nodeName;
        std::string reason;
    };
    std::vector<Unsupported> unsupported;
    // Things a user should know: ops removed for inference, assumed types...
    std::vector<std::string> notes;
    std::size_t nodesIn = 0; // source nodes converted (blocks inlined)
    std::size_t nodesOut = 0; // ONNX nodes written

    bool complete() const { return unsupported.empty(); }
    // "2 ops have no ONNX mapping:\n  PastValue 'PastValue1998': ..." .
    std::string unsupportedText() const;
};

// Source formats that convert to ONNX ("cntk", "mindir"); ONNX models
// themselves are written by the ONNX writer, losslessly.
bool canExportToOnnx(const std::string& sourceFormat);

// Builds an ONNX model from a CNTK or MindIR model, checked by libonnx's
// checker at the requested opset. Throws nodus::Error naming the source file
// when the format cannot be converted, an op is unsupported (unless
// `partial`), or the result fails the checker; `report` is filled either way.
void convertToOnnx(
    const Model& source, const OnnxExportOptions& options, onnx::ModelProto& out, OnnxExportReport& report);

// convertToOnnx, then an atomic write of `path` (and of its data file).
OnnxExportReport exportToOnnx(
    const Model& source, const std::filesystem::path& path, const OnnxExportOptions& options = {});
// The same, filling `report` as it goes, so a failed conversion still says
// which ops had no mapping.
void exportToOnnx(const Model& source, const std::filesystem::path& path, const OnnxExportOptions& options,
    OnnxExportReport& report);

} // namespace nodus

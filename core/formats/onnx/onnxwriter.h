#pragma once

#include "onnxdocument.h"

#include "ir/model.h"

#include <filesystem>
#include <unordered_map>

namespace nodus {

class OutputSink;

struct OnnxWriteOptions {
    enum class ExternalData { Auto, Always, Never };
    // Auto: tensors that were external stay external, and everything goes
    // external when the model would pass protobuf's 2 GB limit.
    ExternalData externalData = ExternalData::Auto;
    // Tensors smaller than this stay inline even when writing externally.
    std::uint64_t externalThreshold = 1024;
    // Threshold for Auto's "too big for one protobuf"; lowered by tests.
    std::uint64_t inlineLimit = (2ull << 30) - (64ull << 20);
};

// Writes an ONNX model read by OnnxReader back to disk. The protobuf
// skeleton is serialized as it was read (unknown fields included); each
// tensor's bytes come from its IR tensor, so unedited weights are copied
// byte for byte from the source file in the kernel and edited ones are
// written from memory. External data goes to "<file>.data" beside the model
// (or "<file>.nodus-XXXXXX.data" while that name is the data being replaced).
class OnnxWriter {
public:
    OnnxWriter(const Model& model, OnnxWriteOptions options = {});
    void write(const std::filesystem::path& path);

private:
    struct Emission {
        const ::onnx::TensorProto* proto = nullptr; // what to serialize
        std::shared_ptr<::onnx::TensorProto> copy;  // owns `proto` when changed
        const TensorData* payload = nullptr;        // raw_data to add inline
    };

    // `tooBig`: the tensors together pass the inline limit.
    void plan(const std::string& dataLocation, OutputSink* dataSink, bool tooBig);
    const Emission& emission(const ::onnx::TensorProto& original) const;
    std::uint64_t messageSize(const google::protobuf::Message& m) const;
    std::uint64_t elementSize(const google::protobuf::Message& m) const;
    void writeMessage(const google::protobuf::Message& m, google::protobuf::io::CodedOutputStream& out,
                      OutputSink& sink) const;

    const OnnxDocument& doc_;
    OnnxWriteOptions options_;
    std::unordered_map<const ::onnx::TensorProto*, Emission> emissions_;
};

} // namespace nodus

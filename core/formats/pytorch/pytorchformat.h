#pragma once

#include "formats/format.h"

namespace nodus {

// torch.save checkpoints (state_dicts and dicts holding them): the zip
// archive of PyTorch 1.6 and later and the legacy pickle stream. A model
// read from one has no nodes; its initializers are the saved tensors.
class PytorchFormat final : public Format {
public:
    std::string_view name() const override { return "pytorch"; }
    std::string_view displayName() const override { return "PyTorch checkpoint"; }
    std::string_view mimeType() const override { return "application/x-pytorch"; }
    std::vector<std::string> extensions() const override { return { ".pt", ".pth", ".bin" }; }
    unsigned capabilities() const override { return Read | Write; }
    // The zip form starts with "PK" like any zip; only the legacy form has magic.
    std::vector<MimeMagic> magic() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

// TorchScript archives (torch.jit.save): the module hierarchy's parameters
// and buffers, named by their attribute path, the archive's constants, and
// the graph its code/ describes (torchscriptgraph.h).
class TorchScriptFormat final : public Format {
public:
    std::string_view name() const override { return "torchscript"; }
    std::string_view displayName() const override { return "TorchScript archive"; }
    std::string_view mimeType() const override { return "application/x-torchscript"; }
    std::vector<std::string> extensions() const override { return { ".pt", ".pth" }; }
    unsigned capabilities() const override { return Read | Write; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
    // aten/prim ops of the graph built from code/ (torchscript-ops.json).
    const OpMetadata& opMetadata() const override;
};

} // namespace nodus

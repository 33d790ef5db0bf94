#pragma once

#include "cntkopmetadata.h"

#include "formats/format.h"

namespace nodus {

// CNTK 1.x BrainScript binary networks ("BCN" in UTF-16 at the start).
// Read-only; see CntkV1Reader for the layout.
class CntkV1Format final : public Format {
public:
    std::string_view name() const override { return "cntk-v1"; }
    std::string_view displayName() const override { return "CNTK v1 network"; }
    std::string_view mimeType() const override { return "application/x-cntk-v1-model"; }
    std::vector<std::string> extensions() const override { return { ".dnn", ".cmf", ".model" }; }
    unsigned capabilities() const override { return Read; }
    const OpMetadata& opMetadata() const override { return cntkOpMetadata(); }
    std::vector<MimeMagic> magic() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
};

} // namespace nodus

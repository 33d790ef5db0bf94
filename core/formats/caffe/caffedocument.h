#pragma once

#include "formats/caffe/caffe.pb.h"
#include "ir/nativedocument.h"

#include <string>
#include <vector>

namespace nodus {

// The parsed NetParameter (blobs and all) and where each weight tensor of
// the IR came from, so a save replaces blob values and keeps every other
// field, unknown ones included.
class CaffeDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "caffe"; }

    struct BlobRef {
        std::string tensor;
        int layer = 0;
        int blob = 0;
        bool v1 = false;
    };
    caffe::NetParameter net;
    std::vector<BlobRef> blobs;
};

} // namespace nodus

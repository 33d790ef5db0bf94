#include "commands.h"

#include <cstring>
#include <iostream>

namespace {

const char* kUsage = R"(nodus-cli: inspect and convert machine-learning model files

usage:
  nodus-cli formats [--json]              list the formats Nodus knows
  nodus-cli info [--json] [--key KEY [--cipher MODE]] FILE...
                                          model summary (one JSON object per line with --json);
                                          KEY opens an encrypted MindIR (hex digits or the key's text),
                                          MODE is AES-GCM, AES-CBC or SM4-CBC (default: from the file)
  nodus-cli graph [--subgraphs] [--key KEY [--cipher MODE]] FILE
                                          print the graph as text: inputs, stored tensors, one line per
                                          node (outputs = Op 'name'(inputs) {attributes}), outputs
  nodus-cli convert IN OUT [--format NAME] [--external-data] [--key KEY [--cipher MODE]]
                   [--opset N] [--partial]
                                          re-save IN as OUT (format from --format or OUT's extension);
                                          a CNTK or MindIR model saved as .onnx is converted (opset N,
                                          13 to 17, default 17); ops without an ONNX mapping are listed
                                          and fail the conversion unless --partial keeps them as
                                          custom-domain ops
  nodus-cli apply-weights MODEL WEIGHTS -o OUT [--json] [--key KEY [--cipher MODE]]
                                          load WEIGHTS' tensors (a MindSpore checkpoint, ...) into MODEL's
                                          parameters by name and save OUT in MODEL's format; reports the
                                          parameters not loaded and the weights not used
  nodus-cli bench load FILE [--runs N]    open FILE N times in fresh processes; prints JSON
                                          {median_s, peak_rss_mb, nodes}
  nodus-cli bench layout FILE | --synthetic-transformer BLOCKS [--runs N] [--dot-cap S | --no-dot]
                                          graph view layout: {nodes, first_frame_s, full_layout_s, dot_s}

Exit status: 0 success, 1 a file could not be read or written, 2 bad usage.
)";

} // namespace

int nodus::cli::usageError(const std::string& message)
{
    std::cerr << "nodus-cli: " << message << "\n(run nodus-cli --help for usage)\n";
    return 2;
}

int main(int argc, char** argv)
{
    using namespace nodus::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    const Args args(argv + 2, argv + argc);
    if (command == "formats")
        return formatsCommand(args);
    if (command == "info")
        return infoCommand(args);
    if (command == "graph")
        return graphCommand(args);
    if (command == "convert")
        return convertCommand(args);
    if (command == "apply-weights")
        return applyWeightsCommand(args);
    if (command == "bench")
        return benchCommand(args);
    return usageError("unknown command '" + command + "'");
}

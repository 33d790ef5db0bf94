#include "commands.h"

#include <cstring>
#include <iostream>

namespace {

const char* kUsage = R"(nodus-cli: inspect and convert machine-learning model files

usage:
  nodus-cli formats [--json]              list the formats Nodus knows
  nodus-cli associations --mime-xml | --desktop | --wix | --plist
                                          desktop file associations generated from the formats: the
                                          shared-mime-info XML, nodus.desktop, the WiX fragment or the
                                          macOS document types (installer/ holds the generated copies)
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
                                          a CNTK, MindIR, TFLite, Keras or Caffe model saved as
                                          .onnx is converted (opset N,
                                          13 to 17, default 17); ops without an ONNX mapping are listed
                                          and fail the conversion unless --partial keeps them as
                                          custom-domain ops; --no-shape-inference leaves out the
                                          inferred shapes of inner values
  nodus-cli convert IN... --output-dir DIR [--format NAME] [--opset N] [--partial] [--external-data]
                                          convert many files, and the model files in folders
                                          (recursively), into DIR (default format onnx); one line per
                                          file, converted or failed with the reason and the ops
                                          without a mapping; exit 1 when any failed
  nodus-cli export-weights MODEL OUT.safetensors|OUT.npz [--key KEY [--cipher MODE]]
                                          write MODEL's stored tensors as a weight set; tensors the
                                          format cannot hold are listed and left out
  nodus-cli edit IN -o OUT EDIT...        apply edits in order and save OUT (format from its extension):
      --set-tensor NAME=FILE.npy|FILE.npz|MODEL   values from NumPy or another model's tensor NAME
      --scale-tensor NAME=F  --add-tensor NAME=F  --fill-tensor NAME=F  --zero-tensor NAME
      --cast-tensor NAME=TYPE                     e.g. float16, int8
      --rename OLD=NEW                            a value: producer, users, graph input/output follow
      --rename-node OLD=NEW
      --set-attr NODE.ATTR=VALUE  --remove-attr NODE.ATTR    VALUE: 3, 0.5, [1,1], 'text'
      --input-shape NAME=1,3,224,224              numbers, symbols (batch) or ?
      --delete-node NAME                          with the producers and tensors only it used
      --bypass-node NAME                          its users read its first input instead
      --producer TEXT  --doc-string TEXT
                                          an edit the format cannot save, or that would make the
                                          graph invalid, is refused with the reason (exit 1)
  nodus-cli apply-weights MODEL WEIGHTS -o OUT [--json] [--skip-mismatches] [--key KEY [--cipher MODE]]
                                          load WEIGHTS' tensors (.safetensors, .pth, .npz, .ckpt, .gguf,
                                          ...) into MODEL's parameters by name (through model./module.
                                          prefixes and :0 suffixes) and save OUT in MODEL's format;
                                          reports the parameters not loaded and the weights not used; a
                                          shape or type mismatch stops it unless --skip-mismatches
  nodus-cli run MODEL [--input NAME=FILE.npy]... [--seed N] [--fill random|zeros|ones] [--dim SYMBOL=N]
                [--device NAME] [--output-dir DIR] [--profile] [--fp16-weights] [--json]
                                          run MODEL on the Vulkan backend (a GPU, or lavapipe on the CPU);
                                          inputs not given are generated (seeded); outputs are summarized
                                          and written as DIR/<name>.npy; --profile lists the slowest nodes;
                                          --fp16-weights keeps Conv/MatMul/Gemm weights as float16
  nodus-cli conformance DIR [--filter TEXT] [--device NAME] [--json]
                                          run the ONNX backend node tests in DIR (test_*/model.onnx and
                                          test_data_set_*/input_*.pb, output_*.pb): one line per test and
                                          "N passed, N failed, N skipped"
  nodus-cli devices                       list the Vulkan devices, best first
  nodus-cli bench run MODEL [--runs N] [--device NAME] [--fp16-weights] [--no-ort] [--ceiling]
                                          median inference time on the Vulkan backend, beside onnxruntime
                                          CPU's on the same model (when tools/ort is installed):
                                          {median_ms, device, onnxruntime_cpu_median_ms}; --ceiling adds the
                                          device's measured multiply-add and texel-fetch rates, the model's
                                          multiply-adds and the least time they take at that rate (floor_ms)
  nodus-cli bench load FILE [--runs N]    open FILE N times in fresh processes; prints JSON
                                          {median_s, peak_rss_mb, nodes}
  nodus-cli bench save FILE [--runs N]    edit FILE's largest tensor and save a copy beside it, in fresh
                                          processes, beside cp of the file: {save_s, cp_s, ratio, peak_rss_mb}
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
    if (command == "associations")
        return associationsCommand(args);
    if (command == "info")
        return infoCommand(args);
    if (command == "graph")
        return graphCommand(args);
    if (command == "run" || command == "conformance" || command == "devices")
        return runCommand(args, command);
    if (command == "convert")
        return convertCommand(args);
    if (command == "export-weights")
        return exportWeightsCommand(args);
    if (command == "edit")
        return editCommand(args);
    if (command == "apply-weights")
        return applyWeightsCommand(args);
    if (command == "bench")
        return benchCommand(args);
    return usageError("unknown command '" + command + "'");
}

#pragma once

#include "ir/datatype.h"
#include "ir/shape.h"
#include "util/error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nodus {

struct Attribute;
class Model;
class Node;
class Tensor;
class TensorData;

// An edit that would make the model invalid, or that its format cannot save:
// nothing was changed, the message says why.
class EditRefused : public Error {
public:
    using Error::Error;
};

// One undoable edit of a model. apply() either makes the whole change or
// throws EditRefused having changed nothing; revert() undoes the last
// apply() exactly (the model compares equal to before). Commands find what
// they edit by name when applied, so a command made for one model can be
// replayed on an equal copy (tests do). The GUI wraps commands in a
// QUndoCommand; nodus-cli edit applies them in order.
class EditCommand {
public:
    virtual ~EditCommand() = default;
    // "Scale 'conv1.weight' by 2", for Edit > Undo and the history view.
    virtual std::string text() const = 0;
    virtual void apply(Model& model) = 0;
    virtual void revert(Model& model) = 0;
};

using EditCommandPtr = std::unique_ptr<EditCommand>;

// What part of a model an edit changes; formats say which they can save.
enum class EditKind {
    TensorValues, // element bytes of a stored tensor, same type and shape
    TensorType, // a stored tensor's element type (cast)
    Names, // node, value, graph input/output names
    Attributes, // node attributes
    InputShapes, // graph input shapes
    Structure, // deleting nodes
    Metadata, // producer, doc string, metadata properties
};
std::string_view editKindName(EditKind kind);
// Whether `model`'s format can save this kind of edit (its writer keeps it).
bool canSaveEdit(const Model& model, EditKind kind);

// --- tensors (stored tensors of the main graph, by name) -------------------

// Replaces all elements: `data` must have the tensor's size (same type and shape).
EditCommandPtr setTensorData(std::string tensor, std::shared_ptr<const TensorData> data);
// Replaces the tensor with `source`'s elements, which must have the same
// shape; numbers are converted to the tensor's type (refused if a value does
// not fit). For .npy imports and another model's tensor of the same name.
EditCommandPtr replaceTensor(std::string tensor, std::shared_ptr<const Tensor> source);
// Sets elements by flat (row-major) index from text as a user types it:
// "0.5", "-3", "nan", "true", "1+2i". Refused, naming the first bad one,
// when a text does not parse or does not fit the type.
EditCommandPtr setTensorElements(std::string tensor, std::vector<std::pair<std::uint64_t, std::string>> values);

// A hyper-rectangle of a tensor: per axis [begin, end). Empty: everything.
struct TensorSlice {
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
};
enum class TensorOp { Fill, Scale, Add };
// Fill with a value, multiply by it, or add it, over the slice (zero = Fill 0).
EditCommandPtr tensorArithmetic(std::string tensor, TensorOp op, double value, TensorSlice slice = {});
// Converts the elements to another numeric type (refused if a value does not fit).
EditCommandPtr castTensor(std::string tensor, DataType to);

// --- names --------------------------------------------------------------

EditCommandPtr renameNode(std::string from, std::string to);
// Renames a value of the main graph: its producer's output, every use, a graph
// input or output of that name and its stored tensor, all follow.
EditCommandPtr renameValue(std::string from, std::string to);

// --- attributes ---------------------------------------------------------

// Sets (or adds) an attribute of a main-graph node from text: "3", "0.5",
// "[1,1]", "[0.5,2]", "'text'" or text, "['a','b']". The type is the
// attribute's current type, or guessed from the text for a new one; an op
// with a schema (ONNX) must declare the attribute and its type.
EditCommandPtr setAttribute(std::string node, std::string attribute, std::string text);
EditCommandPtr removeAttribute(std::string node, std::string attribute);

// --- graph inputs -------------------------------------------------------

// New dims for a graph input: numbers, symbols ("batch") or "?".
EditCommandPtr setInputShape(std::string input, std::vector<Dim> dims);

// --- structure ----------------------------------------------------------

enum class DeleteMode {
    // Users of the node's first output read its first input instead; only
    // for nodes with one data output whose type matches that input's.
    Bypass,
    // The node and every producer (and stored tensor) only it used go.
    // Refused while another node reads its outputs; graph outputs it makes
    // go too (refused if none would be left).
    WithDanglingProducers,
};
EditCommandPtr deleteNode(std::string node, DeleteMode mode);

// --- model properties ---------------------------------------------------

struct ModelProperties {
    std::optional<std::string> producerName;
    std::optional<std::string> producerVersion;
    std::optional<std::string> docString;
    // Replaces the metadata properties when set.
    std::optional<std::vector<std::pair<std::string, std::string>>> metadata;
};
EditCommandPtr setModelProperties(ModelProperties properties);

// Several commands as one (one undo step); applied in order, reverted in reverse.
EditCommandPtr compound(std::string text, std::vector<EditCommandPtr> commands);

} // namespace nodus

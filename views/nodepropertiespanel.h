#pragma once

#include "ir/opmetadata.h"

#include "ir/id.h"
#include "ir/shape.h"

#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QLabel;
class QPoint;
class QTableWidget;
class QTextBrowser;
class QToolButton;

namespace nodus {

class EditableLabel;
class Graph;
class Node;
class Tensor;
class Value;
struct OpInfo;

// What one node (or one edge) is: op type, the op's documentation, its
// attributes with defaults hidden unless asked for, and its inputs and
// outputs under the schema's port names. Clicking an input or output asks
// the window to go there; clicking weights asks for the tensor view.
//
// Editing (when the window allows it, for the main graph): double-click or
// F2 on an attribute value, on the node's name, on a value's name (its title,
// or F2 in the port tables) and on a graph input's shape opens an inline
// editor; Enter asks the window for the change, which applies it as a
// command and shows the panel again.
class NodePropertiesPanel : public QWidget {
    Q_OBJECT
public:
    // Set on attribute-table cells whose value is the schema's default
    // (shown only with "Show defaults"), and on unset attributes' rows.
    static constexpr int DefaultRole = Qt::UserRole + 1;
    // The full text an inline editor starts from (the table shows long lists shortened).
    static constexpr int EditTextRole = Qt::UserRole + 2;

    // What may be edited, and where: edit commands find nodes and values of
    // the main graph by name, so only those are offered.
    struct Editing {
        const Graph* graph = nullptr;
        bool names = false;
        bool attributes = false;
        bool inputShapes = false;
    };

    explicit NodePropertiesPanel(QWidget* parent = nullptr);

    // The panel reads `node` until the next setNode/showValue/clear; the
    // caller keeps the graph alive that long. `opsetVersion` is the model's
    // opset for the node's domain: it picks the op version whose docs,
    // defaults and port names apply.
    void setNode(const Node* node, std::int64_t opsetVersion);
    // The op set of the open model's format (ONNX's until set).
    void setMetadata(const OpMetadata& metadata) { metadata_ = &metadata; }
    void showValue(const Value* value);
    void clear();

    bool showDefaults() const;
    void setShowDefaults(bool show);

    // Applies to what is shown now and to what is shown next.
    void setEditing(const Editing& editing);
    // What is shown: a node or a value (0 when not), and its graph.
    Id shownNode() const;
    Id shownValue() const { return shownValue_; }
    const Graph* shownGraph() const { return shownGraph_; }

    // Opens the inline editor on an attribute's value (as F2 there does);
    // false when that attribute is not shown or not editable.
    bool editAttribute(const QString& name);
    // "1,3,224,224", "[batch, 3, ?]": sizes, symbols and "?" for unknown.
    // nullopt with `error` set when the text is not a shape.
    static std::optional<std::vector<Dim>> parseDims(const QString& text, QString* error = nullptr);

    EditableLabel* nameLabel() const { return name_; }
    EditableLabel* titleLabel() const { return title_; }
    EditableLabel* shapeLabel() const { return shape_; }

    QTableWidget* attributesTable() const { return attributes_; }
    QTableWidget* inputsTable() const { return inputs_; }
    QTableWidget* outputsTable() const { return outputs_; }
    QTextBrowser* documentation() const { return docs_; }
    QString titleText() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

signals:
    void valueActivated(nodus::Id valueId);
    void nodeActivated(nodus::Id nodeId);
    void tensorActivated(std::shared_ptr<nodus::Tensor> tensor);

    // Edit requests, by name (as the commands take them).
    void renameNodeRequested(const QString& node, const QString& newName);
    void renameValueRequested(const QString& value, const QString& newName);
    void attributeEditRequested(const QString& node, const QString& attribute, const QString& text);
    void attributeRemoveRequested(const QString& node, const QString& attribute);
    void attributeAddRequested(const QString& node);
    void inputShapeEditRequested(const QString& input, const QString& dims);

private:
    // What a click on a row of the port tables leads to.
    struct Target {
        enum Kind { None, ToValue, ToNode, ToTensor } kind = None;
        Id id = 0;
        std::shared_ptr<Tensor> tensor;
    };

    void fillAttributes();
    void fillPorts(QTableWidget* table, const std::vector<Value*>& values, bool inputs);
    void addPortRow(QTableWidget* table, const QString& port, const QString& name, const QString& type,
        const QString& tip, Target target);
    void activate(QTableWidget* table, int row);
    void setDocsExpanded(bool expanded);
    void fitDocsHeight();
    void showContent(bool show);
    void updateEditability();
    bool canEditAttributes() const;
    bool isEditableAttributeRow(int row) const;
    bool isEditableValueRow(QTableWidget* table, int row) const;
    void showAttributeMenu(const QPoint& pos);
    void showPortMenu(QTableWidget* table, const QPoint& pos);
    void onCellEdited(QTableWidget* table, int row, const QString& text);

    const Node* node_ = nullptr;
    Id shownValue_ = 0;
    const Graph* shownGraph_ = nullptr;
    // The shown value's name and whether it is a graph input (for edits).
    QString valueName_;
    bool valueIsInput_ = false;
    Editing editing_;
    const OpInfo* op_ = nullptr;
    const OpMetadata* metadata_ = &OpMetadata::onnx();
    bool docsExpanded_ = false;

    QLabel* placeholder_;
    QWidget* scroll_ = nullptr;
    QWidget* content_;
    EditableLabel* title_;
    EditableLabel* name_;
    QLabel* subtitle_;
    QWidget* shapeRow_;
    EditableLabel* shape_;
    QToolButton* docsToggle_;
    QTextBrowser* docs_;
    QWidget* attributesSection_;
    QCheckBox* showDefaults_;
    QTableWidget* attributes_;
    QLabel* inputsLabel_;
    QTableWidget* inputs_;
    QLabel* outputsLabel_;
    QTableWidget* outputs_;
    std::vector<Target> inputTargets_;
    std::vector<Target> outputTargets_;
    std::vector<Target> attributeTargets_;
    // Value names of the port rows (empty for omitted inputs), for renames.
    std::vector<QString> inputNames_;
    std::vector<QString> outputNames_;
};

} // namespace nodus

Q_DECLARE_METATYPE(std::shared_ptr<nodus::Tensor>)

#pragma once

#include "ir/opmetadata.h"

#include "ir/id.h"

#include <QWidget>

#include <cstdint>
#include <memory>
#include <vector>

class QCheckBox;
class QLabel;
class QTableWidget;
class QTextBrowser;
class QToolButton;

namespace nodus {

class Node;
class Tensor;
class Value;
struct OpInfo;

// What one node (or one edge) is: op type, the op's documentation, its
// attributes with defaults hidden unless asked for, and its inputs and
// outputs under the schema's port names. Clicking an input or output asks
// the window to go there; clicking weights asks for the tensor view.
class NodePropertiesPanel : public QWidget {
    Q_OBJECT
public:
    // Set on attribute-table cells whose value is the schema's default
    // (shown only with "Show defaults"), and on unset attributes' rows.
    static constexpr int DefaultRole = Qt::UserRole + 1;

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

    const Node* node_ = nullptr;
    const OpInfo* op_ = nullptr;
    const OpMetadata* metadata_ = &OpMetadata::onnx();
    bool docsExpanded_ = false;

    QLabel* placeholder_;
    QWidget* scroll_ = nullptr;
    QWidget* content_;
    QLabel* title_;
    QLabel* subtitle_;
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
};

} // namespace nodus

Q_DECLARE_METATYPE(std::shared_ptr<nodus::Tensor>)

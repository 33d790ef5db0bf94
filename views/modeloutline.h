#pragma once

#include <QTreeView>

#include <memory>

namespace nodus {

class Model;
class ModelOutlineModel;

// The model as a tree: graph inputs and outputs, every node with its edges
// and attributes, and the stored tensors. Backed by ModelOutlineModel so
// large graphs cost no widgets per node.
class ModelOutline : public QTreeView {
    Q_OBJECT
public:
    explicit ModelOutline(QWidget* parent = nullptr);

    void showModel(std::shared_ptr<const Model> model);
    void clear();

    ModelOutlineModel* outlineModel() const { return model_; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    ModelOutlineModel* model_;
};

} // namespace nodus

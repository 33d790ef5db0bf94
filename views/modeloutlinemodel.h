#pragma once

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace nodus {

class Model;
class Node;
class Tensor;
class Value;

// The tree behind ModelOutline: Inputs, Outputs, Nodes and Tensors of a
// model's main graph. Rows are computed from the IR on demand and nothing is
// copied per node, so a 20,000-node graph costs a few vectors of pointers.
class ModelOutlineModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Group { Inputs, Outputs, Nodes, Tensors, GroupCount };
    enum Column { NameColumn, TypeColumn, DetailColumn, ColumnCount };
    enum Role {
        // The ir::Id of the node, value or tensor a row stands for (0 for
        // group rows and attributes), so other views can select by identity.
        IdRole = Qt::UserRole + 1,
    };

    explicit ModelOutlineModel(QObject* parent = nullptr);
    ~ModelOutlineModel() override;

    // Shares ownership so the IR outlives every index handed out.
    void setModel(std::shared_ptr<const Model> model);
    const std::shared_ptr<const Model>& model() const { return model_; }

    QModelIndex groupIndex(Group group) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int groupSize(Group group) const;
    QVariant groupData(Group group, int column, int role) const;
    QVariant valueData(const Value* value, int column, int role) const;
    QVariant nodeData(int row, int column, int role) const;
    QVariant tensorData(const Tensor& tensor, int column, int role) const;
    QVariant nodeChildData(int nodeRow, int childRow, int column, int role) const;

    std::shared_ptr<const Model> model_;
    // Graph::realInputs() builds a vector; keep one instead of one per call.
    std::vector<Value*> inputs_;
};

} // namespace nodus

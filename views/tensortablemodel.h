#pragma once

#include "ir/datatype.h"

#include <QAbstractTableModel>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace nodus {

class Tensor;
class TensorData;

// A 2-D slice of a stored tensor as a table: the last two dims are rows and
// columns, the leading dims are fixed by setLeadingIndex(); a 1-D tensor is
// one column and a scalar one cell. Cells are formatted only when a view
// asks for them, so a 64M-element tensor costs nothing until scrolled.
// Slices larger than kMaxRows x kMaxColumns are shown a window at a time
// (setWindow), because QHeaderView keeps per-section state and pixel
// offsets in int.
//
// When editable, a cell edit does not change the tensor: it asks for the
// change (elementEdited) and the document applies it as an undoable edit,
// then calls refresh().
class TensorTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr std::int64_t kMaxRows = 1 << 20;
    static constexpr std::int64_t kMaxColumns = 1 << 14;

    explicit TensorTableModel(QObject* parent = nullptr);
    ~TensorTableModel() override;

    // Reads the bytes' location right away (a decode for lazily decoded
    // data) and element values only as cells are shown. A tensor whose bytes
    // are missing or short shows no cells and sets errorText().
    void setTensor(std::shared_ptr<const Tensor> tensor);
    const std::shared_ptr<const Tensor>& tensor() const { return tensor_; }
    QString errorText() const { return error_; }
    // Reads the tensor's data again after an edit, keeping the slice and
    // window shown (a new type or shape starts over, as setTensor does).
    void refresh();

    // Cells of dense tensors become editable.
    void setEditable(bool editable);
    bool isEditable() const;

    // One index per leading dim (rank - 2 of them); out-of-range indices are
    // clamped.
    void setLeadingIndex(std::vector<std::int64_t> index);
    const std::vector<std::int64_t>& leadingIndex() const { return leading_; }
    std::size_t leadingDims() const;

    // The slice's full extent, and the window of it the table shows.
    std::int64_t sliceRows() const { return sliceRows_; }
    std::int64_t sliceColumns() const { return sliceColumns_; }
    void setWindow(std::int64_t firstRow, std::int64_t firstColumn);
    std::int64_t firstRow() const { return firstRow_; }
    std::int64_t firstColumn() const { return firstColumn_; }

    // Position of a cell in the tensor's flat (row-major) element order.
    std::uint64_t flatIndex(int row, int column) const;
    QString cellText(int row, int column) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Emits elementEdited for a changed text and returns false: the tensor
    // changes only when the edit is applied.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

signals:
    void elementEdited(std::uint64_t flatIndex, const QString& text);

private:
    void readData();
    void updateExtent();
    void prepareSparse();
    std::string elementTextAt(std::uint64_t flat) const;

    std::shared_ptr<const Tensor> tensor_;
    QString error_;
    // bytes_ points into data_: held here, because an edit may give the
    // tensor new data while this model still shows the old.
    std::shared_ptr<const TensorData> data_;
    std::span<const std::byte> bytes_;
    std::vector<std::int64_t> leading_;
    std::int64_t sliceRows_ = 0;
    std::int64_t sliceColumns_ = 0;
    std::int64_t firstRow_ = 0;
    std::int64_t firstColumn_ = 0;
    std::uint64_t sliceBase_ = 0;
    bool editable_ = false;
    DataType shownType_ = DataType::Undefined;
    std::vector<std::int64_t> shownDims_;
    // Sparse tensors: (flat index, position in the values tensor), sorted.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> sparseIndex_;
};

} // namespace nodus

#include "tensortablemodel.h"

#include "ir/tensor.h"
#include "ir/tensorvalues.h"
#include "util/error.h"

#include <QLocale>

#include <algorithm>
#include <array>
#include <cstring>

namespace nodus {

namespace {

const Tensor& storedPart(const Tensor& t)
{
    return t.isSparse() && t.sparse->values ? *t.sparse->values : t;
}

QString displayString(const std::string& s)
{
    // One line per cell: control characters would break the row.
    QString out = QString::fromStdString(s);
    out.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    out.replace(QLatin1Char('\t'), QStringLiteral("\\t"));
    out.replace(QLatin1Char('\r'), QStringLiteral("\\r"));
    return out;
}

std::int64_t readIndex(const Tensor& indices, std::span<const std::byte> bytes, std::uint64_t k)
{
    if (indices.dataType == DataType::Int64) {
        std::int64_t v;
        std::memcpy(&v, bytes.data() + k * 8, 8);
        return v;
    }
    return static_cast<std::int64_t>(elementAsDouble(indices.dataType, bytes, k));
}

} // namespace

TensorTableModel::TensorTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

TensorTableModel::~TensorTableModel() = default;

std::size_t TensorTableModel::leadingDims() const
{
    return tensor_ && tensor_->dims.size() > 2 ? tensor_->dims.size() - 2 : 0;
}

void TensorTableModel::setTensor(std::shared_ptr<const Tensor> tensor)
{
    beginResetModel();
    tensor_ = std::move(tensor);
    firstRow_ = 0;
    firstColumn_ = 0;
    leading_.assign(leadingDims(), 0);
    readData();
    updateExtent();
    endResetModel();
}

void TensorTableModel::refresh()
{
    if (!tensor_)
        return;
    if (tensor_->dataType != shownType_ || tensor_->dims != shownDims_) {
        setTensor(tensor_);
        return;
    }
    const bool hadError = !error_.isEmpty();
    readData();
    if (hadError || !error_.isEmpty()) {
        beginResetModel();
        updateExtent();
        endResetModel();
        return;
    }
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

void TensorTableModel::readData()
{
    error_.clear();
    bytes_ = {};
    data_.reset();
    sparseIndex_.clear();
    shownType_ = tensor_ ? tensor_->dataType : DataType::Undefined;
    shownDims_ = tensor_ ? tensor_->dims : std::vector<std::int64_t> {};
    if (!tensor_)
        return;
    try {
        const Tensor& stored = storedPart(*tensor_);
        const auto count = stored.elementCount();
        if (!count)
            throw Error("the shape is invalid or too large");
        if (stored.dataType == DataType::String) {
            if (stored.strings.size() < *count)
                throw Error("it holds " + std::to_string(stored.strings.size()) + " strings but its shape needs "
                    + std::to_string(*count));
        } else if (*count > 0) {
            if (!stored.data)
                throw Error("its values are not loaded");
            const auto needed = storageBytes(stored.dataType, *count);
            if (!needed)
                throw Error("element type " + std::string(dataTypeName(stored.dataType)) + " cannot be shown");
            data_ = stored.data;
            bytes_ = data_->bytes();
            if (bytes_.size() < *needed)
                throw Error("it holds " + std::to_string(bytes_.size()) + " bytes but its shape needs "
                    + std::to_string(*needed));
        }
        if (tensor_->isSparse())
            prepareSparse();
    } catch (const std::exception& e) {
        error_ = tr("Cannot show the values: %1").arg(QString::fromUtf8(e.what()));
        bytes_ = {};
    }
}

void TensorTableModel::setEditable(bool editable)
{
    editable_ = editable;
}

bool TensorTableModel::isEditable() const
{
    return editable_ && tensor_ && !tensor_->isSparse() && error_.isEmpty();
}

void TensorTableModel::prepareSparse()
{
    const Tensor& t = *tensor_;
    const auto& indices = t.sparse->indices;
    const auto nnz = storedPart(t).elementCount().value_or(0);
    if (!indices || !indices->data)
        throw Error("the sparse tensor has no indices");
    const auto idxBytes = indices->data->bytes();
    const auto idxCount = indices->elementCount().value_or(0);
    if (idxBytes.size() < storageBytes(indices->dataType, idxCount).value_or(~std::uint64_t(0)))
        throw Error("the sparse tensor's indices are short");
    const std::size_t rank = t.dims.size();
    // ONNX allows linear indices [NNZ] or coordinates [NNZ, rank].
    const bool coordinates = indices->dims.size() == 2;
    if ((coordinates && idxCount != nnz * rank) || (!coordinates && idxCount != nnz))
        throw Error("the sparse tensor's indices do not match its values");
    const auto dense = t.elementCount().value_or(0);
    sparseIndex_.reserve(nnz);
    for (std::uint64_t k = 0; k < nnz; ++k) {
        std::uint64_t flat = 0;
        if (coordinates) {
            for (std::size_t d = 0; d < rank; ++d) {
                const std::int64_t c = readIndex(*indices, idxBytes, k * rank + d);
                if (c < 0 || c >= t.dims[d])
                    throw Error("a sparse index lies outside the shape");
                flat = flat * std::uint64_t(t.dims[d]) + std::uint64_t(c);
            }
        } else {
            const std::int64_t c = readIndex(*indices, idxBytes, k);
            if (c < 0 || std::uint64_t(c) >= dense)
                throw Error("a sparse index lies outside the shape");
            flat = std::uint64_t(c);
        }
        sparseIndex_.emplace_back(flat, k);
    }
    std::sort(sparseIndex_.begin(), sparseIndex_.end());
}

void TensorTableModel::updateExtent()
{
    sliceRows_ = sliceColumns_ = 0;
    sliceBase_ = 0;
    if (!tensor_ || !error_.isEmpty())
        return;
    const auto& dims = tensor_->dims;
    const std::size_t rank = dims.size();
    if (rank == 0) {
        sliceRows_ = sliceColumns_ = 1;
    } else if (rank == 1) {
        sliceRows_ = dims[0];
        sliceColumns_ = 1;
    } else {
        sliceRows_ = dims[rank - 2];
        sliceColumns_ = dims[rank - 1];
        // Row-major: the leading indices pick one rows x columns block.
        std::uint64_t base = 0;
        for (std::size_t d = 0; d + 2 < rank; ++d)
            base = base * std::uint64_t(dims[d]) + std::uint64_t(leading_[d]);
        sliceBase_ = base * std::uint64_t(sliceRows_) * std::uint64_t(sliceColumns_);
    }
}

void TensorTableModel::setLeadingIndex(std::vector<std::int64_t> index)
{
    index.resize(leadingDims(), 0);
    for (std::size_t d = 0; d < index.size(); ++d)
        index[d] = std::clamp<std::int64_t>(index[d], 0, std::max<std::int64_t>(0, tensor_->dims[d] - 1));
    if (index == leading_)
        return;
    leading_ = std::move(index);
    updateExtent();
    // Same extent, new values: no reset, so the scroll position stays.
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(this->index(0, 0), this->index(rowCount() - 1, columnCount() - 1));
}

void TensorTableModel::setWindow(std::int64_t firstRow, std::int64_t firstColumn)
{
    firstRow = std::clamp<std::int64_t>(firstRow, 0, std::max<std::int64_t>(0, sliceRows_ - 1));
    firstColumn = std::clamp<std::int64_t>(firstColumn, 0, std::max<std::int64_t>(0, sliceColumns_ - 1));
    if (firstRow == firstRow_ && firstColumn == firstColumn_)
        return;
    beginResetModel();
    firstRow_ = firstRow;
    firstColumn_ = firstColumn;
    endResetModel();
}

int TensorTableModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return int(std::clamp<std::int64_t>(sliceRows_ - firstRow_, 0, kMaxRows));
}

int TensorTableModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return int(std::clamp<std::int64_t>(sliceColumns_ - firstColumn_, 0, kMaxColumns));
}

std::uint64_t TensorTableModel::flatIndex(int row, int column) const
{
    return sliceBase_ + std::uint64_t(firstRow_ + row) * std::uint64_t(sliceColumns_)
        + std::uint64_t(firstColumn_ + column);
}

std::string TensorTableModel::elementTextAt(std::uint64_t flat) const
{
    const Tensor& stored = storedPart(*tensor_);
    std::uint64_t at = flat;
    if (tensor_->isSparse()) {
        const auto it
            = std::lower_bound(sparseIndex_.begin(), sparseIndex_.end(), std::make_pair(flat, std::uint64_t(0)));
        if (it == sparseIndex_.end() || it->first != flat) {
            if (stored.dataType == DataType::String)
                return {};
            static const std::array<std::byte, 16> zero {};
            return elementText(stored.dataType, zero, 0);
        }
        at = it->second;
    }
    if (stored.dataType == DataType::String)
        return stored.strings[at];
    return elementText(stored.dataType, bytes_, at);
}

QString TensorTableModel::cellText(int row, int column) const
{
    if (!tensor_ || row < 0 || column < 0 || row >= rowCount() || column >= columnCount())
        return {};
    try {
        return displayString(elementTextAt(flatIndex(row, column)));
    } catch (const std::exception&) {
        // A page that cannot be read (file truncated underneath us) must not
        // take the window down with it.
        return QStringLiteral("?");
    }
}

QVariant TensorTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !tensor_)
        return {};
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        return cellText(index.row(), index.column());
    case Qt::TextAlignmentRole:
        return storedPart(*tensor_).dataType == DataType::String ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                 : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole: {
        // The full coordinates of the cell, as numpy would index it.
        QStringList coords;
        for (auto i : leading_)
            coords << QString::number(i);
        const std::size_t rank = tensor_->dims.size();
        if (rank >= 1)
            coords << QString::number(firstRow_ + index.row());
        if (rank >= 2)
            coords << QString::number(firstColumn_ + index.column());
        return QStringLiteral("[%1] = %2").arg(coords.join(QLatin1Char(',')), cellText(index.row(), index.column()));
    }
    default:
        break;
    }
    return {};
}

Qt::ItemFlags TensorTableModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && isEditable())
        f |= Qt::ItemIsEditable;
    return f;
}

bool TensorTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || !isEditable())
        return false;
    const QString text = value.toString().trimmed();
    if (text == cellText(index.row(), index.column()))
        return false;
    emit elementEdited(flatIndex(index.row(), index.column()), text);
    return false;
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    const std::int64_t first = orientation == Qt::Vertical ? firstRow_ : firstColumn_;
    return QString::number(first + section);
}

} // namespace nodus

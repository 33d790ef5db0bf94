#pragma once

#include "ir/tensorstatistics.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <memory>

class QFormLayout;
class QHBoxLayout;
class QLabel;
class QSpinBox;
class QTableView;

namespace nodus {

class HistogramWidget;
class Tensor;
class TensorTableModel;

// One stored tensor: what it is and where its bytes are, its values as a
// 2-D slice, and statistics with a histogram computed off the GUI thread
// (a new tensor cancels the computation for the previous one).
class TensorView : public QWidget {
    Q_OBJECT
public:
    explicit TensorView(QWidget* parent = nullptr);
    ~TensorView() override;

    void setTensor(std::shared_ptr<const Tensor> tensor);
    void clear();
    const std::shared_ptr<const Tensor>& tensor() const;

    // The text of a fact ("Type", "Shape", "Size", "Storage") or of a
    // statistic ("Min", "Max", "Mean", "Std", "Zeros", "NaN", "Inf").
    QString fieldText(const QString& field) const;
    // "Computing…", an error, or empty once statistics are shown.
    QString statisticsStatus() const;
    bool hasStatistics() const { return hasStatistics_; }
    const TensorStatistics& statistics() const { return statistics_; }

    TensorTableModel* tableModel() const { return model_; }
    QTableView* table() const { return table_; }
    HistogramWidget* histogram() const { return histogram_; }

signals:
    void statisticsReady();

private:
    struct Result {
        TensorStatistics stats;
        QString error;
        quint64 generation = 0;
    };

    void rebuildSliceBar();
    void applySlice();
    void startStatistics();
    void showStatistics();
    void setField(const QString& field, const QString& text);
    void copySelection();

    QLabel* placeholder_;
    QWidget* content_;
    QLabel* title_;
    QFormLayout* facts_;
    QWidget* sliceBar_;
    QHBoxLayout* sliceLayout_;
    std::vector<QSpinBox*> indexSpins_;
    QSpinBox* rowPage_ = nullptr;
    QSpinBox* columnPage_ = nullptr;
    QLabel* windowLabel_ = nullptr;
    TensorTableModel* model_;
    QTableView* table_;
    QLabel* statsStatus_;
    QWidget* statsBox_;
    QFormLayout* statsForm_;
    HistogramWidget* histogram_;

    QFutureWatcher<Result> watcher_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    quint64 generation_ = 0;
    bool hasStatistics_ = false;
    TensorStatistics statistics_;
};

} // namespace nodus

#pragma once

#include "edit/commands.h"
#include "ir/tensorstatistics.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

class QAction;
class QComboBox;
class QFormLayout;
class QHBoxLayout;
class QLabel;
class QMimeData;
class QTemporaryDir;
class QSpinBox;
class QTableView;

namespace nodus {

class Graph;
class HistogramWidget;
class Tensor;
class TensorTableModel;

// Element texts by flat (row-major) index, as setTensorElements takes them.
using ElementEdits = std::vector<std::pair<std::uint64_t, std::string>>;

// One stored tensor: what it is and where its bytes are, its values as a
// 2-D slice, and statistics with a histogram computed off the GUI thread
// (a new tensor cancels the computation for the previous one).
//
// As an editor it never changes the tensor itself: typing into a cell,
// pasting a block, and the Fill/Scale/Add/Zero/Cast/Import/Export actions
// are requests the window turns into undoable edit commands, after which it
// calls refresh().
class TensorView : public QWidget {
    Q_OBJECT
public:
    enum class Action { Fill, Scale, Add, Zero, Cast, Import, Export };
    Q_ENUM(Action)

    explicit TensorView(QWidget* parent = nullptr);
    ~TensorView() override;

    void setTensor(std::shared_ptr<const Tensor> tensor);
    void clear();
    const std::shared_ptr<const Tensor>& tensor() const;
    // Shows the tensor's new values (and type) after an edit, keeping the
    // slice, the window and the selection.
    void refresh();

    // Whether the shown tensor's values, and its element type, may be edited.
    void setEditable(bool values, bool type);
    bool isEditable() const;
    // What Fill/Scale/Add/Zero apply to: the whole tensor, or (for N-D
    // tensors, when chosen) the 2-D slice on screen.
    TensorSlice editScope() const;
    // "the whole tensor" or "slice [1,0,:,:]".
    QString editScopeText() const;
    void setSliceScope(bool sliceOnly);
    // A line under the table (quantization parameters); empty hides it.
    void setNote(const QString& text);
    QString noteText() const;
    // For an integer tensor that a DequantizeLinear reads (or a
    // QuantizeLinear writes) in `graph`: its scale and zero point.
    static QString quantizationText(const Graph& graph, const Tensor& tensor);

    // Pastes the clipboard's rows (newline-separated) and columns (tabs or
    // spaces) from the current cell onwards, as one request.
    void paste();
    QAction* action(Action action) const;

    // The text of a fact ("Type", "Shape", "Size", "Storage") or of a
    // statistic ("Min", "Max", "Mean", "Std", "Zeros", "NaN", "Inf").
    QString fieldText(const QString& field) const;
    // "Computing…", an error, or empty once statistics are shown.
    QString statisticsStatus() const;
    bool hasStatistics() const { return hasStatistics_; }
    const TensorStatistics& statistics() const { return statistics_; }

    // What dragging the tensor out carries: the tensor written as
    // "<name>.npy" in a temporary folder, as a file URL a file manager
    // copies. Null (with the reason in `error`) when it cannot be written.
    QMimeData* createDragData(QString* error = nullptr);
    QWidget* dragHandle() const { return dragHandle_; }

    TensorTableModel* tableModel() const { return model_; }
    QTableView* table() const { return table_; }
    HistogramWidget* histogram() const { return histogram_; }

signals:
    void statisticsReady();
    // setTensor() showed a tensor (the window then says whether it is editable).
    void tensorShown();
    void elementsEditRequested(const nodus::ElementEdits& edits);
    void actionRequested(nodus::TensorView::Action action);
    // A request that could not be made (a paste that does not fit).
    void editProblem(const QString& message);

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
    void showFacts();
    QString sliceText() const;
    void copySelection();
    void createEditActions();
    void updateEditActions();

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
    QWidget* editBar_ = nullptr;
    QWidget* dragHandle_ = nullptr;
    std::unique_ptr<QTemporaryDir> dragDir_;
    QComboBox* scope_ = nullptr;
    QLabel* note_ = nullptr;
    QAction* pasteAction_ = nullptr;
    std::vector<QAction*> actions_; // by Action
    bool valuesEditable_ = false;
    bool typeEditable_ = false;
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

#pragma once

#include "runinputs.h"

#include "ir/id.h"
#include "ir/tensorstatistics.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QWidget>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace nodus {

class GraphView;
class Model;
class Tensor;
class TensorView;

namespace rt {
class Session;
}

// Runs the open model on the Vulkan runtime (core/runtime) and shows what
// came out, as Netron users would ask of it: inputs made up (random,
// zeros, ones) or read (.npy, a picture), the outputs with statistics and
// a top-5 for classifiers, per-node device times as a table and as badges
// on the graph, and every intermediate tensor for the window to show when
// an edge is clicked.
//
// Runs go off the GUI thread; a run's session (weights uploaded, pipelines
// built) is kept for the next run until the model, device or options change.
class RunPanel : public QWidget {
    Q_OBJECT
public:
    // Columns of inputsTable().
    enum InputColumn { InputName, InputType, InputShape, InputSource, InputValue, InputColumns };
    // Columns of outputsTable(); numeric cells hold their number under ValueRole.
    enum OutputColumn { OutName, OutType, OutShape, OutMin, OutMax, OutMean, OutStd, OutNaN, OutInf, OutColumns };
    // Columns of timingTable().
    enum TimingColumn { TimeNode, TimeOp, TimeMs, TimeShare, TimingColumns };
    static constexpr int ValueRole = Qt::UserRole + 1;
    static constexpr int NodeIdRole = Qt::UserRole + 2;

    explicit RunPanel(QWidget* parent = nullptr);
    ~RunPanel() override;

    // The model to run (kept alive by the panel and its runs). A running
    // run is cancelled and its results are dropped.
    void setModel(std::shared_ptr<const Model> model);
    // The same model after an edit: inputs and ops are read again (the
    // choices made for inputs that are still there are kept), the prepared
    // session is dropped, and the results shown are marked as older.
    void modelEdited();
    void clear();
    std::shared_ptr<const Model> model() const { return model_; }

    // Where per-node times are painted, and where the timing table's rows lead.
    void setGraphView(GraphView* view);

    int inputCount() const { return static_cast<int>(inputs_.size()); }
    void setInputSource(int row, RunInputSpec::Source source, const QString& path = {});
    void setInputSeed(int row, int seed);
    // The dims as text ("1,3,224,224"); only inputs with open dims take it.
    void setInputDims(int row, const QString& text);
    // What the row feeds now; nullopt with `error` when the row's text is not usable.
    std::optional<RunInputSpec> inputSpec(int row, QString* error = nullptr) const;

    bool isRunning() const { return running_; }
    // Whether Run may be pressed: a model whose every op and input the runtime takes, a device, no run going.
    bool canRun() const;
    // "Op 'node': reason" per op the runtime cannot run; empty when all can.
    const QStringList& unsupported() const { return unsupported_; }

    bool hasResult() const { return result_ != nullptr; }
    // The last run's tensor of a value of the main graph: an input as fed,
    // an intermediate (when kept) or an output; null when there is none.
    std::shared_ptr<const Tensor> resultTensor(const std::string& valueName) const;
    // A line for the tensor view about where resultTensor() came from.
    QString resultNote() const;
    // The message of the last failed or cancelled run; empty after a good one.
    QString lastError() const { return lastError_; }
    // Writes every output as <name>.npy into `folder`; an error message, empty when all were written.
    QString saveOutputs(const QString& folder);

    QTableWidget* inputsTable() const { return inputsTable_; }
    QComboBox* deviceCombo() const { return device_; }
    QCheckBox* profileBox() const { return profile_; }
    QCheckBox* keepBox() const { return keep_; }
    QCheckBox* halfWeightsBox() const { return half_; }
    QPushButton* runButton() const { return runButton_; }
    QPushButton* cancelButton() const { return cancelButton_; }
    QProgressBar* progressBar() const { return progress_; }
    QLabel* statusLabel() const { return status_; }
    QListWidget* unsupportedList() const { return unsupportedList_; }
    QTableWidget* outputsTable() const { return outputsTable_; }
    QTableWidget* topTable() const { return topTable_; }
    QTableWidget* timingTable() const { return timingTable_; }
    QCheckBox* byOpTypeBox() const { return byOpType_; }
    QCheckBox* overlayBox() const { return overlay_; }
    TensorView* tensorView() const { return tensorView_; }
    QTabWidget* resultTabs() const { return tabs_; }

public slots:
    void run();
    void cancel();

signals:
    void runningChanged(bool running);
    // After every run, good or not; `message` says how it went.
    void runFinished(bool ok, const QString& message);

private:
    struct InputRow;
    struct Outcome;
    struct Progress;
    struct Result;

    void buildInputs(bool keepChoices);
    void addInputRow(InputRow row);
    void updateRowWidgets(int row);
    void checkOps();
    void fillDevices();
    void updateDeviceOptions();
    void updateRunState();
    void setRunning(bool running);
    void pollProgress();
    void onFinished();
    void showResult();
    void showOutput(int row);
    void showTop(const Tensor& tensor);
    void fillTimings();
    void applyAnnotations();
    void onTimingActivated(int row);
    void chooseFile(int row);
    void clearResults();

    std::shared_ptr<const Model> model_;
    QPointer<GraphView> graphView_;
    std::vector<std::unique_ptr<InputRow>> inputs_;
    QStringList unsupported_;
    QString inputProblem_; // an input the runtime cannot be fed (a sequence, a map)
    QString deviceProblem_;

    // The prepared session and what it was made for.
    std::shared_ptr<rt::Session> session_;
    QString sessionKey_;

    bool running_ = false;
    quint64 generation_ = 0; // bumped when the model changes: older runs are dropped
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::shared_ptr<Progress> progressState_;
    QFutureWatcher<std::shared_ptr<Outcome>> watcher_;
    QTimer* progressTimer_;

    std::shared_ptr<Result> result_;
    QString lastError_;
    bool resultStale_ = false;

    QComboBox* device_;
    QCheckBox* profile_;
    QCheckBox* keep_;
    QCheckBox* half_;
    QTableWidget* inputsTable_;
    QWidget* imageOptions_;
    QLineEdit* mean_;
    QLineEdit* std_;
    QWidget* unsupportedBox_;
    QLabel* unsupportedTitle_;
    QListWidget* unsupportedList_;
    QPushButton* runButton_;
    QPushButton* cancelButton_;
    QProgressBar* progress_;
    QLabel* status_;
    QTabWidget* tabs_;
    QTableWidget* outputsTable_;
    QPushButton* saveButton_;
    QWidget* topBox_;
    QLabel* topTitle_;
    QTableWidget* topTable_;
    TensorView* tensorView_;
    QLabel* timingSummary_;
    QCheckBox* byOpType_;
    QCheckBox* overlay_;
    QTableWidget* timingTable_;
};

} // namespace nodus

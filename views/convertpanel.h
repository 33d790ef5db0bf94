#pragma once

#include <QFuture>
#include <QStringList>
#include <QWidget>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QMimeData;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace nodus {

// Converts whole sets of files: dropped on its drop zone (or on the window's
// Convert target, or chosen with File > Convert Files...), each file, and the
// model files inside each folder, is written in the chosen format (ONNX, at
// an opset) into the chosen folder, one after another on a worker thread,
// with progress, Cancel and a result per file: converted (where to), or
// failed with the reason and the ops that have no mapping.
class ConvertPanel : public QWidget {
    Q_OBJECT
public:
    struct Result {
        QString source;
        QString output; // empty when it failed
        bool ok = false;
        QString message;
        QStringList unsupportedOps;
    };

    explicit ConvertPanel(QWidget* parent = nullptr);
    ~ConvertPanel() override;

    QString outputDir() const;
    void setOutputDir(const QString& dir);
    int opset() const;
    void setOpset(int opset);
    QString targetFormat() const; // registry short name
    void setPartial(bool keepUnmappedOps);

    // Converts with the current settings; while a batch runs, later ones
    // wait their turn.
    void convertPaths(const QStringList& paths);
    bool isRunning() const;
    void cancel();

    // The results of the batches since the list was last cleared.
    const QList<Result>& results() const { return results_; }
    void clearResults();
    // Where drops are taken (tests drop on it).
    QWidget* dropZone() const { return dropZone_; }
    // "Convert to ONNX (opset 17) into ~/Converted models", for drop targets.
    QString targetText() const;
    static bool acceptsDrop(const QMimeData* mime);
    static QStringList localPaths(const QMimeData* mime);

signals:
    void batchFinished(int converted, int failed);
    // A result row was activated: open the converted file (or the source).
    void openRequested(const QStringList& files);

private:
    void startNext();
    void addResult(const Result& r);
    void onBatchDone(bool cancelled);
    void chooseOutputDir();
    void updateState();

    QComboBox* format_;
    QSpinBox* opset_;
    QCheckBox* partial_;
    QCheckBox* external_;
    QLineEdit* outputDir_;
    QWidget* dropZone_;
    QLabel* status_;
    QProgressBar* progress_;
    QPushButton* cancel_;
    QTreeWidget* list_;
    QLabel* details_;
    QList<Result> results_;
    QList<QStringList> pending_;
    struct Job;
    std::shared_ptr<Job> job_;
    QFuture<void> future_;
};

} // namespace nodus

#pragma once

#include <QMainWindow>

#include <functional>
#include <memory>

class QLabel;
class QMenu;
class QProgressBar;
class QDockWidget;
class QTemporaryDir;
class QTimer;

namespace nodus {

class FindPanel;
class GraphView;
class Model;
class ModelLoader;
class ModelOutline;
class ModelPropertiesPanel;
class NodePropertiesPanel;
class TensorView;
struct SearchHit;

// The application window: one open model at a time, shown as an outline
// with its properties in a dock. Files open on a worker thread; a file that
// fails to open is reported and leaves the current model in place. Loading
// weights modifies the open model (isWindowModified()); closing it, or
// opening another, first asks whether to save.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class SaveChoice { Save, Discard, Cancel };
    // Asked before unsaved changes would be lost; gets the file's name.
    using SavePrompt = std::function<SaveChoice(const QString& fileName)>;

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    std::shared_ptr<const Model> model() const { return model_; }
    // The file as the user named it (for the sample: its temporary copy).
    QString currentFile() const { return currentFile_; }
    // The message of the most recent failed open; empty when none failed.
    QString lastError() const { return lastError_; }
    // The message of the most recent failed save or weights load; empty when none failed.
    QString lastFileError() const { return lastFileError_; }
    bool isLoading() const;

    // Replaces the Save / Discard / Cancel message box (tests answer without a dialog).
    void setSavePrompt(SavePrompt prompt);

    ModelOutline* outline() const { return outline_; }
    ModelPropertiesPanel* propertiesPanel() const { return properties_; }
    GraphView* graphView() const { return graphView_; }
    NodePropertiesPanel* nodePanel() const { return nodePanel_; }
    TensorView* tensorView() const { return tensorView_; }
    FindPanel* findPanel() const { return findPanel_; }
    // Writes the current graph view as PNG or SVG (by extension); returns
    // an error message, empty on success.
    QString exportImage(const QString& path, double scale = 1.0);

public slots:
    void openFile(const QString& path);
    // Opens an encrypted model with its key (hex digits or the key's text).
    void openFileWithKey(const QString& path, const QString& key);
    // The model built into the binary, so a first start shows something.
    void openSample();
    // Asks first when there are unsaved changes; false when the user cancelled.
    bool closeModel();

    // Writes the model back to its file in its own format; the built-in
    // sample and read-only formats go through Save As. False when nothing was saved.
    bool save();
    // Writes the model to `path` as `formatName` (a registry short name;
    // empty: by the extension, the model's own format first). In the model's
    // own format the window then shows the new file; in another format it
    // is an export and the window keeps its file. Errors are shown.
    bool saveAs(const QString& path, const QString& formatName = {});
    // Loads the stored tensors of `path` (any readable model or checkpoint)
    // into the open model by name and shows what matched in a dialog
    // ("weightsReport"). True when tensors were replaced.
    bool loadWeights(const QString& path);

signals:
    void modelOpened(const QString& path);
    void openFailed(const QString& path, const QString& message);
    void keyRequested(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createDocks();
    void createViewMenu(QMenu* view);
    void applyTheme(const QString& theme);
    void showExportDialog();
    void showFind();
    void onHit(const SearchHit& hit);
    void onLayoutStarted();
    void onLayoutFinished(double seconds, bool cancelled, const QString& error);
    void createMenus();
    void showOpenDialog();
    bool showSaveAsDialog();
    void showLoadWeightsDialog();
    // True when the current document may be replaced or closed: nothing is
    // unsaved, or the user saved or discarded it.
    bool maybeSave();
    void showFileError(const QString& title, const QString& message);
    void refreshTensorViews();
    void fillRecentMenu();
    void showAbout();
    void onLoaded(const QString& path, std::shared_ptr<Model> model, double seconds);
    void onFailed(const QString& path, const QString& message);
    void askForKey(const QString& path, const QString& message);
    void setBusy(bool busy, const QString& message = {});
    void updateTitle();
    bool isSample(const QString& path) const;

    ModelLoader* loader_;
    GraphView* graphView_;
    ModelOutline* outline_;
    ModelPropertiesPanel* properties_;
    NodePropertiesPanel* nodePanel_;
    TensorView* tensorView_;
    FindPanel* findPanel_;
    QDockWidget* findDock_ = nullptr;
    QDockWidget* nodeDock_ = nullptr;
    QDockWidget* tensorDock_ = nullptr;
    QProgressBar* layoutBar_ = nullptr;
    QWidget* layoutCancel_ = nullptr;
    QTimer* layoutShowTimer_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QAction* closeAction_ = nullptr;
    QAction* saveAction_ = nullptr;
    QAction* saveAsAction_ = nullptr;
    QAction* loadWeightsAction_ = nullptr;
    QProgressBar* busyBar_ = nullptr;

    // Not const: loading weights edits it in place.
    std::shared_ptr<Model> model_;
    QString currentFile_;
    QString lastError_;
    QString lastFileError_;
    SavePrompt savePrompt_;
    // Readers want a real path, so the built-in sample is copied out; the
    // copy lives as long as the window may still have it open.
    std::unique_ptr<QTemporaryDir> sampleDir_;
};

} // namespace nodus

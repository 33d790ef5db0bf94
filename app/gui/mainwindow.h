#pragma once

#include "fieldsdialog.h"

#include "edit/commands.h"

#include <QMainWindow>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QLabel;
class QMenu;
class QProgressBar;
class QDockWidget;
class QTemporaryDir;
class QTimer;
class QUndoStack;

namespace nodus {

class ConvertPanel;
class DropOverlay;
class FindPanel;
class GraphView;
class Model;
class ModelLoader;
class ModelOutline;
class ModelPropertiesPanel;
class NodePropertiesPanel;
class RunPanel;
class Tensor;
class TensorView;
struct SearchHit;

// The application window: one open model at a time, shown as an outline
// with its properties in a dock. Files open on a worker thread; a file that
// fails to open is reported and leaves the current model in place.
//
// Every change to the open model (an edit asked for by a panel, the graph
// view's F2 and Delete, Load Weights) is a core/edit command run through
// runEdit(): applied first, refused edits shown and never pushed, applied
// ones pushed onto the document's QUndoStack, then shown by modelEdited().
// The window is modified while the stack is away from its clean state;
// closing the model, or opening another, first asks whether to save.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class SaveChoice { Save, Discard, Cancel };
    // Asked before unsaved changes would be lost; gets the file's name.
    using SavePrompt = std::function<SaveChoice(const QString& fileName)>;
    enum class DeleteChoice { Bypass, WithInputs, Cancel };
    // Asked before a node is deleted; gets the node's name.
    using DeletePrompt = std::function<DeleteChoice(const QString& nodeName)>;
    // Asks for values (a new name, a Fill value, an attribute's name and
    // value); nullopt when cancelled.
    using InputPrompt = std::function<std::optional<QStringList>(
        const QString& title, const std::vector<FieldsDialog::Field>& fields)>;

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
    // Replace the Delete Node question and the value dialogs, likewise.
    void setDeletePrompt(DeletePrompt prompt);
    void setInputPrompt(InputPrompt prompt);

    // The open document's edits.
    QUndoStack* undoStack() const { return undoStack_; }
    // Applies `command` to the open model as one undo step and shows the
    // change. A refusal (or any error) is shown, naming what was refused,
    // and changes nothing. True when applied.
    bool runEdit(EditCommandPtr command, EditKind kind);
    // The message of the most recent refused edit; empty when none was.
    QString lastEditError() const { return lastEditError_; }

    ModelOutline* outline() const { return outline_; }
    ModelPropertiesPanel* propertiesPanel() const { return properties_; }
    GraphView* graphView() const { return graphView_; }
    NodePropertiesPanel* nodePanel() const { return nodePanel_; }
    TensorView* tensorView() const { return tensorView_; }
    FindPanel* findPanel() const { return findPanel_; }
    RunPanel* runPanel() const { return runPanel_; }
    ConvertPanel* convertPanel() const { return convertPanel_; }
    QDockWidget* convertDock() const { return convertDock_; }
    DropOverlay* dropOverlay() const { return dropOverlay_; }
    // True while the window shows nothing worth keeping: no model, or the
    // untouched sample. Files opened from elsewhere reuse such a window.
    bool isBlank() const;

    // File > Export > ONNX: what the dialog asks.
    struct OnnxExportChoice {
        int opset = 17; // ignored for ONNX models, which keep theirs
        bool externalData = false;
        bool inferShapes = true;
        bool keepUnmappedOps = false;
    };
    // Writes the open model as ONNX to `path` (converting other formats);
    // the window keeps its file. Errors are shown; the message of the last
    // one is lastFileError(). True when written.
    bool exportOnnx(const QString& path, const OnnxExportChoice& choice);
    // File > Export > Weights: the stored tensors as .safetensors or .npz.
    bool exportWeights(const QString& path);
    QDockWidget* runDock() const { return runDock_; }
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

    // F2 and Delete on the graph: rename the selected node (asking for the
    // name) or delete it (asking how).
    void renameSelectedNode();
    void deleteSelectedNode();
    // The tensor shown in the tensor view: its values from a .npy (or the
    // array of its name in a .npz), or to a .npy. Errors name the file.
    bool importTensor(const QString& path);
    bool exportTensor(const QString& path);
    // Model > Run: the run panel for the open model.
    void showRunPanel();
    // Opens files the user picked or dropped: through the window manager
    // (openRequested) when there is one, each model in its own window;
    // otherwise the first file here.
    void requestOpen(const QStringList& paths);
    // The Convert panel, shown, converting `paths`.
    void convertFiles(const QStringList& paths);

signals:
    void modelOpened(const QString& path);
    void openFailed(const QString& path, const QString& message);
    void keyRequested(const QString& path);
    void openRequested(const QStringList& paths);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;

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
    void showExportOnnxDialog();
    void showExportWeightsDialog();
    void showConvertFilesDialog(bool folder);
    // True when the current document may be replaced or closed: nothing is
    // unsaved, or the user saved or discarded it.
    bool maybeSave();
    void showFileError(const QString& title, const QString& message);
    void showEditError(const QString& message);
    // The one place an applied, undone or redone edit is shown.
    void modelEdited(EditKind kind);
    void refreshNodePanel();
    void reinferShapes();
    void updateTensorEditing();
    void updateEditing();
    void onTensorAction(int action);
    std::shared_ptr<Tensor> shownStoredTensor() const;
    void createEditMenu(QMenu* edit);
    void connectEditRequests();
    void fillRecentMenu();
    void showAbout();
    void onLoaded(const QString& path, std::shared_ptr<Model> model, double seconds);
    void onFailed(const QString& path, const QString& message);
    void askForKey(const QString& path, const QString& message);
    void setBusy(bool busy, const QString& message = {});
    void updateTitle();
    bool isSample(const QString& path) const;
    // Where save and export dialogs start: beside the open file (for the
    // sample, the folder last opened from).
    QString saveFolder() const;
    QString runBlocking(const QString& title, const QString& label, const std::function<void()>& work);

    ModelLoader* loader_;
    GraphView* graphView_;
    ModelOutline* outline_;
    ModelPropertiesPanel* properties_;
    NodePropertiesPanel* nodePanel_;
    TensorView* tensorView_;
    FindPanel* findPanel_;
    RunPanel* runPanel_;
    ConvertPanel* convertPanel_;
    DropOverlay* dropOverlay_ = nullptr;
    QDockWidget* convertDock_ = nullptr;
    QAction* exportOnnxAction_ = nullptr;
    QAction* exportWeightsAction_ = nullptr;
    QDockWidget* findDock_ = nullptr;
    QDockWidget* runDock_ = nullptr;
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
    QAction* renameNodeAction_ = nullptr;
    QAction* deleteNodeAction_ = nullptr;
    QProgressBar* busyBar_ = nullptr;
    QUndoStack* undoStack_;

    // Not const: loading weights edits it in place.
    std::shared_ptr<Model> model_;
    QString currentFile_;
    QString lastError_;
    QString lastFileError_;
    QString lastEditError_;
    SavePrompt savePrompt_;
    DeletePrompt deletePrompt_;
    InputPrompt inputPrompt_;
    // Readers want a real path, so the built-in sample is copied out; the
    // copy lives as long as the window may still have it open.
    std::unique_ptr<QTemporaryDir> sampleDir_;
};

} // namespace nodus

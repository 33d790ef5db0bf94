#pragma once

#include <QMainWindow>

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
// fails to open is reported and leaves the current model in place.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    std::shared_ptr<const Model> model() const { return model_; }
    // The file as the user named it (for the sample: its temporary copy).
    QString currentFile() const { return currentFile_; }
    // The message of the most recent failed open; empty when none failed.
    QString lastError() const { return lastError_; }
    bool isLoading() const;

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
    void closeModel();

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
    QProgressBar* busyBar_ = nullptr;

    std::shared_ptr<const Model> model_;
    QString currentFile_;
    QString lastError_;
    // Readers want a real path, so the built-in sample is copied out; the
    // copy lives as long as the window may still have it open.
    std::unique_ptr<QTemporaryDir> sampleDir_;
};

} // namespace nodus

#pragma once

#include <QMainWindow>

#include <memory>

class QLabel;
class QMenu;
class QProgressBar;
class QTemporaryDir;

namespace nodus {

class Model;
class ModelLoader;
class ModelOutline;
class ModelPropertiesPanel;

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

public slots:
    void openFile(const QString& path);
    // The model built into the binary, so a first start shows something.
    void openSample();
    void closeModel();

signals:
    void modelOpened(const QString& path);
    void openFailed(const QString& path, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void showOpenDialog();
    void fillRecentMenu();
    void showAbout();
    void onLoaded(const QString& path, std::shared_ptr<Model> model, double seconds);
    void onFailed(const QString& path, const QString& message);
    void setBusy(bool busy, const QString& message = {});
    void updateTitle();
    bool isSample(const QString& path) const;

    ModelLoader* loader_;
    ModelOutline* outline_;
    ModelPropertiesPanel* properties_;
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

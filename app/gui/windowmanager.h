#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QStringList>

namespace nodus {

class MainWindow;

// The application's windows: one model per window, each with its own view,
// selection and undo history. Files from the Open dialog, drops, Open
// Recent and other launches (SingleInstance) arrive here; a file already
// open brings its window forward, a blank window (nothing open, or the
// untouched sample) is reused, anything else opens a new window.
class WindowManager : public QObject {
    Q_OBJECT
public:
    explicit WindowManager(QObject* parent = nullptr);
    ~WindowManager() override;

    MainWindow* createWindow();
    QList<MainWindow*> windows() const;
    // Opens each file as described above; `from` is the window that asked
    // (reused first when blank). Relative paths are taken from the current
    // folder.
    void openFiles(const QStringList& files, MainWindow* from = nullptr);
    // Brings the most recently used window to the front (or makes one).
    void raiseWindow();

private:
    MainWindow* windowShowing(const QString& absolutePath) const;
    static void bringForward(MainWindow* window);

    QList<QPointer<MainWindow>> windows_;
};

} // namespace nodus

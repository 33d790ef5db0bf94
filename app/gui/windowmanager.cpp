#include "windowmanager.h"

#include "mainwindow.h"

#include <QApplication>
#include <QFileInfo>
#include <QScreen>

namespace nodus {

WindowManager::WindowManager(QObject* parent)
    : QObject(parent)
{
}

WindowManager::~WindowManager()
{
    for (const auto& w : windows_)
        delete w.data();
}

MainWindow* WindowManager::createWindow()
{
    auto* window = new MainWindow;
    window->setAttribute(Qt::WA_DeleteOnClose);
    connect(window, &MainWindow::openRequested, this,
        [this, window](const QStringList& files) { openFiles(files, window); });
    // New windows step down and right from the last, so none hides another.
    MainWindow* last = nullptr;
    for (const auto& w : windows_)
        if (w && w->isVisible())
            last = w;
    windows_.append(window);
    connect(window, &QObject::destroyed, this, [this] {
        windows_.removeIf([](const QPointer<MainWindow>& w) { return w.isNull(); });
    });
    if (last) {
        window->resize(last->size());
        QPoint pos = last->pos() + QPoint(32, 32);
        if (const QScreen* screen = last->screen()) {
            const QRect area = screen->availableGeometry();
            if (!area.contains(QRect(pos, window->size())))
                pos = area.topLeft();
        }
        window->move(pos);
    }
    window->show();
    return window;
}

QList<MainWindow*> WindowManager::windows() const
{
    QList<MainWindow*> out;
    for (const auto& w : windows_)
        if (w)
            out.append(w.data());
    return out;
}

MainWindow* WindowManager::windowShowing(const QString& absolutePath) const
{
    const QString canonical = QFileInfo(absolutePath).canonicalFilePath();
    for (MainWindow* w : windows()) {
        const QString current = w->currentFile();
        if (current.isEmpty())
            continue;
        if (current == absolutePath || (!canonical.isEmpty() && QFileInfo(current).canonicalFilePath() == canonical))
            return w;
    }
    return nullptr;
}

void WindowManager::bringForward(MainWindow* window)
{
    window->show();
    if (window->isMinimized())
        window->showNormal();
    window->raise();
    window->activateWindow();
}

void WindowManager::openFiles(const QStringList& files, MainWindow* from)
{
    QList<MainWindow*> used;
    for (const QString& file : files) {
        const QString absolute = QFileInfo(file).absoluteFilePath();
        if (MainWindow* w = windowShowing(absolute)) {
            bringForward(w);
            continue;
        }
        MainWindow* target = nullptr;
        const auto usable = [&](MainWindow* w) { return w && w->isBlank() && !used.contains(w); };
        if (usable(from))
            target = from;
        for (MainWindow* w : windows())
            if (!target && usable(w))
                target = w;
        if (!target)
            target = createWindow();
        used.append(target);
        target->openFile(absolute);
        bringForward(target);
    }
}

void WindowManager::raiseWindow()
{
    const QList<MainWindow*> all = windows();
    if (all.isEmpty()) {
        createWindow()->openSample();
        return;
    }
    MainWindow* active = qobject_cast<MainWindow*>(QApplication::activeWindow());
    bringForward(active ? active : all.last());
}

} // namespace nodus

#include "mainwindow.h"

#include "modelloader.h"
#include "recentfiles.h"

#include "modeloutline.h"
#include "modelpropertiespanel.h"

#include "formats/formatregistry.h"
#include "ir/model.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>

// Resources compiled into a static library are only linked in when something
// names them; this must be called outside any namespace.
static void initNodusResources()
{
    Q_INIT_RESOURCE(nodus);
}

namespace nodus {

namespace {

const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kLastDirKey = QStringLiteral("mainWindow/lastDirectory");
const QString kSampleResource = QStringLiteral(":/samples/sample.onnx");

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// "ONNX model (*.onnx)" per format, led by one filter for all of them, so the
// dialog follows the registry table without a list kept here.
QStringList openFilters()
{
    QStringList filters;
    QStringList all;
    for (const Format* f : FormatRegistry::instance().formats()) {
        if (!f->can(Format::Read))
            continue;
        QStringList patterns;
        for (const auto& ext : f->extensions())
            patterns << QStringLiteral("*") + QString::fromStdString(ext);
        if (patterns.isEmpty())
            continue;
        filters << QStringLiteral("%1 (%2)").arg(qs(f->displayName()), patterns.join(QLatin1Char(' ')));
        all << patterns;
    }
    all.removeDuplicates();
    if (!all.isEmpty())
        filters.prepend(QObject::tr("All models (%1)").arg(all.join(QLatin1Char(' '))));
    filters << QObject::tr("All files (*)");
    return filters;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , loader_(new ModelLoader(this))
    , outline_(new ModelOutline(this))
    , properties_(new ModelPropertiesPanel(this))
{
    initNodusResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/nodus.svg")));
    setAcceptDrops(true);

    outline_->setObjectName(QStringLiteral("outline"));
    setCentralWidget(outline_);

    auto* dock = new QDockWidget(tr("Model"), this);
    dock->setObjectName(QStringLiteral("propertiesDock")); // saveState() keys docks by name
    dock->setWidget(properties_);
    dock->setFeatures(
        QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, dock);

    busyBar_ = new QProgressBar(this);
    busyBar_->setRange(0, 0); // indeterminate: readers do not report progress
    busyBar_->setMaximumWidth(160);
    busyBar_->setMaximumHeight(14);
    busyBar_->setTextVisible(false);
    busyBar_->hide();
    statusBar()->addPermanentWidget(busyBar_);

    createMenus();
    menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))->addAction(dock->toggleViewAction());

    connect(loader_, &ModelLoader::loaded, this, &MainWindow::onLoaded);
    connect(loader_, &ModelLoader::failed, this, &MainWindow::onFailed);

    const QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        const QSize available = screen()->availableSize();
        resize(QSize(1200, 800).boundedTo(available * 0.9));
    }
    restoreState(settings.value(kStateKey).toByteArray());
    updateTitle();
}

MainWindow::~MainWindow() = default;

bool MainWindow::isLoading() const
{
    return loader_->isLoading();
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open..."), this, &MainWindow::showOpenDialog);
    open->setShortcut(QKeySequence::Open);

    recentMenu_ = file->addMenu(tr("Open &Recent"));
    // Built when shown, so files deleted since the last look are gone from it.
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    fillRecentMenu();

    file->addAction(tr("Open &Sample Model"), this, &MainWindow::openSample);
    file->addSeparator();
    closeAction_ = file->addAction(tr("&Close"), this, &MainWindow::closeModel);
    closeAction_->setShortcut(QKeySequence::Close);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    // Some platform themes (and the offscreen one) bind nothing to Quit.
    quit->setShortcut(QKeySequence::keyBindings(QKeySequence::Quit).isEmpty() ? QKeySequence(Qt::CTRL | Qt::Key_Q)
                                                                              : QKeySequence(QKeySequence::Quit));
    quit->setMenuRole(QAction::QuitRole);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Nodus"), this, &MainWindow::showAbout)->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::fillRecentMenu()
{
    recentMenu_->clear();
    const QStringList files = RecentFiles().files();
    for (int i = 0; i < files.size(); ++i) {
        const QString& path = files[i];
        // The number is an accelerator; the full path is in the status tip.
        const QString number = i < 9 ? QStringLiteral("&%1").arg(i + 1) : QStringLiteral("1&0");
        QAction* a = recentMenu_->addAction(
            number + QLatin1Char(' ') + QFileInfo(path).fileName(), this, [this, path] { openFile(path); });
        a->setStatusTip(QDir::toNativeSeparators(path));
        a->setToolTip(QDir::toNativeSeparators(path));
    }
    if (files.isEmpty()) {
        recentMenu_->addAction(tr("No recent files"))->setEnabled(false);
        return;
    }
    recentMenu_->addSeparator();
    recentMenu_->addAction(tr("&Clear Menu"), this, [] { RecentFiles().clear(); });
}

void MainWindow::showOpenDialog()
{
    QSettings settings;
    QString selected;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"),
        settings.value(kLastDirKey, QDir::homePath()).toString(), openFilters().join(QStringLiteral(";;")), &selected);
    if (path.isEmpty())
        return;
    settings.setValue(kLastDirKey, QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::openFile(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    setBusy(true, tr("Loading %1…").arg(QFileInfo(absolute).fileName()));
    loader_->load(absolute);
}

void MainWindow::openSample()
{
    if (!sampleDir_ || !sampleDir_->isValid()) {
        sampleDir_ = std::make_unique<QTemporaryDir>();
        const QString target = sampleDir_->filePath(QStringLiteral("sample.onnx"));
        if (!sampleDir_->isValid() || !QFile::copy(kSampleResource, target)) {
            onFailed(target,
                tr("Cannot copy the sample model to a temporary folder (%1).")
                    .arg(sampleDir_->isValid() ? target : sampleDir_->errorString()));
            sampleDir_.reset();
            return;
        }
    }
    openFile(sampleDir_->filePath(QStringLiteral("sample.onnx")));
}

bool MainWindow::isSample(const QString& path) const
{
    return sampleDir_ && QFileInfo(path).absolutePath() == QFileInfo(sampleDir_->path()).absoluteFilePath();
}

void MainWindow::closeModel()
{
    model_.reset();
    currentFile_.clear();
    outline_->clear();
    properties_->clear();
    updateTitle();
}

void MainWindow::onLoaded(const QString& path, std::shared_ptr<Model> model, double seconds)
{
    model_ = std::move(model);
    currentFile_ = path;
    outline_->showModel(model_);
    properties_->showModel(model_);
    if (!isSample(path))
        RecentFiles().add(path);
    updateTitle();
    setBusy(false);
    const std::size_t nodes = model_->graph ? model_->graph->nodes().size() : 0;
    const QString took = seconds < 1 ? tr("%1 ms").arg(qRound(seconds * 1000)) : tr("%1 s").arg(seconds, 0, 'f', 1);
    statusBar()->showMessage(
        tr("Opened %1: %2 nodes in %3").arg(QFileInfo(path).fileName(), QLocale().toString(qulonglong(nodes)), took),
        8000);
    emit modelOpened(path);
}

void MainWindow::onFailed(const QString& path, const QString& message)
{
    lastError_ = message;
    setBusy(false);
    statusBar()->showMessage(tr("Could not open %1").arg(QFileInfo(path).fileName()), 8000);
    if (!QFileInfo::exists(path))
        RecentFiles().remove(path);

    // open(), not exec(): a nested event loop would stall queued loads and
    // would block tests; window-modal still keeps the user from acting behind it.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot Open File"), message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("openErrorBox"));
    box->setInformativeText(model_ ? tr("The model that was open stays open.") : QString());
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    box->open();
    emit openFailed(path, message);
}

void MainWindow::setBusy(bool busy, const QString& message)
{
    busyBar_->setVisible(busy);
    if (busy)
        statusBar()->showMessage(message);
    else
        statusBar()->clearMessage();
}

void MainWindow::updateTitle()
{
    closeAction_->setEnabled(model_ != nullptr);
    if (!model_) {
        setWindowFilePath({});
        setWindowTitle(QStringLiteral("Nodus"));
        return;
    }
    setWindowTitle(QStringLiteral("%1 — Nodus").arg(QFileInfo(currentFile_).fileName()));
}

void MainWindow::showAbout()
{
    QStringList formats;
    for (const Format* f : FormatRegistry::instance().formats())
        formats << qs(f->displayName()).toHtmlEscaped();
    QMessageBox::about(this, tr("About Nodus"),
        tr("<h3>Nodus %1</h3>"
           "<p>Inspector and editor for machine-learning model files.</p>"
           "<p>Formats: %2</p>"
           "<p>Built with Qt %3.</p>")
            .arg(QStringLiteral(NODUS_VERSION), formats.join(QStringLiteral(", ")), QStringLiteral(QT_VERSION_STR)));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    // One model per window for now: the first file wins.
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile()) {
            event->acceptProposedAction();
            openFile(url.toLocalFile());
            return;
        }
    }
}

} // namespace nodus
